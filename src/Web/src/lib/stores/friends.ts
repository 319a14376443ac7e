import { derived, writable, type Readable } from 'svelte/store';
import { applyFriendPresence, applyRelationship, applyUserUpdate, fromList, pendingCount, type Relationship, type Relationships } from '../friends.ts';
import { onGatewayEvent } from '../gateway.ts';
import { syncWithAccount } from './account-sync.ts';
import { api } from './session.ts';

/**
 * The reader's friends and friend requests (docs/API.md "Friends"): loaded on every connect (so
 * friends' presence is fresh after a reconnect), then live from `relationship:update` (either side's
 * change, from any of their devices), `presence:friend` and `user:update`.
 */
const state = writable<Relationships>(new Map());
export const relationships: Readable<Relationships> = { subscribe: state.subscribe };

/** Requests received and not answered yet. */
export const pendingFriends: Readable<number> = derived(state, pendingCount);

export async function loadRelationships(): Promise<void> {
  try {
    const { relationships: list } = await api.listRelationships();
    state.set(fromList(list));
  } catch {
    // What was known holds until the next connect.
  }
}

function applyOwn(r: Relationship | null, userId: string): void {
  state.update((m) => (r ? applyRelationship(m, r) : applyRelationship(m, { user: { id: userId }, type: null })));
}

/** "Add Friend" by username; the relationship it made (sent, or accepted when they had asked). */
export async function addFriend(username: string): Promise<Relationship> {
  const r = await api.addFriend(username);
  applyOwn(r, r.user.id);
  return r;
}

/** Sends a request to, or accepts the one from, `userId`. */
export async function requestFriend(userId: string): Promise<Relationship> {
  const r = await api.requestFriend(userId);
  applyOwn(r, r.user.id);
  return r;
}

/** Removes a friend, cancels a request sent, ignores one received. */
export async function removeRelationship(userId: string): Promise<void> {
  await api.removeRelationship(userId);
  applyOwn(null, userId);
}

onGatewayEvent('relationship:update', (p) => state.update((m) => applyRelationship(m, p)));
onGatewayEvent('presence:friend', (p) => state.update((m) => applyFriendPresence(m, p)));
onGatewayEvent('user:update', (p) => state.update((m) => applyUserUpdate(m, p)));

syncWithAccount(() => void loadRelationships(), () => state.set(new Map()));
