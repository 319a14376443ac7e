/**
 * One voice session: this tab in one voice channel. Two peer connections to the SFU — one that
 * publishes (microphone, and a screen share while sharing), one that receives everyone else's
 * streams — with every frame encrypted/decrypted in the FrameCrypto worker. Signalling rides the
 * hub (docs/API.md "Voice"); media keys travel over the MediaKeyExchange, never the server.
 */
import { writable, type Readable } from 'svelte/store';
import { connectionState, invoke, onGatewayEvent } from '../gateway.ts';
import { VersionedRoster } from '../stores/ordering.ts';
import { ConnectionWatchdog } from './watchdog.ts';
import { FrameCrypto, frameTransformSupport } from './e2ee.ts';
import type { WorkerStats } from './e2ee-protocol.ts';
import { MediaKeyRing, type MediaKeyExchange } from './keys.ts';
import { CAMERA_CONSTRAINTS, SIMULCAST_ENCODINGS, SINGLE_ENCODING, sourceOf, type StreamSource, type SubscribedStream } from './camera.ts';
import {
  AnnotationBoard,
  AnnotationKeys,
  MAX_POINTS_PER_MESSAGE,
  fromBase64,
  open,
  peekKid,
  quantize,
  seal,
  teeSink,
  toBase64,
  type AnnotationOp,
  type Tool,
} from './annotations.ts';
import { SpeakingDetector, rmsLevel } from './speaking.ts';

export interface VoiceStreamInfo {
  mid: string;
  kind: 'audio' | 'video';
  source?: StreamSource;
}

export interface VoiceParticipant {
  userId: string;
  feedId: number;
  selfMute: boolean;
  selfDeaf: boolean;
  serverMute: boolean;
  speaking: boolean;
  screenSharing: boolean;
  publishing: boolean;
  streams: VoiceStreamInfo[];
  joinedAt: string;
  camera?: boolean;
  /** Grows each time their publisher starts anew on the SFU: a subscription to an older one is gone. */
  publication?: number;
}

export interface VoiceJoinResult {
  guildId: string;
  channelId: string;
  epoch: number;
  self: VoiceParticipant;
  participants: VoiceParticipant[];
  e2ee: boolean;
  /** ENABLE_SIMULCAST on the server: cameras send three encodings, viewers pick one. */
  simulcast?: boolean;
  /** The room's last `voice:state` version the participants reflect. */
  version?: number;
}

export type SessionStatus = 'connecting' | 'connected' | 'kicked' | 'closed' | 'failed';

export interface Quality {
  rttMs: number | null;
  lossPercent: number | null;
  jitterBufferMs: number | null;
}

export interface SessionState {
  status: SessionStatus;
  error: string | null;
  channelId: string;
  participants: VoiceParticipant[];
  selfMute: boolean;
  selfDeaf: boolean;
  sharing: boolean;
  /** userId → remote screen-share stream being shown. */
  screens: Record<string, MediaStream>;
  /** Our camera, while it is on (shown as our own tile). */
  camera: MediaStream | null;
  /** userId → remote camera stream being shown. */
  cameras: Record<string, MediaStream>;
  simulcast: boolean;
  /** Our own screen share, shown to us with its annotations. */
  localScreen: MediaStream | null;
  quality: Quality;
}

export interface SessionOptions {
  guildId: string;
  channelId: string;
  selfUserId: string;
  exchange: MediaKeyExchange;
  inputDeviceId?: string | null;
  cameraDeviceId?: string | null;
  outputDeviceId?: string | null;
  volumeOf?: (userId: string) => number;
}

const VOLUME_KEY = 'lescopains.voice.volume';

/** Per-user volume (0–2, i.e. 0–200 %), remembered in localStorage. */
export function storedVolume(userId: string): number {
  try {
    const all = JSON.parse(localStorage.getItem(VOLUME_KEY) ?? '{}') as Record<string, unknown>;
    const v = all[userId];
    return typeof v === 'number' && v >= 0 && v <= 2 ? v : 1;
  } catch {
    return 1;
  }
}

export function storeVolume(userId: string, volume: number): void {
  try {
    const all = JSON.parse(localStorage.getItem(VOLUME_KEY) ?? '{}') as Record<string, number>;
    all[userId] = Math.min(2, Math.max(0, volume));
    localStorage.setItem(VOLUME_KEY, JSON.stringify(all));
  } catch {
    // Storage disabled: the volume lasts for this page.
  }
}

/** Screen share and camera use VP8 (Janus' simulcast and the frame transform's clear header assume it). */
function preferVp8(t: RTCRtpTransceiver): void {
  const vp8 = RTCRtpSender.getCapabilities('video')?.codecs.filter((c) => /vp8/i.test(c.mimeType)) ?? [];
  if (vp8.length > 0) {
    t.setCodecPreferences(vp8);
  }
}

/** A subscription key: one stream of one publication of a feed (a new publication needs a new subscription). */
function streamKey(p: VoiceParticipant, mid: string): string {
  return `${p.feedId}/${mid}/${p.publication ?? 0}`;
}

interface RemoteAudio {
  element: HTMLAudioElement;
  source: MediaStreamAudioSourceNode;
  gain: GainNode;
  analyser: AnalyserNode;
}

export class VoiceSession {
  private readonly state = writable<SessionState>();
  readonly store: Readable<SessionState>;
  private s: SessionState;
  readonly crypto: FrameCrypto;
  private pub: RTCPeerConnection | null = null;
  private sub: RTCPeerConnection | null = null;
  private mic: MediaStreamTrack | null = null;
  private micSender: RTCRtpSender | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private cameraTrack: MediaStreamTrack | null = null;
  /** The frame rate the screen share was started with (kept when it moves to a new connection). */
  private screenFrameRate = 30;
  /** Subscriber mid → the publisher feed and mid it carries (from the SFU). */
  private subStreams = new Map<string, SubscribedStream>();
  /** Subscriber mid → the simulcast layer last asked for. */
  private substreams = new Map<string, number>();
  private keys: MediaKeyRing;
  private readonly off: Array<() => void> = [];
  private subscribed = new Set<string>();
  private audio: AudioContext | null = null;
  private remoteAudio = new Map<string, RemoteAudio>();
  private pendingTracks: Array<{ mid: string; track: MediaStreamTrack }> = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private pttHeld = false;
  pushToTalkKey: string | null = null;
  private subscribeChain: Promise<void> = Promise.resolve();
  /** Bumped whenever the subscriber connection is dropped: work begun for the old one stops. */
  private subGeneration = 0;
  private readonly subWatchdog = new ConnectionWatchdog();
  private readonly pubWatchdog = new ConnectionWatchdog();
  /** Set while the publisher connection is being replaced. */
  private republishing: Promise<void> | null = null;
  readonly annotationKeys = new AnnotationKeys();
  private readonly boards = new Map<string, AnnotationBoard>();
  /** The participants, ordered by `voice:state` version (late or already-held events are dropped). */
  private readonly roster = new VersionedRoster<VoiceParticipant>();
  /** A subscription change the SFU refused (e.g. a feed not up yet) is retried after this delay. */
  private syncRetryMs = 0;
  private syncRetryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set while the session joins the room again (after a reconnect or being dropped). */
  private rejoining: Promise<void> | null = null;
  private rejoinTimer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  private readonly annotationTick = writable(0);
  /** Bumped whenever a board changes; the overlays redraw. */
  readonly annotationChanges: Readable<number> = { subscribe: this.annotationTick.subscribe };
  private receiveChain: Promise<void> = Promise.resolve();
  private sendChain: Promise<void> = Promise.resolve();
  private sendSeq = 0;
  private readonly lastSeq = new Map<string, number>();
  private nextStrokeId = 1;
  private stroke: { screenUserId: string; id: number; tool: Tool; color: string; start: [number, number]; last: [number, number]; pending: Array<[number, number]>; sent: boolean } | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** Counters read by the browser tests. */
  readonly annotationStats = { sent: 0, received: 0, dropped: 0, refused: 0 };
  private micAnalyser: AnalyserNode | null = null;
  private micSource: MediaStreamAudioSourceNode | null = null;
  private readonly detector = new SpeakingDetector();
  private speakingTimer: ReturnType<typeof setInterval> | null = null;
  private reportedSpeaking = false;
  private lastSpeakingReport = 0;
  private speakingReportTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: SessionOptions) {
    const mode = frameTransformSupport();
    if (!mode) {
      throw new Error('This browser cannot encrypt media end to end.');
    }
    this.crypto = new FrameCrypto(mode);
    // Both the frame worker and the annotations use the media keys.
    this.keys = new MediaKeyRing(opts.channelId, opts.selfUserId, opts.exchange, teeSink(this.crypto, this.annotationKeys));
    this.s = {
      status: 'connecting',
      error: null,
      channelId: opts.channelId,
      participants: [],
      selfMute: false,
      selfDeaf: false,
      sharing: false,
      screens: {},
      camera: null,
      cameras: {},
      simulcast: false,
      localScreen: null,
      quality: { rttMs: null, lossPercent: null, jitterBufferMs: null },
    };
    this.state.set(this.s);
    this.store = { subscribe: this.state.subscribe };
  }

  private update(patch: Partial<SessionState>): void {
    this.s = { ...this.s, ...patch };
    this.state.set(this.s);
  }

  get channelId(): string {
    return this.opts.channelId;
  }

  async join(): Promise<void> {
    const { channelId } = this.opts;
    this.off.push(
      this.opts.exchange.onKey((k) => this.keys.received(k)),
      onGatewayEvent('voice:state', (p) => this.onState(p as { channelId: string; userId: string; participant: VoiceParticipant | null; version?: number })),
      onGatewayEvent('voice:rekey', (p) => this.onRekey(p as { channelId: string; epoch: number; userIds: string[] })),
      onGatewayEvent('voice:kicked', (p) => this.onKicked(p as { channelId: string; reason?: string })),
      onGatewayEvent('voice:offer', (p) => this.onOffer(p as { channelId: string; type: 'offer'; sdp: string })),
      onGatewayEvent('voice:annotation', (p) => this.onAnnotation(p as { channelId: string; fromUserId: string; screenUserId: string; data: string })),
      onGatewayEvent('voice:rejoin', (p) => {
        if ((p as { channelId: string }).channelId === channelId) {
          void this.reconnectMedia();
        }
      }),
      onGatewayEvent('voice:republish', (p) => {
        if ((p as { channelId: string }).channelId === channelId && this.s.status === 'connected') {
          console.warn('voice: the SFU hung up our publisher connection: opening a new one');
          // A failed attempt is retried by the publisher watchdog.
          void this.restartPublisher().catch(() => {});
        }
      }),
      this.watchConnection(),
    );
    try {
      this.audio = new AudioContext();
      await this.applyOutputDevice();
      this.mic = (
        await navigator.mediaDevices.getUserMedia({
          audio: this.opts.inputDeviceId ? { deviceId: { exact: this.opts.inputDeviceId } } : true,
        })
      ).getAudioTracks()[0]!;
      const join = await invoke<VoiceJoinResult>('VoiceJoin', { channelId });
      this.roster.reset(join.participants, join.version);
      this.update({ participants: this.roster.list, simulcast: join.simulcast === true });
      await this.keys.rekey(join.epoch, join.participants.map((p) => p.userId));
      await this.publish();
      if (join.self.serverMute) {
        await this.micSender?.replaceTrack(null);
      }
      await this.syncSubscriptions();
      this.update({ status: 'connected' });
      this.timer = setInterval(() => void this.poll(), 1000);
      this.watchMicLevel();
      this.speakingTimer = setInterval(() => this.measureSpeaking(), 100);
    } catch (e) {
      this.update({ status: 'failed', error: e instanceof Error ? e.message : String(e) });
      await this.close(false);
      throw e;
    }
  }

  private newPeerConnection(): RTCPeerConnection {
    return new RTCPeerConnection({ ...this.crypto.peerConnectionConfig, bundlePolicy: 'max-bundle' });
  }

  /**
   * Our candidates go inside the SDP (host candidates gather in milliseconds), then the end of
   * candidates is signalled once: fewer hub round trips than one per candidate.
   */
  private async gathered(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === 'complete') {
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => pc.iceGatheringState === 'complete' && resolve();
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, 2000);
    });
  }

  private endOfCandidates(target: 'publisher' | 'subscriber'): void {
    void invoke('VoiceTrickle', { channelId: this.opts.channelId, target, candidate: null, sdpMid: null, sdpMLineIndex: null }).catch(() => {});
  }

  /**
   * Opens a new publisher connection and publishes on it the microphone (attached only while it is
   * live: a muted one sends nothing from the first packet) and any screen share or camera that is on.
   */
  private async publish(): Promise<void> {
    const pc = (this.pub = this.newPeerConnection());
    this.pubWatchdog.reset();
    const t = pc.addTransceiver(this.micLive ? this.mic! : 'audio', { direction: 'sendonly', streams: [new MediaStream([this.mic!])] });
    this.micSender = t.sender;
    this.crypto.protectSender(t.sender, 'audio');
    if (this.screenTrack) {
      await this.addScreenSender(pc, this.screenTrack);
    }
    if (this.cameraTrack) {
      this.addCameraSender(pc, this.cameraTrack);
    }
    await this.negotiatePublisher();
  }

  private async addScreenSender(pc: RTCPeerConnection, track: MediaStreamTrack): Promise<void> {
    const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
    // Before any setParameters: Chromium sends a video sender's frames around a transform attached later.
    this.crypto.protectSender(t.sender, 'video');
    preferVp8(t);
    const params = t.sender.getParameters();
    params.degradationPreference = 'maintain-resolution';
    params.encodings = [{ maxBitrate: 4_000_000, maxFramerate: this.screenFrameRate }];
    await t.sender.setParameters(params).catch(() => {});
  }

  private addCameraSender(pc: RTCPeerConnection, track: MediaStreamTrack): RTCRtpTransceiver {
    const t = pc.addTransceiver(track, {
      direction: 'sendonly',
      streams: [new MediaStream([track])],
      sendEncodings: (this.s.simulcast ? SIMULCAST_ENCODINGS : SINGLE_ENCODING).map((e) => ({ ...e })),
    });
    // Before negotiation: every simulcast layer's frames pass through the same encrypting transform.
    this.crypto.protectSender(t.sender, 'video');
    preferVp8(t);
    return t;
  }

  private async negotiatePublisher(): Promise<void> {
    const pc = this.pub!;
    await pc.setLocalDescription(await pc.createOffer());
    await this.gathered(pc);
    const midOf = (track: MediaStreamTrack | null) => (track ? (pc.getTransceivers().find((t) => t.sender.track === track)?.mid ?? null) : null);
    const answer = await invoke<{ type: 'answer'; sdp: string }>('VoicePublish', {
      channelId: this.opts.channelId,
      sdp: pc.localDescription!.sdp,
      screen: this.screenTrack !== null,
      screenMid: midOf(this.screenTrack),
      camera: this.cameraTrack !== null,
      cameraMid: midOf(this.cameraTrack),
      // A connection the SFU never answered is a new one: the SFU starts the feed anew on it.
      restart: pc.currentRemoteDescription === null,
    });
    await pc.setRemoteDescription(answer);
    this.endOfCandidates('publisher');
  }

  /**
   * Subscribes to every other participant that publishes, and drops those who left. A refused
   * change (the SFU does not know a feed whose connection is still coming up, a hub call that
   * failed) is retried with a growing delay, up to 10 s, until one succeeds.
   */
  private syncSubscriptions(): Promise<void> {
    this.subscribeChain = this.subscribeChain
      .then(() => this.doSync())
      .then(
        () => {
          this.syncRetryMs = 0;
        },
        () => this.retrySyncLater(),
      );
    return this.subscribeChain;
  }

  private retrySyncLater(): void {
    if (this.ended || this.syncRetryTimer !== null) {
      return;
    }
    this.syncRetryMs = Math.min(10_000, Math.max(500, this.syncRetryMs * 2));
    this.syncRetryTimer = setTimeout(() => {
      this.syncRetryTimer = null;
      void this.syncSubscriptions();
    }, this.syncRetryMs);
  }

  /**
   * The server ends a voice session when its hub connection goes: after the gateway reconnects
   * (a new connection), the session joins the room again on it.
   */
  private watchConnection(): () => void {
    let last: string | null = null;
    return connectionState.subscribe((c) => {
      if (c === 'connected' && last !== null && last !== 'connected' && this.s.status === 'connected') {
        void this.rejoin();
      }
      last = c;
    });
  }

  /**
   * Joins the room again on the current hub connection and renegotiates the media: after a
   * reconnect, or when the room's liveness check dropped this participant by mistake. Retried
   * every few seconds until it succeeds or the session ends.
   */
  private rejoin(): Promise<void> {
    if (this.ended) {
      return Promise.resolve();
    }
    this.rejoining ??= (async () => {
      try {
        const join = await invoke<VoiceJoinResult>('VoiceJoin', { channelId: this.opts.channelId, selfMute: this.s.selfMute, selfDeaf: this.s.selfDeaf });
        this.roster.reset(join.participants, join.version);
        this.update({ participants: this.roster.list, error: null });
        await this.keys.rekey(join.epoch, join.participants.map((p) => p.userId));
        await this.reconnectMedia();
        await this.applyMic();
      } catch (e) {
        if (!this.ended && this.rejoinTimer === null) {
          this.update({ error: `Reconnecting to the voice channel: ${e instanceof Error ? e.message : String(e)}` });
          this.rejoinTimer = setTimeout(() => {
            this.rejoinTimer = null;
            void this.rejoin();
          }, 3000);
        }
      } finally {
        this.rejoining = null;
      }
    })();
    return this.rejoining;
  }

  private async doSync(): Promise<void> {
    // One subscription per published stream: a screen share started later is a new stream of
    // the same feed and needs its own subscription.
    const want = new Map<string, { feedId: number; mid: string }>();
    for (const p of this.s.participants) {
      if (p.userId !== this.opts.selfUserId && p.publishing) {
        for (const st of p.streams) {
          want.set(streamKey(p, st.mid), { feedId: p.feedId, mid: st.mid });
        }
      }
    }
    // Without a subscriber connection, the SFU starts a new subscription for the new one (restart):
    // an SFU handle cannot move to a new connection, and the old one may still exist there.
    const restart = this.sub === null;
    const generation = this.subGeneration;
    const subscribe = [...want].filter(([k]) => restart || !this.subscribed.has(k)).map(([, v]) => v);
    // A stream of an older publication is already gone from the SFU subscription; unsubscribing it
    // next to its new publication would drop the new one.
    const renewed = new Set(subscribe.map((r) => `${r.feedId}/${r.mid}`));
    const unsubscribe = restart
      ? []
      : [...this.subscribed]
          .filter((k) => !want.has(k))
          .map((k) => {
            const [feedId, mid] = k.split('/');
            return { feedId: Number(feedId), mid: mid! };
          })
          .filter((r) => !renewed.has(`${r.feedId}/${r.mid}`));
    if (subscribe.length === 0 && unsubscribe.length === 0) {
      return;
    }
    const offer = await invoke<{ type: 'offer'; sdp: string; streams?: SubscribedStream[] } | null>('VoiceSubscribe', {
      channelId: this.opts.channelId,
      subscribe,
      unsubscribe,
      restart,
    });
    if (generation !== this.subGeneration) {
      // The connection was dropped meanwhile; whoever dropped it syncs again with a restart.
      return;
    }
    this.subscribed = new Set(want.keys());
    if (!offer) {
      return;
    }
    for (const st of offer.streams ?? []) {
      this.subStreams.set(st.mid, st);
    }
    if (!this.sub) {
      this.sub = this.newPeerConnection();
      this.sub.ontrack = (e) => this.onTrack(e);
    }
    await this.sub.setRemoteDescription(offer);
    await this.sub.setLocalDescription(await this.sub.createAnswer());
    await this.gathered(this.sub);
    await invoke('VoiceSubscribeAnswer', { channelId: this.opts.channelId, sdp: this.sub.localDescription!.sdp });
    this.endOfCandidates('subscriber');
  }

  /**
   * The SFU renegotiates the subscriber connection by itself (e.g. a publisher we receive left):
   * apply its offer and answer, in turn with our own subscription changes.
   */
  private onOffer(p: { channelId: string; type: 'offer'; sdp: string }): Promise<void> {
    if (p.channelId !== this.opts.channelId || typeof p.sdp !== 'string') {
      return Promise.resolve();
    }
    this.subscribeChain = this.subscribeChain
      .then(async () => {
        // Without a subscriber connection the offer is for an SFU subscription that is being
        // replaced (the next subscribe restarts it): answering would tie a new connection to it.
        const pc = this.sub;
        if (!pc) {
          return;
        }
        await pc.setRemoteDescription({ type: 'offer', sdp: p.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        await this.gathered(pc);
        if (pc !== this.sub) {
          return;
        }
        await invoke('VoiceSubscribeAnswer', { channelId: this.opts.channelId, sdp: pc.localDescription!.sdp });
        this.endOfCandidates('subscriber');
      })
      .catch(() => {});
    return this.subscribeChain;
  }

  private onTrack(e: RTCTrackEvent): void {
    const mid = e.transceiver.mid ?? '';
    const kind = e.track.kind === 'video' ? 'video' : 'audio';
    this.crypto.protectReceiver(e.receiver, kind, mid);
    this.pendingTracks.push({ mid, track: e.track });
  }

  /** Places received tracks once the worker has told whose key decrypts them. */
  private placeTracks(stats: WorkerStats): void {
    const still: typeof this.pendingTracks = [];
    const screens = { ...this.s.screens };
    const cameras = { ...this.s.cameras };
    let changed = false;
    for (const t of this.pendingTracks) {
      const userId = stats.receivers[t.mid];
      if (!userId) {
        still.push(t);
        continue;
      }
      if (t.track.kind === 'audio') {
        this.playAudio(userId, t.track);
        continue;
      }
      const source = sourceOf(t.mid, this.subStreams, this.s.participants);
      if (!source) {
        still.push(t); // The publisher's state naming this stream has not arrived yet.
        continue;
      }
      (source === 'camera' ? cameras : screens)[userId] = new MediaStream([t.track]);
      changed = true;
      t.track.addEventListener('ended', () => {
        // Only if that member's tile still shows this track (a newer one may have replaced it).
        const key = source === 'camera' ? 'cameras' : 'screens';
        if (this.s[key][userId]?.getTracks()[0] !== t.track) {
          return;
        }
        const next = { ...this.s[key] };
        delete next[userId];
        this.update({ [key]: next });
      });
    }
    this.pendingTracks = still;
    if (changed) {
      this.update({ screens, cameras });
    }
  }

  /** The subscriber mid on which `userId`'s camera arrives, if subscribed. */
  cameraMidOf(userId: string): string | null {
    const p = this.s.participants.find((x) => x.userId === userId);
    const feedMid = p?.streams.find((x) => x.source === 'camera')?.mid;
    if (!p || feedMid === undefined) {
      return null;
    }
    for (const st of this.subStreams.values()) {
      if (st.feedId === p.feedId && st.feedMid === feedMid) {
        return st.mid;
      }
    }
    return null;
  }

  /**
   * Simulcast: asks the SFU for layer `substream` (0 lowest … 2 highest) of `userId`'s camera, e.g.
   * the lowest for a thumbnail. A no-op without simulcast or when that layer is already selected.
   */
  async setCameraQuality(userId: string, substream: 0 | 1 | 2): Promise<void> {
    const mid = this.cameraMidOf(userId);
    if (!this.s.simulcast || mid === null || this.substreams.get(mid) === substream) {
      return;
    }
    this.substreams.set(mid, substream);
    try {
      await invoke('VoiceSetSubstream', { channelId: this.opts.channelId, mid, substream });
    } catch (e) {
      this.substreams.delete(mid);
      throw e;
    }
  }

  private playAudio(userId: string, track: MediaStreamTrack): void {
    const ctx = this.audio!;
    this.remoteAudio.get(userId)?.source.disconnect();
    const stream = new MediaStream([track]);
    // Chromium only feeds a remote WebRTC track into Web Audio while a media element plays it.
    const element = new Audio();
    element.muted = true;
    element.srcObject = stream;
    void element.play().catch(() => {});
    const source = ctx.createMediaStreamSource(stream);
    const gain = ctx.createGain();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 256;
    gain.gain.value = this.s.selfDeaf ? 0 : (this.opts.volumeOf ?? storedVolume)(userId);
    source.connect(analyser);
    source.connect(gain).connect(ctx.destination);
    this.remoteAudio.set(userId, { element, source, gain, analyser });
  }

  setVolume(userId: string, volume: number): void {
    storeVolume(userId, volume);
    const a = this.remoteAudio.get(userId);
    if (a && !this.s.selfDeaf) {
      a.gain.gain.value = Math.min(2, Math.max(0, volume));
    }
  }

  /** Mute stops sending altogether (no packets), not just silence. */
  async setMute(muted: boolean): Promise<void> {
    this.update({ selfMute: muted });
    await this.applyMic();
    await invoke('VoiceUpdateState', { channelId: this.opts.channelId, selfMute: muted }).catch(() => {});
  }

  async setDeaf(deaf: boolean): Promise<void> {
    this.update({ selfDeaf: deaf, selfMute: deaf ? true : this.s.selfMute });
    for (const [userId, a] of this.remoteAudio) {
      a.gain.gain.value = deaf ? 0 : storedVolume(userId);
    }
    await this.applyMic();
    await invoke('VoiceUpdateState', { channelId: this.opts.channelId, selfDeaf: deaf, selfMute: this.s.selfMute }).catch(() => {});
  }

  private selfParticipant(): VoiceParticipant | undefined {
    return this.s.participants.find((p) => p.userId === this.opts.selfUserId);
  }

  /** Whether the microphone is being sent (not muted, not server-muted, push-to-talk held). */
  private get micLive(): boolean {
    const serverMuted = this.selfParticipant()?.serverMute ?? false;
    const pttBlocks = this.pushToTalkKey !== null && !this.pttHeld;
    return !this.s.selfMute && !serverMuted && !pttBlocks;
  }

  private async applyMic(): Promise<void> {
    if (this.pub?.signalingState === 'closed') {
      return; // The session has ended (push-to-talk or a device change can still arrive).
    }
    await this.micSender?.replaceTrack(this.micLive ? this.mic : null);
  }

  /** Analyses our own microphone (not played back) for the speaking indicator. */
  private watchMicLevel(): void {
    if (!this.audio || !this.mic) {
      return;
    }
    this.micSource?.disconnect();
    this.micSource = this.audio.createMediaStreamSource(new MediaStream([this.mic]));
    this.micAnalyser ??= Object.assign(this.audio.createAnalyser(), { fftSize: 512 });
    this.micSource.connect(this.micAnalyser);
  }

  private readonly levelBuf = new Uint8Array(512);

  private measureSpeaking(): void {
    let level = 0;
    if (this.micAnalyser && this.micLive) {
      this.micAnalyser.getByteTimeDomainData(this.levelBuf);
      level = rmsLevel(this.levelBuf);
    }
    if (this.detector.sample(level, performance.now())) {
      this.reportSpeaking();
    }
  }

  /** Tells the server (at most every 500 ms; the latest state wins) so others' indicators follow. */
  private reportSpeaking(): void {
    if (this.speakingReportTimer !== null) {
      return;
    }
    const wait = Math.max(0, this.lastSpeakingReport + 500 - performance.now());
    this.speakingReportTimer = setTimeout(() => {
      this.speakingReportTimer = null;
      const speaking = this.detector.speaking;
      if (speaking === this.reportedSpeaking || this.s.status !== 'connected') {
        return;
      }
      this.reportedSpeaking = speaking;
      this.lastSpeakingReport = performance.now();
      void invoke('VoiceUpdateState', { channelId: this.opts.channelId, speaking }).catch(() => {
        // Throttled or closing: the next change reports again.
        this.reportedSpeaking = !speaking;
      });
    }, wait);
  }

  /** Whether our own microphone currently picks up speech (shown at once, before the server echoes it). */
  get selfSpeaking(): boolean {
    return this.detector.speaking;
  }

  /** Push-to-talk: while a key is set, the microphone sends only while it is held. */
  async setPushToTalk(key: string | null): Promise<void> {
    this.pushToTalkKey = key;
    await this.applyMic();
  }

  async pushToTalk(held: boolean): Promise<void> {
    if (this.pttHeld !== held) {
      this.pttHeld = held;
      await this.applyMic();
    }
  }

  async serverMute(userId: string, muted: boolean): Promise<void> {
    await invoke('VoiceServerMute', { channelId: this.opts.channelId, userId, muted });
  }

  async disconnectMember(userId: string): Promise<void> {
    await invoke('VoiceDisconnect', { channelId: this.opts.channelId, userId });
  }

  async setInputDevice(deviceId: string): Promise<void> {
    const track = (await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: deviceId } } })).getAudioTracks()[0]!;
    this.mic?.stop();
    this.mic = track;
    this.opts.inputDeviceId = deviceId;
    this.watchMicLevel();
    await this.applyMic();
  }

  async setOutputDevice(deviceId: string): Promise<void> {
    this.opts.outputDeviceId = deviceId;
    await this.applyOutputDevice();
  }

  static get canChooseOutput(): boolean {
    return typeof AudioContext !== 'undefined' && 'setSinkId' in AudioContext.prototype;
  }

  private async applyOutputDevice(): Promise<void> {
    const id = this.opts.outputDeviceId;
    if (id && this.audio && VoiceSession.canChooseOutput) {
      await (this.audio as AudioContext & { setSinkId(id: string): Promise<void> }).setSinkId(id).catch(() => {});
    }
  }

  /** Shares the screen at up to 1920×1080 (the sharer picks resolution and frame rate). */
  async startScreenShare(options: { width: number; height: number; frameRate: number }): Promise<void> {
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { width: { ideal: options.width, max: 1920 }, height: { ideal: options.height, max: 1080 }, frameRate: { ideal: options.frameRate, max: 30 } },
      audio: false,
    });
    const track = stream.getVideoTracks()[0]!;
    track.contentHint = 'detail';
    this.screenTrack = track;
    this.screenFrameRate = options.frameRate;
    track.addEventListener('ended', () => void this.stopScreenShare());
    await this.addScreenSender(this.pub!, track);
    await this.negotiatePublisher();
    this.update({ sharing: true, localScreen: new MediaStream([track]) });
  }

  async stopScreenShare(): Promise<void> {
    const track = this.screenTrack;
    if (!track || !this.pub) {
      return;
    }
    this.screenTrack = null;
    track.stop();
    const t = this.pub.getTransceivers().find((x) => x.sender.track === track);
    if (t) {
      t.stop();
    }
    this.update({ sharing: false, localScreen: null });
    this.dropBoard(this.opts.selfUserId);
    await this.negotiatePublisher().catch(() => {});
  }

  /** Turns the camera on (the chosen device, or the default one): encrypted like every other stream. */
  async startCamera(deviceId: string | null = this.opts.cameraDeviceId ?? null): Promise<void> {
    if (this.cameraTrack || !this.pub) {
      return;
    }
    const stream = await navigator.mediaDevices.getUserMedia({
      video: deviceId ? { ...CAMERA_CONSTRAINTS, deviceId: { exact: deviceId } } : CAMERA_CONSTRAINTS,
      audio: false,
    });
    const track = stream.getVideoTracks()[0]!;
    track.contentHint = 'motion';
    this.cameraTrack = track;
    const t = this.addCameraSender(this.pub, track);
    try {
      await this.negotiatePublisher();
    } catch (e) {
      this.cameraTrack = null;
      track.stop();
      t.stop();
      await this.negotiatePublisher().catch(() => {});
      throw e;
    }
    this.update({ camera: stream });
  }

  async stopCamera(): Promise<void> {
    const track = this.cameraTrack;
    if (!track || !this.pub) {
      return;
    }
    this.cameraTrack = null;
    track.stop();
    this.pub.getTransceivers().find((x) => x.sender.track === track)?.stop();
    this.update({ camera: null });
    await this.negotiatePublisher().catch(() => {});
  }

  /** Switches the camera to another device (live when it is on). */
  async setCameraDevice(deviceId: string): Promise<void> {
    this.opts.cameraDeviceId = deviceId;
    const old = this.cameraTrack;
    if (!old || !this.pub) {
      return;
    }
    const stream = await navigator.mediaDevices.getUserMedia({ video: { ...CAMERA_CONSTRAINTS, deviceId: { exact: deviceId } }, audio: false });
    const track = stream.getVideoTracks()[0]!;
    track.contentHint = 'motion';
    await this.pub.getTransceivers().find((x) => x.sender.track === old)?.sender.replaceTrack(track);
    this.cameraTrack = track;
    old.stop();
    this.update({ camera: stream });
  }

  private onState(p: { channelId: string; userId: string; participant: VoiceParticipant | null; version?: number }): void {
    if (p.channelId !== this.opts.channelId || !this.roster.apply(p.userId, p.participant, p.version)) {
      return;
    }
    this.update({ participants: this.roster.list });
    if (p.participant && !p.participant.screenSharing) {
      this.dropBoard(p.userId);
    }
    if (p.participant && !p.participant.screenSharing && this.s.screens[p.userId]) {
      // A remote track only mutes when its stream is unsubscribed: the state says the share ended.
      const screens = { ...this.s.screens };
      delete screens[p.userId];
      this.update({ screens });
    }
    if ((!p.participant || !p.participant.camera) && this.s.cameras[p.userId]) {
      const cameras = { ...this.s.cameras };
      delete cameras[p.userId];
      this.update({ cameras });
    }
    if (!p.participant) {
      this.dropBoard(p.userId);
      for (const b of this.boards.values()) {
        b.removeUser(p.userId);
      }
      this.annotationTick.update((n) => n + 1);
      this.keys.left(p.userId);
      this.remoteAudio.get(p.userId)?.source.disconnect();
      this.remoteAudio.delete(p.userId);
      const screens = { ...this.s.screens };
      delete screens[p.userId];
      this.update({ screens });
    }
    if (p.userId === this.opts.selfUserId) {
      void this.applyMic();
    }
    void this.syncSubscriptions();
  }

  private onRekey(p: { channelId: string; epoch: number; userIds: string[] }): void {
    if (p.channelId === this.opts.channelId) {
      void this.keys.rekey(p.epoch, p.userIds);
    }
  }

  private onKicked(p: { channelId: string; reason?: string }): void {
    if (p.channelId === this.opts.channelId && p.reason === 'disconnected') {
      // The room's liveness check took this connection for dead, yet the event reached it: join again.
      void this.rejoin();
      return;
    }
    if (p.channelId === this.opts.channelId) {
      this.update({ status: 'kicked' });
      void this.close(false);
    }
  }

  private async reconnectMedia(): Promise<void> {
    this.dropSubscriber();
    await this.restartPublisher();
    await this.syncSubscriptions();
  }

  /**
   * Replaces the sending connection with a new one, published with `restart` so the SFU starts the
   * feed anew: after a rejoin, when the SFU hung it up (`voice:republish`), or when it failed here.
   */
  private restartPublisher(): Promise<void> {
    this.republishing ??= (async () => {
      // The microphone, and a screen share or camera that is on, go on the new connection as they
      // are (the same tracks: no new permission prompt, the share goes on). The old connection
      // closes only once the SFU has dropped its publisher (restart): closing it first would make
      // the SFU report that publisher down, possibly after the new one is up.
      const old = this.pub;
      try {
        await this.publish();
      } finally {
        old?.close();
        this.republishing = null;
      }
    })();
    return this.republishing;
  }

  /** A publisher connection that failed, closed under us or never connected is replaced. */
  private checkPublisher(): void {
    if (this.republishing || this.rejoining || this.ended) {
      this.pubWatchdog.reset();
      return;
    }
    if (this.pubWatchdog.check(performance.now(), { connection: this.pub?.connectionState ?? null, audioPackets: 0, expectAudio: false })) {
      console.warn(`voice: the publisher connection is ${this.pub?.connectionState}: opening a new one`);
      void this.restartPublisher().catch(() => {});
    }
  }

  /** Closes the subscriber connection; the next sync opens a new one on a new SFU subscription. */
  private dropSubscriber(): void {
    this.sub?.close();
    this.sub = null;
    this.subGeneration++;
    this.subscribed.clear();
    this.subStreams.clear();
    this.substreams.clear();
    this.subWatchdog.reset();
  }

  /**
   * Whether some member we subscribe to is sending audio now: the server says they speak (which
   * their client reports only while the microphone is live, push-to-talk included) and nobody muted them.
   */
  private expectAudio(): boolean {
    return this.s.participants.some(
      (p) =>
        p.userId !== this.opts.selfUserId &&
        p.speaking &&
        !p.selfMute &&
        !p.serverMute &&
        p.streams.some((st) => st.kind === 'audio' && this.subscribed.has(streamKey(p, st.mid))),
    );
  }

  /** A subscriber connection that failed, never connected, or hears nothing from a speaker is rebuilt. */
  private checkSubscriber(audioPackets: number): void {
    const dead = this.subWatchdog.check(performance.now(), {
      connection: this.sub?.connectionState ?? null,
      audioPackets,
      expectAudio: this.expectAudio(),
    });
    if (dead && !this.ended) {
      console.warn(`voice: the subscriber connection is ${this.sub?.connectionState}, without media: opening a new one`);
      this.dropSubscriber();
      void this.syncSubscriptions();
    }
  }

  // ------------------------------------------------------------------ annotations

  /** The strokes on `screenUserId`'s shared screen (ours included). */
  board(screenUserId: string): AnnotationBoard {
    let b = this.boards.get(screenUserId);
    if (!b) {
      b = new AnnotationBoard(screenUserId);
      this.boards.set(screenUserId, b);
    }
    return b;
  }

  private dropBoard(screenUserId: string): void {
    if (this.boards.delete(screenUserId)) {
      this.annotationTick.update((n) => n + 1);
    }
  }

  private applyLocal(screenUserId: string, op: AnnotationOp): void {
    this.board(screenUserId).apply(this.opts.selfUserId, op);
    this.annotationTick.update((n) => n + 1);
  }

  /** Starts a stroke at `point` (fractions of the shared frame). */
  strokeStart(screenUserId: string, tool: Tool, color: string, point: [number, number]): void {
    this.strokeEnd();
    this.stroke = { screenUserId, id: this.nextStrokeId++, tool, color, start: point, last: point, pending: [point], sent: false };
    this.applyLocal(screenUserId, { op: 'stroke', id: this.stroke.id, tool, color, pts: quantize(tool === 'arrow' ? [point, point] : [point]), end: false });
    this.scheduleFlush();
  }

  strokeMove(point: [number, number]): void {
    const st = this.stroke;
    if (!st) {
      return;
    }
    st.last = point;
    if (st.tool === 'pen') {
      st.pending.push(point);
    }
    this.applyLocal(st.screenUserId, { op: 'stroke', id: st.id, tool: st.tool, color: st.color, pts: quantize(st.tool === 'arrow' ? [st.start, point] : [point]), end: false });
    this.scheduleFlush();
  }

  strokeEnd(): void {
    const st = this.stroke;
    if (!st) {
      return;
    }
    this.flush(true);
    this.stroke = null;
    this.applyLocal(st.screenUserId, { op: 'stroke', id: st.id, tool: st.tool, color: st.color, pts: [], end: true });
  }

  /** The sharer clears every stroke on their screen; a viewer clears their own. */
  clearAnnotations(screenUserId: string): void {
    this.strokeEnd();
    this.applyLocal(screenUserId, { op: 'clear' });
    this.send(screenUserId, { op: 'clear' });
  }

  /** Points in flight leave in batches, one message per ~40 ms at most. */
  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      this.flush(false);
    }, 40);
  }

  private flush(end: boolean): void {
    if (this.flushTimer !== null && end) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const st = this.stroke;
    if (!st) {
      return;
    }
    const base = { op: 'stroke' as const, id: st.id, tool: st.tool, color: st.color };
    if (st.tool === 'arrow') {
      this.send(st.screenUserId, { ...base, pts: quantize([st.start, st.last]), end });
      return;
    }
    if (st.pending.length === 0 && !end) {
      return;
    }
    do {
      const chunk = st.pending.splice(0, MAX_POINTS_PER_MESSAGE);
      this.send(st.screenUserId, { ...base, pts: quantize(chunk), end: end && st.pending.length === 0 });
    } while (st.pending.length > 0);
  }

  private send(screenUserId: string, op: AnnotationOp): void {
    const seq = ++this.sendSeq;
    this.sendChain = this.sendChain.then(async () => {
      const k = this.annotationKeys.sending();
      if (!k || this.s.status !== 'connected') {
        this.annotationStats.dropped++;
        return;
      }
      const sealed = await seal(crypto.subtle, await k.key, k.kid, this.opts.channelId, screenUserId, { seq, op });
      try {
        await invoke('VoiceAnnotate', { channelId: this.opts.channelId, screenUserId, data: toBase64(sealed) });
        this.annotationStats.sent++;
      } catch {
        this.annotationStats.refused++;
      }
    });
  }

  private onAnnotation(p: { channelId: string; fromUserId: string; screenUserId: string; data: string }): void {
    if (p.channelId !== this.opts.channelId || p.fromUserId === this.opts.selfUserId) {
      return;
    }
    // In arrival order: a stroke's batches apply one after the other.
    this.receiveChain = this.receiveChain.then(async () => {
      const sealed = typeof p.data === 'string' ? fromBase64(p.data) : null;
      const kid = sealed ? peekKid(sealed) : null;
      const key = kid === null ? null : this.annotationKeys.receiving(p.fromUserId, kid);
      const body = key && sealed ? await open(crypto.subtle, await key, this.opts.channelId, p.screenUserId, sealed) : null;
      // Per sender session (the key id's sender tag), counters only go up: replays are dropped.
      const tag = `${p.fromUserId}/${Math.floor((kid ?? 0) / 0x10000)}`;
      const sharing = p.screenUserId === this.opts.selfUserId ? this.s.sharing : this.s.participants.some((x) => x.userId === p.screenUserId && x.screenSharing);
      if (!body || body.seq <= (this.lastSeq.get(tag) ?? 0) || !sharing) {
        this.annotationStats.dropped++;
        return;
      }
      this.lastSeq.set(tag, body.seq);
      this.annotationStats.received++;
      this.board(p.screenUserId).apply(p.fromUserId, body.op);
      this.annotationTick.update((n) => n + 1);
    });
  }

  /** Encryption counters and transport quality, also read by the browser tests. */
  async stats(): Promise<{
    crypto: WorkerStats;
    quality: Quality;
    inbound: { audioPackets: number; videoFrames: number; width: number; height: number };
    outboundAudioPackets: number;
    /** Per received video stream (subscriber mid): frames decoded and the current size. */
    inboundVideo: Record<string, { framesDecoded: number; width: number; height: number }>;
    /** Per sent video encoding (rid, or "" without simulcast), for every video sender. */
    outboundVideo: Array<{ rid: string; framesEncoded: number; width: number; height: number }>;
  }> {
    const crypto = await this.crypto.stats();
    let rtt: number | null = null;
    let lost = 0;
    let received = 0;
    let jitterDelay = 0;
    let jitterEmitted = 0;
    const inbound = { audioPackets: 0, videoFrames: 0, width: 0, height: 0 };
    let outboundAudioPackets = 0;
    const inboundVideo: Record<string, { framesDecoded: number; width: number; height: number }> = {};
    const outboundVideo: Array<{ rid: string; framesEncoded: number; width: number; height: number }> = [];
    for (const pc of [this.pub, this.sub]) {
      if (!pc) {
        continue;
      }
      for (const r of (await pc.getStats()).values() as IterableIterator<Record<string, unknown>>) {
        if (r.type === 'candidate-pair' && r.nominated && typeof r.currentRoundTripTime === 'number') {
          rtt = Math.max(rtt ?? 0, r.currentRoundTripTime * 1000);
        }
        if (r.type === 'inbound-rtp') {
          lost += (r.packetsLost as number) ?? 0;
          received += (r.packetsReceived as number) ?? 0;
          if (r.kind === 'audio') {
            inbound.audioPackets += (r.packetsReceived as number) ?? 0;
            jitterDelay += (r.jitterBufferDelay as number) ?? 0;
            jitterEmitted += (r.jitterBufferEmittedCount as number) ?? 0;
          } else {
            inbound.videoFrames += (r.framesDecoded as number) ?? 0;
            inbound.width = Math.max(inbound.width, (r.frameWidth as number) ?? 0);
            inbound.height = Math.max(inbound.height, (r.frameHeight as number) ?? 0);
            if (typeof r.mid === 'string') {
              inboundVideo[r.mid] = { framesDecoded: (r.framesDecoded as number) ?? 0, width: (r.frameWidth as number) ?? 0, height: (r.frameHeight as number) ?? 0 };
            }
          }
        }
        if (r.type === 'outbound-rtp' && r.kind === 'audio') {
          outboundAudioPackets += (r.packetsSent as number) ?? 0;
        }
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          outboundVideo.push({ rid: (r.rid as string) ?? '', framesEncoded: (r.framesEncoded as number) ?? 0, width: (r.frameWidth as number) ?? 0, height: (r.frameHeight as number) ?? 0 });
        }
      }
    }
    const quality: Quality = {
      rttMs: rtt,
      lossPercent: received + lost > 0 ? (100 * lost) / (received + lost) : null,
      jitterBufferMs: jitterEmitted > 0 ? (1000 * jitterDelay) / jitterEmitted : null,
    };
    return { crypto, quality, inbound, outboundAudioPackets, inboundVideo, outboundVideo };
  }

  /** Remote speaking from the decoded audio level (AnalyserNode), and our own from the microphone. */
  speakingUsers(): Set<string> {
    const out = new Set<string>();
    if (this.detector.speaking) {
      out.add(this.opts.selfUserId);
    }
    const buf = new Uint8Array(128);
    for (const [userId, a] of this.remoteAudio) {
      a.analyser.getByteTimeDomainData(buf);
      let peak = 0;
      for (const v of buf) {
        peak = Math.max(peak, Math.abs(v - 128));
      }
      if (peak > 6) {
        out.add(userId);
      }
    }
    return out;
  }

  private async poll(): Promise<void> {
    let audioPackets = 0;
    try {
      const st = await this.stats();
      this.placeTracks(st.crypto);
      this.update({ quality: st.quality });
      audioPackets = st.inbound.audioPackets;
    } catch {
      // A connection is closing.
    }
    this.checkSubscriber(audioPackets);
    this.checkPublisher();
  }

  async leave(): Promise<void> {
    await this.close(true);
  }

  private async close(tellServer: boolean): Promise<void> {
    this.ended = true;
    for (const t of [this.syncRetryTimer, this.rejoinTimer]) {
      if (t !== null) {
        clearTimeout(t);
      }
    }
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    for (const f of this.off.splice(0)) {
      f();
    }
    if (this.speakingTimer !== null) {
      clearInterval(this.speakingTimer);
      this.speakingTimer = null;
    }
    if (this.speakingReportTimer !== null) {
      clearTimeout(this.speakingReportTimer);
    }
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
    }
    this.micSource?.disconnect();
    this.keys.close();
    this.pub?.close();
    this.sub?.close();
    this.mic?.stop();
    this.screenTrack?.stop();
    this.cameraTrack?.stop();
    for (const a of this.remoteAudio.values()) {
      a.element.srcObject = null;
    }
    this.remoteAudio.clear();
    await this.audio?.close().catch(() => {});
    this.crypto.close();
    if (tellServer) {
      await invoke('VoiceLeave').catch(() => {});
    }
    if (this.s.status === 'connecting' || this.s.status === 'connected') {
      this.update({ status: 'closed' });
    }
  }
}
