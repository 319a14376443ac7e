import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionTitle, mentionTotal } from '../../src/lib/chat/attention.ts';
import { directNotice, mentionNotice, NOTICE_BODY_MAX, shouldNotify } from '../../src/lib/chat/notices.ts';
import { parseMarkdown, plainText } from '../../src/lib/chat/markdown.ts';
import { firstUnreadId } from '../../src/lib/chat/timeline.ts';
import { createDrafts, DRAFT_TTL_MS, draftStorageKey, MAX_DRAFT_LENGTH, MAX_DRAFTS, WRITE_DELAY_MS, type DraftStorage } from '../../src/lib/chat/drafts.ts';

class MapStorage implements DraftStorage {
  items = new Map<string, string>();
  writes = 0;
  failing = false;
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (this.failing) {
      throw new Error('QuotaExceededError');
    }
    this.writes++;
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.writes++;
    this.items.delete(k);
  }
}

const KEY = draftStorageKey('u1');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('drafts: per channel, kept across a new page (storage), blank text removes one', () => {
  const storage = new MapStorage();
  const a = createDrafts({ storage, storageKey: KEY });
  a.set('c1', 'half a thought');
  a.set('c2', 'line one\nline two');
  assert.equal(a.get('c1'), 'half a thought');
  assert.equal(a.get('c3'), '');
  a.flush();
  const b = createDrafts({ storage, storageKey: KEY });
  assert.equal(b.get('c1'), 'half a thought');
  assert.equal(b.get('c2'), 'line one\nline two');
  b.set('c1', '   ');
  b.set('c2', '');
  b.flush();
  assert.equal(storage.getItem(KEY), null, 'no drafts left: nothing stored');
  assert.equal(createDrafts({ storage, storageKey: KEY }).get('c1'), '');
});

test('drafts: one write per pause in typing, not one per key', async () => {
  const storage = new MapStorage();
  const d = createDrafts({ storage, storageKey: KEY });
  for (const t of ['h', 'he', 'hel', 'hell', 'hello']) {
    d.set('c1', t);
  }
  assert.equal(storage.writes, 0);
  await sleep(WRITE_DELAY_MS + 50);
  assert.equal(storage.writes, 1);
  assert.equal(createDrafts({ storage, storageKey: KEY }).get('c1'), 'hello');
  d.flush(); // nothing pending
  assert.equal(storage.writes, 1);
});

test('drafts: without storage they live in memory only (direct messages)', () => {
  const d = createDrafts();
  d.set('dm1', 'secret');
  d.flush();
  assert.equal(d.get('dm1'), 'secret');
  assert.equal(createDrafts().get('dm1'), '');
});

test('drafts: at most MAX_DRAFTS, the least recently changed go first; old and unreadable ones are dropped', () => {
  let clock = 1_000;
  const storage = new MapStorage();
  const d = createDrafts({ storage, storageKey: KEY, now: () => clock });
  for (let i = 0; i <= MAX_DRAFTS; i++) {
    clock++;
    d.set(`c${i}`, `draft ${i}`);
  }
  d.set('c0', 'changed again'); // c0 was the oldest; now the newest, so c1 goes
  assert.equal(d.get('c0'), 'changed again');
  assert.equal(d.get('c1'), '');
  assert.equal(d.get(`c${MAX_DRAFTS}`), `draft ${MAX_DRAFTS}`);
  d.flush();
  assert.equal(Object.keys(JSON.parse(storage.getItem(KEY)!)).length, MAX_DRAFTS);

  // A month later the drafts are gone.
  assert.equal(createDrafts({ storage, storageKey: KEY, now: () => clock + DRAFT_TTL_MS }).get('c0'), '');
  assert.equal(createDrafts({ storage, storageKey: KEY, now: () => clock + DRAFT_TTL_MS - 10_000 }).get('c0'), 'changed again');

  for (const junk of ['{', '[1,2]', '"x"', JSON.stringify({ c: { t: 5, at: 1 }, d: null, e: { t: 'ok', at: 'x' } })]) {
    storage.items.set(KEY, junk);
    const j = createDrafts({ storage, storageKey: KEY, now: () => clock });
    assert.equal(j.get('c'), '');
    assert.equal(j.get('e'), '');
  }
});

test('drafts: very long text is cut, and a full storage keeps them in memory without throwing', () => {
  const storage = new MapStorage();
  storage.failing = true;
  const d = createDrafts({ storage, storageKey: KEY });
  d.set('c1', 'x'.repeat(MAX_DRAFT_LENGTH + 10));
  d.flush();
  assert.equal(d.get('c1').length, MAX_DRAFT_LENGTH);
});

test('title: unread mentions in front, 99+ past 99, nothing when there are none', () => {
  assert.equal(mentionTotal([{ mentions: 2 }, { mentions: 0 }, { mentions: 1 }]), 3);
  assert.equal(mentionTotal([]), 0);
  assert.equal(attentionTitle('#general · Copains · LesCopains', 3), '(3) #general · Copains · LesCopains');
  assert.equal(attentionTitle('LesCopains', 0), 'LesCopains');
  assert.equal(attentionTitle('LesCopains', 100), '(99+) LesCopains');
});

test('notifications: only when switched on, allowed, not in Do Not Disturb, and the person is elsewhere', () => {
  const on = { enabled: true, preview: true };
  const base = { prefs: on, permission: 'granted' as const, status: 'online', visible: false, focused: false };
  assert.equal(shouldNotify(base), true);
  assert.equal(shouldNotify({ ...base, visible: true, focused: false }), true, 'visible but another window has the focus');
  assert.equal(shouldNotify({ ...base, visible: true, focused: true }), false, 'looking at LesCopains');
  assert.equal(shouldNotify({ ...base, status: 'dnd' }), false);
  assert.equal(shouldNotify({ ...base, status: 'idle' }), true);
  assert.equal(shouldNotify({ ...base, prefs: { ...on, enabled: false } }), false);
  for (const permission of ['default', 'denied', 'unsupported'] as const) {
    assert.equal(shouldNotify({ ...base, permission }), false, permission);
  }
});

test('notifications: who, where and the text, cut; without the text when the person chose so', () => {
  assert.deepEqual(mentionNotice({ author: 'Alice', channel: 'general', guild: 'Copains', text: 'hi @Bob, lunch?', preview: true }), {
    title: 'Alice (#general, Copains)', body: 'hi @Bob, lunch?',
  });
  assert.deepEqual(mentionNotice({ author: 'Alice', channel: null, guild: 'Copains', text: 'in a thread', preview: false }), {
    title: 'Alice (Copains)', body: 'Mentioned you',
  });
  const long = mentionNotice({ author: 'A', channel: 'c', guild: 'g', text: 'word '.repeat(100), preview: true }).body;
  assert.equal(long.length, NOTICE_BODY_MAX);
  assert.ok(long.endsWith('…'));
  assert.deepEqual(directNotice({ author: 'Bob', text: 'see you', files: 0, preview: true }), { title: 'Bob', body: 'see you' });
  assert.deepEqual(directNotice({ author: 'Bob', text: '', files: 1, preview: true }), { title: 'Bob', body: 'Sent a file' });
  assert.deepEqual(directNotice({ author: 'Bob', text: '', files: 3, preview: true }), { title: 'Bob', body: 'Sent 3 files' });
  assert.deepEqual(directNotice({ author: 'Bob', text: 'secret', files: 0, preview: false }), { title: 'Bob', body: 'New message' });
});

test('plain text names the mentioned members and roles it knows', () => {
  const id = '0190a3c4-1234-7abc-8def-0123456789ab';
  const nodes = parseMarkdown(`**hey** <@${id}> and <@&${id}> and <@${id.replace('a', 'b')}> ||secret||`);
  assert.equal(plainText(nodes), 'hey @user and @role and @user ▮▮▮');
  assert.equal(plainText(nodes, (kind, x) => (x === id ? (kind === 'user' ? 'Bob' : 'Staff') : null)), 'hey @Bob and @Staff and @user ▮▮▮');
});

test('the "New" line goes above the first message of someone else after the last one read', () => {
  const m = (id: string, author: string) => ({ id, author: { id: author, username: author, displayName: author } });
  const list = [m('01a', 'bob'), m('01b', 'me'), m('01c', 'me'), m('01d', 'bob'), m('01e', 'bob')];
  assert.equal(firstUnreadId(list, '01a', 2, 'me'), '01d', 'my own messages are not new to me');
  assert.equal(firstUnreadId(list, '01c', 2, 'me'), '01d');
  assert.equal(firstUnreadId(list, '01e', 1, 'me'), null, 'nothing after the last read');
  assert.equal(firstUnreadId(list, '01a', 0, 'me'), null, 'no line without unread messages');
  assert.equal(firstUnreadId(list, '00z', 3, 'me'), '01a', 'all of it is new');
  // Never read there (no position): the unread count says how far back the line goes.
  assert.equal(firstUnreadId(list, null, 1, 'me'), '01e');
  assert.equal(firstUnreadId(list, null, 2, 'me'), '01d');
  assert.equal(firstUnreadId(list, null, 3, 'me'), '01a');
  assert.equal(firstUnreadId(list, null, 9, 'me'), '01a', 'more unread than loaded: the first loaded');
});
