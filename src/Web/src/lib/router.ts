import { writable, type Readable } from 'svelte/store';

export type SettingsSection = 'profile' | 'sessions' | 'appearance' | 'notifications' | 'privacy';

export type Route =
  | { name: 'login'; next: string | null }
  | { name: 'register'; next: string | null }
  | { name: 'home' }
  | { name: 'guild'; guildId: string; channelId: string | null; messageId?: string }
  | { name: 'invite'; code: string }
  | { name: 'settings'; section: SettingsSection }
  | { name: 'not-found'; path: string };

const SECTIONS: readonly SettingsSection[] = ['profile', 'sessions', 'appearance', 'notifications', 'privacy'];

/**
 * The path of a link to this app's own channels or messages (a pasted message link), so it opens
 * in place instead of in a new tab; null for any other address.
 */
export function inAppPath(href: string, origin: string): string | null {
  try {
    const url = new URL(href);
    return url.origin === origin && /^\/channels\/[^/]+(\/[^/]+){0,2}\/?$/.test(url.pathname) ? url.pathname : null;
  } catch {
    return null;
  }
}

/** Maps a location (pathname + search) to a route. Trailing slashes and case do not matter. */
export function parseRoute(pathname: string, search = ''): Route {
  const segments = pathname.split('/').filter(Boolean);
  const path = ('/' + segments.join('/')).toLowerCase();
  // Ids and invite codes keep their case.
  const [head, a, b, c, extra] = segments.map((x) => safeDecode(x));
  // A message link: /channels/{guild}/{channel or thread}/{message}.
  if (head?.toLowerCase() === 'channels' && a && b && c && extra === undefined) {
    return { name: 'guild', guildId: a, channelId: b, messageId: c };
  }
  if (head?.toLowerCase() === 'channels' && a && c === undefined) {
    return { name: 'guild', guildId: a, channelId: b ?? null };
  }
  if (head?.toLowerCase() === 'invite' && a && b === undefined) {
    return { name: 'invite', code: a };
  }
  switch (path) {
    case '/':
    case '/app':
      return { name: 'home' };
    case '/login':
      return { name: 'login', next: safeNext(new URLSearchParams(search).get('next')) };
    case '/register':
      return { name: 'register', next: safeNext(new URLSearchParams(search).get('next')) };
    case '/settings':
      return { name: 'settings', section: 'profile' };
  }
  const settings = /^\/settings\/([a-z]+)$/.exec(path);
  if (settings && (SECTIONS as readonly string[]).includes(settings[1]!)) {
    return { name: 'settings', section: settings[1] as SettingsSection };
  }
  return { name: 'not-found', path: pathname };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case 'home':
      return '/';
    case 'login':
      return route.next && route.next !== '/' ? `/login?next=${encodeURIComponent(route.next)}` : '/login';
    case 'register':
      return route.next && route.next !== '/' ? `/register?next=${encodeURIComponent(route.next)}` : '/register';
    case 'settings':
      return `/settings/${route.section}`;
    case 'guild':
      return `/channels/${encodeURIComponent(route.guildId)}${route.channelId ? `/${encodeURIComponent(route.channelId)}${route.messageId ? `/${encodeURIComponent(route.messageId)}` : ''}` : ''}`;
    case 'invite':
      return `/invite/${encodeURIComponent(route.code)}`;
    case 'not-found':
      return route.path;
  }
}

/** Only same-origin absolute paths are followed after login; anything else could leave the app. */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    return null;
  }
  const target = parseRoute(next.split('?')[0]!);
  return ['home', 'settings', 'guild', 'invite'].includes(target.name) ? routePath(target) : null;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Where a route must send the user instead, given whether they are signed in; null to stay.
 * Signed-out users go to login (remembering where they wanted to go); signed-in users skip the
 * auth screens.
 */
export function redirectFor(route: Route, signedIn: boolean): string | null {
  switch (route.name) {
    case 'login':
      return signedIn ? (route.next ?? '/') : null;
    case 'register':
      return signedIn ? (route.next ?? '/') : null;
    case 'home':
      return signedIn ? null : '/login';
    case 'settings':
    case 'guild':
    case 'invite':
      return signedIn ? null : routePath({ name: 'login', next: routePath(route) });
    case 'not-found':
      return null;
  }
}

/** True for a click the router should handle in-app rather than let the browser follow. */
export function isInAppClick(
  e: Pick<MouseEvent, 'button' | 'metaKey' | 'ctrlKey' | 'shiftKey' | 'altKey' | 'defaultPrevented'>,
  anchor: { target: string; hasDownload: boolean; origin: string; pathname: string },
  currentOrigin: string,
): boolean {
  return (
    !e.defaultPrevented &&
    e.button === 0 &&
    !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey &&
    (anchor.target === '' || anchor.target === '_self') &&
    !anchor.hasDownload &&
    anchor.origin === currentOrigin &&
    !anchor.pathname.startsWith('/api/')
  );
}

// --- browser side -------------------------------------------------------------------------

const current = writable<Route>({ name: 'home' });
/** The route of the current location. */
export const route: Readable<Route> = { subscribe: current.subscribe };

function sync(): void {
  current.set(parseRoute(location.pathname, location.search));
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) {
    return;
  }
  if (options.replace) {
    history.replaceState(null, '', path);
  } else {
    history.pushState(null, '', path);
  }
  sync();
}

/** Follows history changes and in-app links; returns the function that stops it. */
export function startRouter(): () => void {
  const onClick = (e: MouseEvent) => {
    const a = e.target instanceof Element ? e.target.closest('a') : null;
    if (!a || !a.href) {
      return;
    }
    const anchor = { target: a.target, hasDownload: a.hasAttribute('download'), origin: a.origin, pathname: a.pathname };
    if (isInAppClick(e, anchor, location.origin)) {
      e.preventDefault();
      navigate(a.pathname + a.search);
    }
  };
  addEventListener('popstate', sync);
  document.addEventListener('click', onClick);
  sync();
  return () => {
    removeEventListener('popstate', sync);
    document.removeEventListener('click', onClick);
  };
}
