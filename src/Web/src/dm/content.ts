// What travels inside a direct message's Signal envelope, and how a device applies it. The server
// only ever sees the envelope; everything here is decided by the receiving client, which is why
// every field is checked and a control message from someone who may not send it is ignored.
//
// Wire format (JSON, UTF-8), version 1:
//   message  { v: 1, conversationId, sentAt, text, files?: DmFile[] }
//   control  { v: 1, conversationId, sentAt, control: Control }
// A client that does not know `control` ignores the envelope (it has no `text`).

/** An encrypted file: where the ciphertext is, and what is needed to check and open it. */
export interface DmFile {
  /** The server's id of the uploaded ciphertext (`/api/dm/attachments/{id}`). */
  id: string;
  /** AES-256-GCM key (32 bytes), nonce (12 bytes) and SHA-256 of the ciphertext, base64. */
  key: string;
  iv: string;
  digest: string;
  name: string;
  /** The sender's claimed media type; only a short list of raster images is ever shown inline. */
  type: string;
  /** Plaintext size in bytes. */
  size: number;
  width?: number;
  height?: number;
}

export type Control =
  | { kind: 'reaction'; target: string; emoji: string; on: boolean }
  | { kind: 'edit'; target: string; text: string }
  | { kind: 'delete'; target: string }
  | { kind: 'read'; upTo: string };

export type Content =
  | { kind: 'message'; sentAt: string; text: string; files: DmFile[] }
  | { kind: 'control'; sentAt: string; control: Control };

/** A decrypted message as this device keeps it. */
export interface DmMessage {
  id: string;
  conversationId: string;
  authorId: string;
  text: string;
  sentAt: string;
  status: 'sent' | 'sending' | 'failed';
  files?: DmFile[];
  /** Emoji → ids of the users who reacted with it. */
  reactions?: Record<string, string[]>;
  /** When the author last edited it (the edit's own time). */
  editedAt?: string;
  /** Deleted by its author: kept as a tombstone so a replay cannot bring it back, never shown. */
  deleted?: boolean;
}

export const MAX_TEXT = 4000;
export const MAX_FILES = 10;
export const MAX_EMOJI_LENGTH = 32;
/** Distinct emoji per message; more reactions are ignored (bounds what a sender can make us keep). */
export const MAX_REACTIONS = 20;
/** Image types shown inline (decoded by the browser as pictures, never as documents or SVG). */
export const INLINE_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isId = (v: unknown): v is string => isStr(v, 64) && /^[0-9a-f-]+$/i.test(v);
const isB64 = (v: unknown, max: number): v is string => isStr(v, max) && B64.test(v);
const isDim = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) > 0 && (v as number) <= 100_000);

function parseFile(raw: unknown): DmFile | null {
  if (typeof raw !== 'object' || raw === null) {
    return null;
  }
  const f = raw as Record<string, unknown>;
  if (!isId(f.id) || !isB64(f.key, 64) || !isB64(f.iv, 32) || !isB64(f.digest, 64) || !isStr(f.name, 255) || typeof f.type !== 'string' || f.type.length > 255) {
    return null;
  }
  if (!Number.isSafeInteger(f.size) || (f.size as number) < 0 || !isDim(f.width) || !isDim(f.height)) {
    return null;
  }
  return {
    id: f.id,
    key: f.key,
    iv: f.iv,
    digest: f.digest,
    name: f.name,
    type: f.type,
    size: f.size as number,
    ...(f.width !== undefined ? { width: f.width as number } : {}),
    ...(f.height !== undefined ? { height: f.height as number } : {}),
  };
}

function parseControl(raw: unknown): Control | null {
  if (typeof raw !== 'object' || raw === null) {
    return null;
  }
  const c = raw as Record<string, unknown>;
  switch (c.kind) {
    case 'reaction':
      return isId(c.target) && isStr(c.emoji, MAX_EMOJI_LENGTH) && typeof c.on === 'boolean' ? { kind: 'reaction', target: c.target, emoji: c.emoji, on: c.on } : null;
    case 'edit':
      return isId(c.target) && isStr(c.text, MAX_TEXT) ? { kind: 'edit', target: c.target, text: c.text } : null;
    case 'delete':
      return isId(c.target) ? { kind: 'delete', target: c.target } : null;
    case 'read':
      return isId(c.upTo) ? { kind: 'read', upTo: c.upTo } : null;
    default:
      return null;
  }
}

/**
 * Reads a decrypted plaintext. Null when it is not well formed, or is bound to another
 * conversation than the one the server filed it under (a server cannot move messages around).
 */
export function parseContent(plaintext: Uint8Array, conversationId: string): Content | null {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) {
    return null;
  }
  const o = raw as Record<string, unknown>;
  if (o.v !== 1 || o.conversationId !== conversationId || !isStr(o.sentAt, 40) || Number.isNaN(Date.parse(o.sentAt))) {
    return null;
  }
  if (o.control !== undefined) {
    const control = parseControl(o.control);
    return control ? { kind: 'control', sentAt: o.sentAt, control } : null;
  }
  if (typeof o.text !== 'string' || o.text.length > MAX_TEXT) {
    return null;
  }
  const rawFiles = o.files === undefined ? [] : o.files;
  if (!Array.isArray(rawFiles) || rawFiles.length > MAX_FILES) {
    return null;
  }
  const files = rawFiles.map(parseFile);
  if (files.some((f) => f === null) || (o.text.trim() === '' && files.length === 0)) {
    return null;
  }
  return { kind: 'message', sentAt: o.sentAt, text: o.text, files: files as DmFile[] };
}

export function encodeMessage(conversationId: string, sentAt: string, text: string, files: DmFile[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, conversationId, sentAt, text, ...(files.length > 0 ? { files } : {}) }));
}

export function encodeControl(conversationId: string, sentAt: string, control: Control): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, conversationId, sentAt, control }));
}

/**
 * Applies a reaction, edit or delete from `senderId` (the user the Signal session authenticated)
 * to `messages`. Returns the new list, or null when the control is ignored: unknown target, a
 * deleted target, or an edit/delete by someone other than the message's author.
 */
export function applyControl(messages: readonly DmMessage[], senderId: string, control: Control, at: string): DmMessage[] | null {
  if (control.kind === 'read') {
    return null;
  }
  const i = messages.findIndex((m) => m.id === control.target);
  const target = messages[i];
  if (!target || target.deleted || target.status !== 'sent') {
    return null;
  }
  let next: DmMessage;
  switch (control.kind) {
    case 'edit':
      if (senderId !== target.authorId || (target.editedAt !== undefined && target.editedAt >= at)) {
        return null;
      }
      next = { ...target, text: control.text, editedAt: at };
      break;
    case 'delete':
      if (senderId !== target.authorId) {
        return null;
      }
      next = { id: target.id, conversationId: target.conversationId, authorId: target.authorId, text: '', sentAt: target.sentAt, status: 'sent', deleted: true };
      break;
    case 'reaction': {
      const reactions = { ...(target.reactions ?? {}) };
      const users = new Set(reactions[control.emoji] ?? []);
      if (control.on) {
        if (!reactions[control.emoji] && Object.keys(reactions).length >= MAX_REACTIONS) {
          return null;
        }
        users.add(senderId);
      } else {
        users.delete(senderId);
      }
      if (users.size > 0) {
        reactions[control.emoji] = [...users];
      } else {
        delete reactions[control.emoji];
      }
      next = { ...target, reactions };
      break;
    }
  }
  const out = messages.slice();
  out[i] = next;
  return out;
}

/** The later of two server message ids (UUIDv7: their text order is their time order). */
export function laterId(a: string | undefined, b: string): string {
  return a !== undefined && a.toLowerCase() >= b.toLowerCase() ? a : b;
}

/**
 * Messages of others after `seenUpTo` (the newest message id this person has seen, on any of their
 * devices for a 1:1, on this one for a group), not deleted: the conversation's unread count.
 */
export function unreadCount(messages: readonly DmMessage[], me: string, seenUpTo: string | undefined): number {
  const seen = seenUpTo?.toLowerCase();
  let n = 0;
  for (const m of messages) {
    if (m.authorId !== me && m.status === 'sent' && !m.deleted && (seen === undefined || m.id.toLowerCase() > seen)) {
      n++;
    }
  }
  return n;
}

/**
 * Where "Seen" goes in a 1:1: the newest of my messages the other side has read up to
 * (`readUpTo`, a message id), or null.
 */
export function seenMessageId(messages: readonly DmMessage[], me: string, readUpTo: string | undefined): string | null {
  if (!readUpTo) {
    return null;
  }
  const upTo = readUpTo.toLowerCase();
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.authorId === me && m.status === 'sent' && !m.deleted && m.id.toLowerCase() <= upTo) {
      return m.id;
    }
  }
  return null;
}
