import assert from 'node:assert/strict';
import { test } from 'node:test';
import { get } from 'svelte/store';
import { loadMembers, members, upsertMember } from '../../src/lib/stores/members.ts';
import type { Member } from '../../src/lib/types.ts';
import { signedInLocalStorage } from './fakes.ts';

/** Guild g's list (the test loads it first). */
const list = () => {
  const l = get(members).g;
  assert.ok(l, 'loaded');
  return l;
};

function member(userId: string, displayName: string): Member {
  return { userId, username: userId, displayName, nickname: null, roles: [], joinedAt: '', timeoutUntil: null };
}

test('the member list pages by the cursor the Api gives, ends where next is left out, and files a newcomer by name', async () => {
  // The Api's order: by shown name. Three pages of two (the store asks for 200; the fake pages by 2).
  const all = ['Ana', 'bea', 'Cleo', 'dora', 'Éva'].map((name, i) => member(`u${i}`, name));
  const asked: (string | null)[] = [];
  globalThis.localStorage = signedInLocalStorage({ id: 'u0', username: 'u0', displayName: 'Ana', createdAt: '' });
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://x');
    const after = url.searchParams.get('after');
    asked.push(after);
    const start = after === null ? 0 : Number(after.slice(1));
    const page = all.slice(start, start + 2);
    // Like the Api: `next` only while there is more (nulls are left out of its JSON).
    const body = start + 2 < all.length ? { members: page, next: `c${start + 2}` } : { members: page };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;

  await loadMembers('g');
  assert.deepEqual(list().members.map((m) => m.displayName), ['Ana', 'bea']);
  assert.equal(list().complete, false);

  // A newcomer named before the last loaded member belongs to the loaded pages; one named after waits for its page.
  upsertMember('g', member('n1', 'Alma'));
  upsertMember('g', member('n2', 'Béatrice'));
  assert.deepEqual(list().members.map((m) => m.displayName), ['Ana', 'bea', 'Alma']);
  assert.deepEqual(Object.keys(list().extra), ['n2'], '"Béatrice" sorts after "bea", the last loaded');

  await loadMembers('g', true);
  await loadMembers('g', true);
  assert.deepEqual(asked, [null, 'c2', 'c4'], 'each page starts at the cursor the last one gave');
  assert.equal(list().complete, true, 'the page without next is the last');
  await loadMembers('g', true);
  assert.equal(asked.length, 3, 'nothing is asked once complete');
  assert.deepEqual(list().members.map((m) => m.displayName), ['Ana', 'bea', 'Alma', 'Cleo', 'dora', 'Éva']);
});
