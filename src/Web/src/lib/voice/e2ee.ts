/**
 * Page side of frame encryption: picks the browser's mechanism, wires senders and receivers to
 * the worker, hands it keys and reads its counters.
 */
import type { TransformOptions, WorkerRequest, WorkerStats } from './e2ee-protocol.ts';
import type { MediaKind } from './sframe.ts';

export type FrameTransformSupport = 'script-transform' | 'encoded-streams';

interface LegacySender {
  createEncodedStreams(): { readable: ReadableStream; writable: WritableStream };
}

/**
 * `RTCRtpScriptTransform` (WebRTC Encoded Transform) where it exists, else Chromium's older
 * `createEncodedStreams`; null where neither exists — then media cannot be end-to-end encrypted
 * and the caller must refuse to join.
 */
export function frameTransformSupport(g: typeof globalThis = globalThis): FrameTransformSupport | null {
  if ('RTCRtpScriptTransform' in g) {
    return 'script-transform';
  }
  const sender = (g as { RTCRtpSender?: { prototype: object } }).RTCRtpSender;
  if (sender && 'createEncodedStreams' in sender.prototype) {
    return 'encoded-streams';
  }
  return null;
}

export class FrameCrypto {
  readonly mode: FrameTransformSupport;
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, (s: WorkerStats) => void>();

  constructor(mode: FrameTransformSupport) {
    this.mode = mode;
    this.worker = new Worker(new URL('./e2ee-worker.ts', import.meta.url), { type: 'module', name: 'lescopains-e2ee' });
    this.worker.onmessage = (e: MessageEvent<{ type: 'stats'; id: number; stats: WorkerStats }>) => {
      this.pending.get(e.data.id)?.(e.data.stats);
      this.pending.delete(e.data.id);
    };
  }

  /** Extra RTCPeerConnection settings the mechanism needs. */
  get peerConnectionConfig(): RTCConfiguration {
    return this.mode === 'encoded-streams' ? ({ encodedInsertableStreams: true } as RTCConfiguration) : {};
  }

  protectSender(sender: RTCRtpSender, kind: MediaKind): void {
    this.attach(sender, { operation: 'encrypt', kind });
  }

  /** Frames are matched to their sender's key by key id, so a receiver needs no sender mapping. */
  protectReceiver(receiver: RTCRtpReceiver, kind: MediaKind, mid?: string): void {
    this.attach(receiver, mid === undefined ? { operation: 'decrypt', kind } : { operation: 'decrypt', kind, mid });
  }

  private attach(target: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    if (this.mode === 'script-transform') {
      const Transform = (globalThis as unknown as { RTCRtpScriptTransform: new (w: Worker, o: unknown) => unknown }).RTCRtpScriptTransform;
      (target as unknown as { transform: unknown }).transform = new Transform(this.worker, options);
    } else {
      const { readable, writable } = (target as unknown as LegacySender).createEncodedStreams();
      this.post({ type: 'streams', readable, writable, options }, [readable as unknown as Transferable, writable as unknown as Transferable]);
    }
  }

  setSendKey(kid: number, key: Uint8Array): void {
    this.post({ type: 'send-key', kid, key });
  }

  setReceiveKey(participantId: string, kid: number, key: Uint8Array): void {
    this.post({ type: 'receive-key', participantId, kid, key });
  }

  forget(participantId: string): void {
    this.post({ type: 'forget', participantId });
  }

  stats(): Promise<WorkerStats> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post({ type: 'stats', id });
    });
  }

  close(): void {
    this.worker.terminate();
  }

  private post(msg: WorkerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }
}
