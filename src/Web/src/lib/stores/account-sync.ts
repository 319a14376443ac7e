import { get } from 'svelte/store';
import { connectionState } from '../gateway.ts';
import { session } from './session.ts';

/**
 * For a store of the signed-in person's own server-side state (notification settings, followed
 * threads, blocks): `load` on every (re)connect, and at once when the hub is already up (these
 * modules come with the lazy home screen); `reset` when another account signs in here, or none.
 */
export function syncWithAccount(load: () => void, reset: () => void): void {
  let lastConnection = get(connectionState);
  connectionState.subscribe((c) => {
    const was = lastConnection;
    lastConnection = c;
    if (c === 'connected' && was !== 'connected' && get(session).user) {
      load();
    }
  });

  let lastUser = get(session).user?.id ?? null;
  session.subscribe((s) => {
    const id = s.user?.id ?? null;
    if (id !== lastUser) {
      lastUser = id;
      reset();
    }
  });

  if (get(connectionState) === 'connected' && get(session).user) {
    load();
  }
}
