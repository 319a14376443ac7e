// What a DM envelope carries once decrypted, and how a device applies control messages:
// reactions, edits and deletes (author-checked), read receipts, file descriptors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyControl,
  encodeControl,
  encodeMessage,
  laterId,
  parseContent,
  seenMessageId,
  unreadCount,
  type DmFile,
  type DmMessage,
} from '../../src/dm/content.ts';

const conv = '0193a1b2-0000-7000-8000-000000000001';
const alice = '0193a1b2-0000-7000-8000-0000000000a1';
const bob = '0193a1b2-0000-7000-8000-0000000000b2';
const id = (n: number) => `0193a1b2-0000-7000-8000-${n.toString().padStart(12, '0')}`;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const msg = (n: number, authorId: string, text = `m${n}`): DmMessage => ({ id: id(n), conversationId: conv, authorId, text, sentAt: at(n), status: 'sent' });
const file: DmFile = { id: id(99), key: 'a'.repeat(43) + '=', iv: 'b'.repeat(16), digest: 'c'.repeat(43) + '=', name: 'cat.png', type: 'image/png', size: 1234, width: 64, height: 48 };

test('a message with files round-trips; a message bound to another conversation or malformed is refused', () => {
  const parsed = parseContent(encodeMessage(conv, at(1), 'look', [file]), conv);
  assert.deepEqual(parsed, { kind: 'message', sentAt: at(1), text: 'look', files: [file] });
  assert.equal(parseContent(encodeMessage(conv, at(1), 'look', [file]), id(2)), null, 'moved to another conversation');
  assert.equal(parseContent(new TextEncoder().encode('not json'), conv), null);
  assert.equal(parseContent(encodeMessage(conv, at(1), '', []), conv), null, 'empty');
  const badFile = { ...file, key: 'not base64!' };
  assert.equal(parseContent(encodeMessage(conv, at(1), 'x', [badFile]), conv), null);
  assert.equal(parseContent(encodeMessage(conv, at(1), 'x'.repeat(4001), []), conv), null, 'too long');
  // A version-1 message without files (what earlier clients send) still reads.
  const old = new TextEncoder().encode(JSON.stringify({ v: 1, conversationId: conv, text: 'hi', sentAt: at(1) }));
  assert.deepEqual(parseContent(old, conv), { kind: 'message', sentAt: at(1), text: 'hi', files: [] });
});

test('control messages parse strictly', () => {
  const edit = parseContent(encodeControl(conv, at(5), { kind: 'edit', target: id(1), text: 'fixed' }), conv);
  assert.deepEqual(edit, { kind: 'control', sentAt: at(5), control: { kind: 'edit', target: id(1), text: 'fixed' } });
  assert.equal(parseContent(encodeControl(conv, at(5), { kind: 'reaction', target: id(1), emoji: 'x'.repeat(33), on: true }), conv), null);
  assert.equal(parseContent(new TextEncoder().encode(JSON.stringify({ v: 1, conversationId: conv, sentAt: at(1), control: { kind: 'explode', target: id(1) } })), conv), null);
  assert.equal(parseContent(encodeControl(conv, at(5), { kind: 'delete', target: "'; drop" }), conv), null);
});

test('only the author edits or deletes a message; a forged edit or delete is ignored', () => {
  const list = [msg(1, alice, 'original'), msg(2, bob)];
  assert.equal(applyControl(list, bob, { kind: 'edit', target: id(1), text: 'forged' }, at(10)), null);
  assert.equal(applyControl(list, bob, { kind: 'delete', target: id(1) }, at(10)), null);

  const edited = applyControl(list, alice, { kind: 'edit', target: id(1), text: 'better' }, at(10))!;
  assert.equal(edited[0]!.text, 'better');
  assert.equal(edited[0]!.editedAt, at(10));
  assert.equal(list[0]!.text, 'original', 'the input is not changed');
  // An older edit arriving late does not undo a newer one.
  assert.equal(applyControl(edited, alice, { kind: 'edit', target: id(1), text: 'stale' }, at(9)), null);

  const deleted = applyControl(edited, alice, { kind: 'delete', target: id(1) }, at(11))!;
  assert.equal(deleted[0]!.deleted, true);
  assert.equal(deleted[0]!.text, '');
  assert.equal(deleted[0]!.files, undefined);
  // Nothing applies to a deleted message, not even its author's edit.
  assert.equal(applyControl(deleted, alice, { kind: 'edit', target: id(1), text: 'back' }, at(12)), null);
  assert.equal(applyControl(deleted, bob, { kind: 'reaction', target: id(1), emoji: '👍', on: true }, at(12)), null);
  // Unknown targets are ignored.
  assert.equal(applyControl(list, alice, { kind: 'edit', target: id(7), text: 'x' }, at(12)), null);
});

test('reactions are per user: on adds the sender once, off removes only the sender', () => {
  let list: DmMessage[] = [msg(1, alice)];
  list = applyControl(list, bob, { kind: 'reaction', target: id(1), emoji: '👍', on: true }, at(2))!;
  list = applyControl(list, bob, { kind: 'reaction', target: id(1), emoji: '👍', on: true }, at(3))!;
  list = applyControl(list, alice, { kind: 'reaction', target: id(1), emoji: '👍', on: true }, at(4))!;
  assert.deepEqual(list[0]!.reactions, { '👍': [bob, alice] });
  list = applyControl(list, bob, { kind: 'reaction', target: id(1), emoji: '👍', on: false }, at(5))!;
  list = applyControl(list, alice, { kind: 'reaction', target: id(1), emoji: '🎉', on: false }, at(6))!;
  assert.deepEqual(list[0]!.reactions, { '👍': [alice] });
  list = applyControl(list, alice, { kind: 'reaction', target: id(1), emoji: '👍', on: false }, at(7))!;
  assert.deepEqual(list[0]!.reactions, {});
  // At most 20 distinct emoji per message.
  for (let i = 0; i < 20; i++) {
    list = applyControl(list, bob, { kind: 'reaction', target: id(1), emoji: `e${i}`, on: true }, at(8))!;
  }
  assert.equal(applyControl(list, bob, { kind: 'reaction', target: id(1), emoji: 'one-more', on: true }, at(9)), null);
});

test('"Seen" goes under my newest message up to what the other side read', () => {
  const list = [msg(1, alice), msg(2, bob), msg(3, alice), msg(4, alice), { ...msg(5, alice), status: 'sending' as const, id: 'pending-x' }];
  assert.equal(seenMessageId(list, alice, undefined), null);
  assert.equal(seenMessageId(list, alice, id(2)), id(1));
  assert.equal(seenMessageId(list, alice, id(3)), id(3));
  assert.equal(seenMessageId(list, alice, id(9)), id(4));
  assert.equal(seenMessageId(list, bob, id(1)), null);
  assert.equal(laterId(id(3), id(2)), id(3));
  assert.equal(laterId(undefined, id(2)), id(2));
  assert.equal(laterId(id(2), id(5)), id(5));
});

test('unread: the others\' messages after the newest one seen, not mine, deleted or pending ones', () => {
  const list = [msg(1, alice), msg(2, bob), msg(3, bob), { ...msg(4, bob), deleted: true }, msg(5, alice), msg(6, bob), { ...msg(7, bob), status: 'failed' as const }];
  assert.equal(unreadCount(list, alice, undefined), 3, 'nothing seen: every message of Bob that is shown');
  assert.equal(unreadCount(list, alice, id(2)), 2);
  assert.equal(unreadCount(list, alice, id(5)), 1);
  assert.equal(unreadCount(list, alice, id(6)), 0);
  assert.equal(unreadCount(list, alice, id(6).toUpperCase()), 0, 'ids compare without case');
  assert.equal(unreadCount(list, bob, id(1)), 1);
  assert.equal(unreadCount([], alice, undefined), 0);
});
