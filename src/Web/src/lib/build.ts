import { writable, type Readable } from 'svelte/store';

/** The meta tag the production build writes into index.html: a hash of the bundle's file names. */
export const BUILD_META = 'lescopains-build';

/** The build this tab runs: the meta tag of the page it was loaded from (none in development). */
export function pageBuild(doc: Pick<Document, 'querySelector'> | undefined = globalThis.document): string | null {
  return doc?.querySelector<HTMLMetaElement>(`meta[name="${BUILD_META}"]`)?.content || null;
}

/** Whether the server serves another build than the one this tab runs; false while either is unknown. */
export function isOutdated(page: string | null, served: unknown): boolean {
  return page !== null && typeof served === 'string' && served !== '' && served !== page;
}

const outdated = writable(false);

/** True once the server said (in `ready`) that it serves a newer build: this tab should reload. */
export const updateAvailable: Readable<boolean> = { subscribe: outdated.subscribe };

/** Called with `ready.build` on every (re)connect. */
export function noteServedBuild(served: unknown): void {
  if (isOutdated(pageBuild(), served)) {
    outdated.set(true);
  }
}
