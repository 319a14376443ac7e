import { get, writable, type Readable } from 'svelte/store';
import { DEFAULT_NOTIFY_PREFS, shouldNotify, type NotifyPermission, type NotifyPrefs } from '../chat/notices.ts';
import { navigate } from '../router.ts';
import { presence } from './presence.ts';

/**
 * Desktop notifications for mentions and direct messages (lib/chat/notices.ts decides when and
 * what). Opt-in per browser: the permission prompt only comes from the person's own click in the
 * settings. The text can be left out, since notifications show on lock screens and stay in the
 * system's history.
 */
const KEY = 'lescopains.notifications';

function load(): NotifyPrefs {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<NotifyPrefs> | null;
    return { enabled: v?.enabled === true, preview: v?.preview !== false };
  } catch {
    return { ...DEFAULT_NOTIFY_PREFS };
  }
}

const prefsState = writable<NotifyPrefs>(typeof localStorage === 'undefined' ? { ...DEFAULT_NOTIFY_PREFS } : load());
export const notifyPrefs: Readable<NotifyPrefs> = { subscribe: prefsState.subscribe };

function save(p: NotifyPrefs): void {
  prefsState.set(p);
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    // Kept for this page only.
  }
}

/** What the browser allows now (it can change in the browser's own settings at any time). */
export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as NotifyPermission);
}

/** Switches notifications on, asking the browser first; returns what the browser answered. */
export async function enableNotifications(): Promise<NotifyPermission> {
  if (notifyPermission() === 'unsupported') {
    return 'unsupported';
  }
  const answer = (await Notification.requestPermission()) as NotifyPermission;
  save({ ...get(prefsState), enabled: answer === 'granted' });
  return answer;
}

export function disableNotifications(): void {
  save({ ...get(prefsState), enabled: false });
}

export function setNotifyPreview(preview: boolean): void {
  save({ ...get(prefsState), preview });
}

/**
 * Raises a notification if the person wants one now; `content` is only worked out then. `tag`
 * replaces an earlier one with the same tag (several tabs of one person show one); a click brings
 * the tab forward on `path`.
 */
export function notify(n: { tag: string; path: string; content: () => { title: string; body: string } }): void {
  const permission = notifyPermission();
  const ok = shouldNotify({
    prefs: get(prefsState),
    permission,
    status: get(presence).self?.status ?? null,
    visible: document.visibilityState !== 'hidden',
    focused: document.hasFocus(),
  });
  if (!ok) {
    return;
  }
  try {
    const { title, body } = n.content();
    const note = new Notification(title, { body, tag: n.tag, icon: '/favicon.svg' });
    note.onclick = () => {
      window.focus();
      navigate(n.path);
      note.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: nothing to show there.
  }
}
