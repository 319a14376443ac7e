/**
 * Screen-share annotations: freehand strokes and arrows drawn over a shared screen by the sharer
 * and the viewers, end-to-end encrypted (docs/e2ee.md "Screen-share annotations").
 *
 * - Coordinates are fractions of the shared video's intrinsic frame (0–1, sent as integers
 *   0–10000), so a stroke lands on the same pixel of the shared screen whatever the size of each
 *   viewer's window; `contentBox` finds the frame inside a letterboxed `object-fit: contain` video.
 * - Each message is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the sender's
 *   current media key — the per-sender key that already reaches the other participants over the
 *   Signal sessions — so the hub relays bytes it cannot read.
 * - Clear: the sharer's clear removes every stroke on their screen; a viewer's removes their own.
 *   Receivers apply that rule themselves, so nobody can erase another viewer's strokes.
 *
 * Pure apart from WebCrypto: runs in the page and in node (unit tests).
 */

import type { KeySink } from './keys.ts';

export type Tool = 'pen' | 'arrow';

/** Plaintext of one annotation message. */
export type AnnotationOp =
  | {
      op: 'stroke';
      /** Per-sender stroke id. */
      id: number;
      tool: Tool;
      color: string;
      /** Points as [x0, y0, x1, y1, …] in 0–10000: appended for a pen, the whole [start, end] for an arrow. */
      pts: number[];
      /** Whether the stroke is finished. */
      end: boolean;
    }
  | { op: 'clear' };

export interface Stroke {
  userId: string;
  id: number;
  tool: Tool;
  color: string;
  /** Normalised points (0–1), pairs [x, y]. */
  points: Array<[number, number]>;
  done: boolean;
}

export const SCALE = 10000;
export const COLORS = ['#ff3b30', '#ffcc00', '#34c759', '#0a84ff', '#ffffff'] as const;
/** Largest message the hub accepts is 4096 base64 characters; keep well under it. */
export const MAX_POINTS_PER_MESSAGE = 200;
/** Longest stroke kept (points); longer ones are cut. */
export const MAX_POINTS_PER_STROKE = 5000;
const MAX_STROKES = 500;

// ---------------------------------------------------------------------------- geometry

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a `videoWidth`×`videoHeight` frame is drawn inside a `boxWidth`×`boxHeight` element with
 * `object-fit: contain` (centred, aspect kept, bars on two sides).
 */
export function contentBox(boxWidth: number, boxHeight: number, videoWidth: number, videoHeight: number): Box {
  if (videoWidth <= 0 || videoHeight <= 0 || boxWidth <= 0 || boxHeight <= 0) {
    return { x: 0, y: 0, width: boxWidth, height: boxHeight };
  }
  // The side that limits the scale fills the box exactly.
  const wide = boxWidth * videoHeight > boxHeight * videoWidth;
  const width = wide ? (boxHeight * videoWidth) / videoHeight : boxWidth;
  const height = wide ? boxHeight : (boxWidth * videoHeight) / videoWidth;
  return { x: (boxWidth - width) / 2, y: (boxHeight - height) / 2, width, height };
}

/** Element coordinates → fractions of the frame; null outside the frame (on the bars). */
export function toFrame(box: Box, px: number, py: number): [number, number] | null {
  const x = (px - box.x) / box.width;
  const y = (py - box.y) / box.height;
  return x >= 0 && x <= 1 && y >= 0 && y <= 1 ? [x, y] : null;
}

export function fromFrame(box: Box, [x, y]: [number, number]): [number, number] {
  return [box.x + x * box.width, box.y + y * box.height];
}

// ---------------------------------------------------------------------------- message codec

const clampInt = (v: number) => Math.min(SCALE, Math.max(0, Math.round(v * SCALE)));

export function quantize(points: Array<[number, number]>): number[] {
  return points.flatMap(([x, y]) => [clampInt(x), clampInt(y)]);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Parses a decrypted plaintext; null for anything malformed (dropped, never half-applied). */
export function parseOp(text: string): AnnotationOp | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) {
    return null;
  }
  const o = v as Record<string, unknown>;
  if (o.op === 'clear') {
    return { op: 'clear' };
  }
  if (
    o.op !== 'stroke' ||
    !isInt(o.id) ||
    o.id < 0 ||
    (o.tool !== 'pen' && o.tool !== 'arrow') ||
    typeof o.color !== 'string' ||
    !(COLORS as readonly string[]).includes(o.color) ||
    typeof o.end !== 'boolean' ||
    !Array.isArray(o.pts) ||
    o.pts.length % 2 !== 0 ||
    o.pts.length > 2 * MAX_POINTS_PER_MESSAGE ||
    !o.pts.every((p) => isInt(p) && p >= 0 && p <= SCALE) ||
    (o.tool === 'arrow' && o.pts.length !== 4 && o.pts.length !== 0)
  ) {
    return null;
  }
  return { op: 'stroke', id: o.id, tool: o.tool, color: o.color, pts: o.pts as number[], end: o.end };
}

// ---------------------------------------------------------------------------- stroke model

/** The strokes on one shared screen. */
export class AnnotationBoard {
  private readonly strokes = new Map<string, Stroke>();
  /** Bumped on every change (renderers compare it). */
  version = 0;

  constructor(readonly screenUserId: string) {}

  list(): Stroke[] {
    return [...this.strokes.values()];
  }

  /** Applies an op sent by `userId` (already authenticated by decryption). */
  apply(userId: string, op: AnnotationOp): void {
    if (op.op === 'clear') {
      for (const [k, s] of this.strokes) {
        // The sharer clears everything on their screen; anyone else only their own strokes.
        if (userId === this.screenUserId || s.userId === userId) {
          this.strokes.delete(k);
        }
      }
      this.version++;
      return;
    }
    const key = `${userId}/${op.id}`;
    let s = this.strokes.get(key);
    if (!s) {
      if (this.strokes.size >= MAX_STROKES) {
        // Oldest first (Map keeps insertion order).
        this.strokes.delete(this.strokes.keys().next().value!);
      }
      s = { userId, id: op.id, tool: op.tool, color: op.color, points: [], done: false };
      this.strokes.set(key, s);
    }
    const pts: Array<[number, number]> = [];
    for (let i = 0; i + 1 < op.pts.length; i += 2) {
      pts.push([op.pts[i]! / SCALE, op.pts[i + 1]! / SCALE]);
    }
    if (s.tool === 'arrow') {
      if (pts.length === 2) {
        s.points = pts;
      }
    } else if (s.points.length < MAX_POINTS_PER_STROKE) {
      s.points.push(...pts.slice(0, MAX_POINTS_PER_STROKE - s.points.length));
    }
    s.done = s.done || op.end;
    this.version++;
  }

  /** A participant left: their strokes go with them. */
  removeUser(userId: string): void {
    for (const [k, s] of this.strokes) {
      if (s.userId === userId) {
        this.strokes.delete(k);
      }
    }
    this.version++;
  }
}

// ---------------------------------------------------------------------------- encryption

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const VERSION = 1;
const NONCE = 12;
/** version ‖ key id (8 bytes, big-endian) ‖ nonce ‖ ciphertext + 16-byte tag. */
const HEADER = 1 + 8 + NONCE;

function kidBytes(kid: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(kid));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The annotation key for media key `kid`: HKDF-SHA256 of the 32-byte media base key with its own
 * label, so it is independent of the frame keys derived from the same base key.
 */
export async function deriveAnnotationKey(subtle: SubtleCrypto, baseKey: Uint8Array, kid: number): Promise<CryptoKey> {
  const ikm = await subtle.importKey('raw', baseKey as BufferSource, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: concat(encoder.encode('LesCopains annotation 1.0 key'), kidBytes(kid)) as BufferSource },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** What the ciphertext is bound to: a message cannot be replayed into another room or onto another screen. */
function aad(channelId: string, screenUserId: string, header: Uint8Array): Uint8Array {
  return concat(encoder.encode(`LesCopains annotation|${channelId}|${screenUserId}|`), header);
}

export interface SealedPlaintext {
  /** Per-sender counter (replays and reordering are dropped). */
  seq: number;
  op: AnnotationOp;
}

export async function seal(
  subtle: SubtleCrypto,
  key: CryptoKey,
  kid: number,
  channelId: string,
  screenUserId: string,
  body: SealedPlaintext,
  random: (b: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): Promise<Uint8Array> {
  const header = concat(new Uint8Array([VERSION]), kidBytes(kid), random(new Uint8Array(NONCE)));
  const ct = await subtle.encrypt(
    { name: 'AES-GCM', iv: header.subarray(9) as BufferSource, additionalData: aad(channelId, screenUserId, header) as BufferSource },
    key,
    encoder.encode(JSON.stringify({ seq: body.seq, ...body.op })) as BufferSource,
  );
  return concat(header, new Uint8Array(ct));
}

export function peekKid(sealed: Uint8Array): number | null {
  if (sealed.length < HEADER + 16 || sealed[0] !== VERSION) {
    return null;
  }
  const v = new DataView(sealed.buffer, sealed.byteOffset + 1, 8).getBigUint64(0);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : null;
}

/** Decrypts and parses; null when the key is wrong, the bytes were changed or the content is malformed. */
export async function open(subtle: SubtleCrypto, key: CryptoKey, channelId: string, screenUserId: string, sealed: Uint8Array): Promise<SealedPlaintext | null> {
  if (peekKid(sealed) === null) {
    return null;
  }
  const header = sealed.subarray(0, HEADER);
  let plain: ArrayBuffer;
  try {
    plain = await subtle.decrypt(
      { name: 'AES-GCM', iv: header.subarray(9) as BufferSource, additionalData: aad(channelId, screenUserId, header) as BufferSource },
      key,
      sealed.subarray(HEADER) as BufferSource,
    );
  } catch {
    return null;
  }
  const text = decoder.decode(plain);
  const op = parseOp(text);
  const seq = (JSON.parse(text) as { seq?: unknown }).seq;
  return op && isInt(seq) && seq >= 0 ? { seq, op } : null;
}

// ---------------------------------------------------------------------------- keys

/**
 * The annotation keys of one session, fed by the media key ring next to the frame worker: our
 * current sending key, and the keys each other participant sent us (the last few per sender).
 */
export class AnnotationKeys implements KeySink {
  private send: { kid: number; key: Promise<CryptoKey> } | null = null;
  private readonly receive = new Map<number, { userId: string; key: Promise<CryptoKey> }>();

  constructor(private readonly subtle: SubtleCrypto = crypto.subtle) {}

  setSendKey(kid: number, key: Uint8Array): void {
    this.send = { kid, key: deriveAnnotationKey(this.subtle, key, kid) };
  }

  setReceiveKey(participantId: string, kid: number, key: Uint8Array): void {
    this.receive.set(kid, { userId: participantId, key: deriveAnnotationKey(this.subtle, key, kid) });
    const own = [...this.receive].filter(([, v]) => v.userId === participantId);
    for (const [k] of own.slice(0, Math.max(0, own.length - 4))) {
      this.receive.delete(k);
    }
  }

  forget(participantId: string): void {
    for (const [k, v] of this.receive) {
      if (v.userId === participantId) {
        this.receive.delete(k);
      }
    }
  }

  sending(): { kid: number; key: Promise<CryptoKey> } | null {
    return this.send;
  }

  /** The key with id `kid` if it belongs to `userId` (a key of someone else is refused). */
  receiving(userId: string, kid: number): Promise<CryptoKey> | null {
    const k = this.receive.get(kid);
    return k && k.userId === userId ? k.key : null;
  }
}

/** Forwards key changes to several sinks (the frame worker and the annotation keys). */
export function teeSink(...sinks: KeySink[]): KeySink {
  return {
    setSendKey: (kid, key) => sinks.forEach((s) => s.setSendKey(kid, key)),
    setReceiveKey: (p, kid, key) => sinks.forEach((s) => s.setReceiveKey(p, kid, key)),
    forget: (p) => sinks.forEach((s) => s.forget(p)),
  };
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) {
    s += String.fromCharCode(x);
  }
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
