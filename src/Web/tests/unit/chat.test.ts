import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJumbo, JUMBO_MAX, parseMarkdown, plainText, safeHref, type MdNode } from '../../src/lib/chat/markdown.ts';
import { enqueue, fail, forChannel, newNonce, parseHubError, retry, settle, settleSeen, type OutboxEntry } from '../../src/lib/chat/outbox.ts';
import { checkSeq, dayLabel, groupRows, GROUP_MS, maxSeq, mergeMessages, removeMessage, trimWindow } from '../../src/lib/chat/timeline.ts';
import type { Message } from '../../src/lib/types.ts';

// --- markdown -------------------------------------------------------------------------------

const text = (v: string): MdNode => ({ t: 'text', v });

test('markdown: bold, italics, strike, inline code and spoilers become nodes', () => {
  assert.deepEqual(parseMarkdown('a **b** *c* _d_ ~~e~~ `f` ||g||'), [
    text('a '), { t: 'b', c: [text('b')] }, text(' '), { t: 'i', c: [text('c')] }, text(' '), { t: 'i', c: [text('d')] },
    text(' '), { t: 's', c: [text('e')] }, text(' '), { t: 'code', v: 'f' }, text(' '), { t: 'spoiler', c: [text('g')] },
  ]);
});

test('markdown: markup nests, and code keeps its content literal', () => {
  assert.deepEqual(parseMarkdown('||**bold *both***||'), [
    { t: 'spoiler', c: [{ t: 'b', c: [text('bold '), { t: 'i', c: [text('both')] }] }] },
  ]);
  assert.deepEqual(parseMarkdown('*it **bold** it*'), [{ t: 'i', c: [text('it '), { t: 'b', c: [text('bold')] }, text(' it')] }]);
  assert.deepEqual(parseMarkdown('***x***'), [{ t: 'b', c: [{ t: 'i', c: [text('x')] }] }]);
  assert.deepEqual(parseMarkdown('`**not bold** <b>`'), [{ t: 'code', v: '**not bold** <b>' }]);
});

test('markdown: HTML-looking text stays text', () => {
  assert.deepEqual(parseMarkdown('<b>x</b> <img src=x onerror=alert(1)> &amp;'), [text('<b>x</b> <img src=x onerror=alert(1)> &amp;')]);
  assert.deepEqual(parseMarkdown('**<script>alert(1)</script>**'), [{ t: 'b', c: [text('<script>alert(1)</script>')] }]);
});

test('markdown: code blocks with and without a language; the text around is still parsed', () => {
  assert.deepEqual(parseMarkdown('see:\n```js\nconst a = **1**;\n```\nthen **b**'), [
    text('see:\n'), { t: 'pre', v: 'const a = **1**;', lang: 'js' }, text('then '), { t: 'b', c: [text('b')] },
  ]);
  assert.deepEqual(parseMarkdown('```one line```'), [{ t: 'pre', v: 'one line', lang: null }]);
  assert.deepEqual(parseMarkdown('```unclosed'), [text('```unclosed')]);
});

test('markdown: unmatched or spaced markers are literal; snake_case is not italics; escapes', () => {
  assert.deepEqual(parseMarkdown('2 * 3 * 4'), [text('2 * 3 * 4')]);
  assert.deepEqual(parseMarkdown('**open'), [text('**open')]);
  assert.deepEqual(parseMarkdown('a_snake_case_name'), [text('a_snake_case_name')]);
  assert.deepEqual(parseMarkdown('\\*not italics\\*'), [text('*not italics*')]);
  assert.deepEqual(parseMarkdown('||||'), [text('||||')]);
});

test('markdown: only full http(s) URLs become links, without trailing punctuation', () => {
  assert.deepEqual(parseMarkdown('go to https://example.org/a_b_c. now'), [
    text('go to '), { t: 'link', href: 'https://example.org/a_b_c', v: 'https://example.org/a_b_c' }, text('. now'),
  ]);
  assert.deepEqual(parseMarkdown('(see http://x.org/wiki/A_(b))'), [
    text('(see '), { t: 'link', href: 'http://x.org/wiki/A_(b)', v: 'http://x.org/wiki/A_(b)' }, text(')'),
  ]);
  assert.deepEqual(parseMarkdown('javascript:alert(1) data:text/html,x ftp://x.org'), [text('javascript:alert(1) data:text/html,x ftp://x.org')]);
  assert.deepEqual(parseMarkdown('xhttps://a.org'), [text('xhttps://a.org')]);
  assert.equal(safeHref('https://'), null);
  assert.equal(safeHref('HTTPS://Example.org'), 'https://example.org/');
});

test('markdown: deep nesting stops as text rather than recursing forever', () => {
  const deep = '||'.repeat(40) + 'x' + '||'.repeat(40);
  assert.doesNotThrow(() => parseMarkdown(deep));
  const long = '*a '.repeat(2000);
  assert.equal(plainText(parseMarkdown(long)), long.trim());
});

test('markdown: __underline__ on the terms of _italics_ (snake__case stays text); ___both___', () => {
  assert.deepEqual(parseMarkdown('a __b__ c'), [text('a '), { t: 'u', c: [text('b')] }, text(' c')]);
  assert.deepEqual(parseMarkdown('snake__case__name __ x__'), [text('snake__case__name __ x__')]);
  assert.deepEqual(parseMarkdown('___both___'), [{ t: 'u', c: [{ t: 'i', c: [text('both')] }] }]);
  assert.deepEqual(parseMarkdown('\\__not\\__'), [text('__not__')]);
});

test('markdown: quotes at the start of a line, lines in a row making one, >>> quoting everything after', () => {
  assert.deepEqual(parseMarkdown('> one\n> **two**\nafter'), [
    { t: 'quote', c: [text('one\n'), { t: 'b', c: [text('two')] }] }, text('after'),
  ]);
  assert.deepEqual(parseMarkdown('before\n>>> all\n> of this\n```\ncode\n```'), [
    text('before'), { t: 'quote', c: [text('all\n> of this\n'), { t: 'pre', v: 'code', lang: null }] },
  ]);
  // Not quotes: no space after ">", in the middle of a line, escaped, or inside a quote (they do not nest).
  assert.deepEqual(parseMarkdown('>no\na > b\n\\> c'), [text('>no\na > b\n> c')]);
  assert.deepEqual(parseMarkdown('> > inner'), [{ t: 'quote', c: [text('> inner')] }]);
  // A line of ">" alone keeps a quote going with an empty line.
  assert.deepEqual(parseMarkdown('> a\n>\n> b'), [{ t: 'quote', c: [text('a\n\nb')] }]);
});

test('markdown: headings, small text and lists at the start of a line; each takes its line break', () => {
  assert.deepEqual(parseMarkdown('# Big\n## **Mid**\n### small\n#### four\n#nospace'), [
    { t: 'h', level: 1, c: [text('Big')] }, { t: 'h', level: 2, c: [{ t: 'b', c: [text('Mid')] }] }, { t: 'h', level: 3, c: [text('small')] },
    text('#### four\n#nospace'),
  ]);
  assert.deepEqual(parseMarkdown('-# footnote\ntext'), [{ t: 'sub', c: [text('footnote')] }, text('text')]);
  assert.deepEqual(parseMarkdown('list:\n- one\n* *two*\n3. three\n4. four\n\nend'), [
    text('list:'),
    { t: 'ul', c: [{ t: 'li', c: [text('one')] }, { t: 'li', c: [{ t: 'i', c: [text('two')] }] }] },
    { t: 'ol', start: 3, c: [{ t: 'li', c: [text('three')] }, { t: 'li', c: [text('four')] }] },
    text('\nend'),
  ]);
  // Not lists or headings: no space, an empty item, escaped, or "2 * 3".
  assert.deepEqual(parseMarkdown('-one\n- \n\\# no\n2 * 3\n1.5 litres'), [text('-one\n- \n# no\n2 * 3\n1.5 litres')]);
  // Inside a quote, as in Discord.
  assert.deepEqual(parseMarkdown('> # Title\n> - item'), [
    { t: 'quote', c: [{ t: 'h', level: 1, c: [text('Title')] }, { t: 'ul', c: [{ t: 'li', c: [text('item')] }] }] },
  ]);
  // A code block right after a list keeps the list whole.
  assert.deepEqual(parseMarkdown('- a\n```\nx\n```'), [{ t: 'ul', c: [{ t: 'li', c: [text('a')] }] }, { t: 'pre', v: 'x', lang: null }]);
});

test('markdown: plain text previews drop markup and hide spoilers', () => {
  assert.equal(plainText(parseMarkdown('> quoted\n# Title\n- a\n- b\nend __u__')), 'quoted Title a b end u');
  assert.equal(plainText(parseMarkdown('**hi** `x`\n||secret|| https://a.org')), 'hi x ▮▮▮ https://a.org');
});

// --- timeline -------------------------------------------------------------------------------

function msg(n: number, over: Partial<Message> = {}): Message {
  return {
    id: `0190000${String(n).padStart(5, '0')}`,
    guildId: 'g',
    channelId: 'c',
    seq: n,
    author: { id: 'u1', username: 'ann', displayName: 'Ann' },
    content: `m${n}`,
    nonce: null,
    replyTo: null,
    createdAt: new Date(Date.UTC(2025, 0, 10, 12, 0, n)).toISOString(),
    editedAt: null,
    ...over,
  };
}

test('merge keeps id order and drops duplicates by id; an edit replaces, a stale copy does not', () => {
  const list = [msg(1), msg(3)];
  const merged = mergeMessages(list, [msg(2), msg(3), msg(1)]);
  assert.deepEqual(merged.map((m) => m.seq), [1, 2, 3]);
  const edited = mergeMessages(merged, [msg(2, { content: 'new', editedAt: '2025-01-10T13:00:00.000Z' })]);
  assert.equal(edited[1]!.content, 'new');
  const stale = mergeMessages(edited, [msg(2)]);
  assert.equal(stale[1]!.content, 'new', 'a page fetched before the edit does not undo it');
  assert.deepEqual(removeMessage(stale, msg(2).id).map((m) => m.seq), [1, 3]);
});

test('gap detection: the next seq, one already seen, and a jump', () => {
  assert.equal(checkSeq(null, 7), 'next');
  assert.equal(checkSeq(7, 8), 'next');
  assert.equal(checkSeq(7, 7), 'seen');
  assert.equal(checkSeq(7, 3), 'seen');
  assert.equal(checkSeq(7, 9), 'gap');
  assert.equal(maxSeq([msg(4), msg(9), msg(2)]), 9);
  assert.equal(maxSeq([], 5), 5);
});

test('the window drops the far end of what it holds', () => {
  const list = Array.from({ length: 250 }, (_, i) => msg(i + 1));
  const older = trimWindow(list, 'older');
  assert.equal(older.list.length, 200);
  assert.equal(older.list[0]!.seq, 1);
  assert.ok(older.dropped);
  const newer = trimWindow(list, 'newer');
  assert.equal(newer.list[0]!.seq, 51);
  assert.equal(trimWindow(list.slice(0, 10), 'newer').dropped, false);
});

test('grouping: same author within 7 minutes joins; another author, a pause, a reply or a new day starts a group', () => {
  const t0 = Date.parse('2025-01-10T12:00:00Z');
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const bob = { id: 'u2', username: 'bob', displayName: 'Bob' };
  const rows = groupRows([
    msg(1, { createdAt: at(0) }),
    msg(2, { createdAt: at(60_000) }),
    msg(3, { createdAt: at(60_000 + GROUP_MS + 1) }),
    msg(4, { createdAt: at(60_000 + GROUP_MS + 2), author: bob }),
    msg(5, { createdAt: at(60_000 + GROUP_MS + 3), author: bob, replyTo: msg(1).id }),
    msg(6, { createdAt: at(60_000 + GROUP_MS + 4), author: bob }),
    msg(7, { createdAt: at(36 * 3600_000), author: bob }),
  ]);
  assert.deepEqual(rows.map((r) => r.head), [true, false, true, true, true, false, true]);
  assert.deepEqual(rows.map((r) => r.day !== null), [true, false, false, false, false, false, true]);
});

test('grouping: messages as the REST API sends them (no replyTo when null) group like live ones', () => {
  const t0 = Date.parse('2025-01-10T12:00:00Z');
  const fromHistory = [1, 2, 3].map((n) => {
    const { replyTo: _gone, ...rest } = msg(n, { createdAt: new Date(t0 + n * 1000).toISOString() });
    return rest as typeof rest & { replyTo: string | null };
  });
  assert.deepEqual(groupRows(fromHistory).map((r) => r.head), [true, false, false]);
});

test('day labels say Today and Yesterday', () => {
  const now = new Date(2025, 0, 10, 15, 0);
  assert.equal(dayLabel('2025-01-10', now), 'Today');
  assert.equal(dayLabel('2025-01-09', now), 'Yesterday');
  assert.match(dayLabel('2024-12-25', now, 'en-GB'), /25 December 2024/);
});

// --- outbox ---------------------------------------------------------------------------------

const entry = (nonce: string, channelId = 'c'): Omit<OutboxEntry, 'status' | 'error'> => ({
  nonce, channelId, content: 'hi', replyTo: null, createdAt: '2025-01-10T12:00:00Z',
});

test('outbox: pending → acknowledged leaves nothing', () => {
  let box = enqueue([], entry('n1'));
  assert.equal(box[0]!.status, 'pending');
  assert.equal(enqueue(box, entry('n1')).length, 1, 'one entry per nonce');
  box = settle(box, 'n1');
  assert.deepEqual(box, []);
});

test('outbox: failed → retry (same nonce) → pending → acknowledged; discard drops a failed one', () => {
  let box = enqueue(enqueue([], entry('n1')), entry('n2', 'other'));
  box = fail(box, 'n1', 'Slow down.');
  assert.deepEqual(box.map((e) => [e.nonce, e.status, e.error]), [['n1', 'failed', 'Slow down.'], ['n2', 'pending', null]]);
  box = retry(box, 'n1');
  assert.equal(box[0]!.status, 'pending');
  assert.equal(box[0]!.nonce, 'n1');
  assert.equal(retry(box, 'n2')[1]!.status, 'pending', 'retry only acts on failed entries');
  assert.deepEqual(forChannel(box, 'other').map((e) => e.nonce), ['n2']);
  box = settle(fail(box, 'n1', 'x'), 'n1');
  assert.deepEqual(box.map((e) => e.nonce), ['n2']);
});

test("outbox: a message event carrying our nonce settles the entry before the ack", () => {
  const box = enqueue(enqueue([], entry('n1')), entry('n2'));
  const mine = msg(1, { nonce: 'n1' });
  const theirs = msg(2, { nonce: 'n2', author: { id: 'u2', username: 'bob', displayName: 'Bob' } });
  assert.deepEqual(settleSeen(box, [mine, theirs], 'u1').map((e) => e.nonce), ['n2']);
});

test('nonces are UUIDs, also without crypto.randomUUID (plain http)', () => {
  const fallback = newNonce({ getRandomValues: <T extends ArrayBufferView | null>(a: T) => a });
  assert.match(fallback, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(newNonce(), newNonce());
});

test('hub errors: the code is read from the HubException message', () => {
  assert.deepEqual(parseHubError(new Error("An unexpected error occurred invoking 'SendMessage' on the server. HubException: rate_limited: Too many requests.")), {
    code: 'rate_limited', message: 'Too many requests.',
  });
  assert.deepEqual(parseHubError(new Error('missing_permission: You need SEND_MESSAGES.')), { code: 'missing_permission', message: 'You need SEND_MESSAGES.' });
  assert.equal(parseHubError(new Error('Invocation canceled due to the underlying connection being closed.')).code, 'connection_lost');
  assert.equal(parseHubError('weird').code, 'unknown');
});

test('a message of emoji alone (Unicode or a guild\'s own, up to 27) shows large; anything else does not', () => {
  const jumbo = (text: string) => isJumbo(parseMarkdown(text));
  assert.equal(jumbo('🎉'), true);
  assert.equal(jumbo(' 👍🏽 🇫🇷  ❤️\n👨‍👩‍👧 '), true);
  assert.equal(jumbo('<:party_parrot:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b> 🎉'), true);
  assert.equal(jumbo('🎉'.repeat(JUMBO_MAX)), true);
  assert.equal(jumbo('🎉'.repeat(JUMBO_MAX + 1)), false);
  assert.equal(jumbo('bravo 🎉'), false);
  assert.equal(jumbo('**🎉**'), false, 'markup is not emoji alone');
  assert.equal(jumbo('1'), false);
  assert.equal(jumbo('   '), false);
});
