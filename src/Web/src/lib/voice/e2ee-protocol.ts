/** Messages between the page and the frame-encryption worker (e2ee-worker.ts). */
import type { MediaKind } from './sframe.ts';

export interface TransformOptions {
  operation: 'encrypt' | 'decrypt';
  kind: MediaKind;
  /** A receiving transform's transceiver mid: the worker reports whose frames arrive on it. */
  mid?: string;
}

export type WorkerRequest =
  | { type: 'streams'; readable: ReadableStream; writable: WritableStream; options: TransformOptions }
  | { type: 'send-key'; kid: number; key: Uint8Array }
  | { type: 'receive-key'; participantId: string; kid: number; key: Uint8Array }
  | { type: 'forget'; participantId: string }
  | { type: 'stats'; id: number };

export interface WorkerStats {
  encrypted: number;
  decrypted: number;
  /** Received frames dropped: no key for their key id, malformed, or failed authentication. */
  dropped: number;
  /** Frames not sent because no sending key was set yet. */
  noKey: number;
  sendKid: number | null;
  byParticipant: Record<string, { decrypted: number; dropped: number }>;
  /** Receiver mid → the participant whose key last decrypted a frame on it (authenticated). */
  receivers: Record<string, string>;
  /** Transforms attached (one per protected sender or receiver). */
  transforms: number;
  /** Frames dropped because processing threw (lastError says why). */
  errors: number;
  lastError: string | null;
}
