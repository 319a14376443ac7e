/**
 * The frame-encryption worker of a voice session. Every sender and receiver of the session's
 * peer connections runs its encoded frames through here (RTCRtpScriptTransform, or streams from
 * createEncodedStreams handed over by postMessage). One worker per session, so every sending
 * transform shares one counter and a (key, counter) pair — hence a nonce — is never reused.
 *
 * Frames without a key, with an unknown key id or failing authentication are dropped, never
 * passed on: a receiver hears silence / sees a frozen picture, not noise or garbage.
 */
import { decryptFrame, deriveFrameKey, encryptFrame, peekHeader, type FrameKey, type MediaKind } from './sframe.ts';
import type { TransformOptions, WorkerRequest, WorkerStats } from './e2ee-protocol.ts';

// Typed by hand: the webworker lib would clash with the DOM lib the rest of the app compiles with.
interface WorkerScope {
  onrtctransform: ((e: Event) => void) | null;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = self as unknown as WorkerScope;
const subtle = crypto.subtle;
/** Keys kept per sender so frames in flight across a rotation still decrypt. */
const KEYS_KEPT = 3;

let sendKey: FrameKey | null = null;
let counter = 0n;
const receiveKeys = new Map<string, FrameKey[]>();
const stats: WorkerStats = { encrypted: 0, decrypted: 0, dropped: 0, noKey: 0, sendKid: null, byParticipant: {}, receivers: {}, transforms: 0, errors: 0, lastError: null };

function participantStats(id: string) {
  return (stats.byParticipant[id] ??= { decrypted: 0, dropped: 0 });
}

interface EncodedFrame {
  data: ArrayBuffer;
}

async function encrypt(kind: MediaKind, frame: EncodedFrame, out: TransformStreamDefaultController<EncodedFrame>) {
  const k = sendKey;
  if (!k) {
    stats.noKey++;
    return; // Never send a frame in clear.
  }
  const ctr = counter++;
  frame.data = (await encryptFrame(subtle, kind, k, ctr, new Uint8Array(frame.data))).buffer as ArrayBuffer;
  stats.encrypted++;
  out.enqueue(frame);
}

/** Finds the key for a key id among every sender's keys (key ids carry a random per-sender tag). */
function findKey(kid: bigint): { participantId: string; key: FrameKey } | null {
  for (const [participantId, keys] of receiveKeys) {
    const key = keys.find((x) => x.kid === kid);
    if (key) {
      return { participantId, key };
    }
  }
  return null;
}

async function decrypt(kind: MediaKind, mid: string | undefined, frame: EncodedFrame, out: TransformStreamDefaultController<EncodedFrame>) {
  const wire = new Uint8Array(frame.data);
  const h = peekHeader(kind, wire);
  const found = h ? findKey(h.kid) : null;
  const plain = found ? await decryptFrame(subtle, kind, found.key, wire) : null;
  if (!plain) {
    stats.dropped++;
    if (found) {
      participantStats(found.participantId).dropped++;
    }
    return;
  }
  frame.data = plain.buffer as ArrayBuffer;
  stats.decrypted++;
  participantStats(found!.participantId).decrypted++;
  if (mid !== undefined) {
    stats.receivers[mid] = found!.participantId;
  }
  out.enqueue(frame);
}

function pipe(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, options: TransformOptions) {
  stats.transforms++;
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    transform: async (frame, out) => {
      try {
        await (options.operation === 'encrypt' ? encrypt(options.kind, frame, out) : decrypt(options.kind, options.mid, frame, out));
      } catch (e) {
        // A frame that cannot be processed is dropped; the stream goes on.
        stats.errors++;
        stats.lastError = String(e);
      }
    },
  });
  readable
    .pipeThrough(transform)
    .pipeTo(writable)
    .catch(() => {
      // The peer connection closed the streams: nothing left to do.
    });
}

scope.onrtctransform = (event: Event) => {
  const t = (event as unknown as { transformer: { readable: ReadableStream; writable: WritableStream; options: TransformOptions } }).transformer;
  pipe(t.readable, t.writable, t.options);
};

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'streams':
      pipe(msg.readable, msg.writable, msg.options);
      break;
    case 'send-key': {
      const k = await deriveFrameKey(subtle, msg.key, BigInt(msg.kid));
      // A new key id restarts the counter: the nonce depends on the key's own salt.
      sendKey = k;
      counter = 0n;
      stats.sendKid = msg.kid;
      break;
    }
    case 'receive-key': {
      const k = await deriveFrameKey(subtle, msg.key, BigInt(msg.kid));
      const list = (receiveKeys.get(msg.participantId) ?? []).filter((x) => x.kid !== k.kid);
      list.unshift(k);
      receiveKeys.set(msg.participantId, list.slice(0, KEYS_KEPT));
      break;
    }
    case 'forget':
      receiveKeys.delete(msg.participantId);
      break;
    case 'stats':
      scope.postMessage({ type: 'stats', id: msg.id, stats: structuredClone(stats) });
      break;
  }
};
