// Direct messages in the browser: this browser's Signal device, the conversations, and the
// encrypt → post → push → decrypt loop (docs/API.md, "Direct messages"). The server only ever
// sees the base64 envelopes that the crypto module produces. Loaded as a lazy chunk.
import { derived, get, writable, type Readable } from 'svelte/store';
import {
  createDevice,
  decryptAttachment,
  encryptAttachment,
  loadDevice,
  openIndexedDbStore,
  safetyNumber,
  type PreKeyBundle,
  type SignalDevice,
  type DeviceAddress,
  type ProtocolStore,
} from '../crypto/index.ts';
import { ApiError, errorFromBody } from '../lib/api.ts';
import { connectionState, invoke, onGatewayEvent } from '../lib/gateway.ts';
import { directNotice } from '../lib/chat/notices.ts';
import { muteOn } from '../lib/chat/notify-rules.ts';
import { notify, notifyPrefs } from '../lib/stores/notifications.ts';
import { setDirectCount } from '../lib/stores/title.ts';
import { setDmDirectory } from '../lib/stores/dm-directory.ts';
import type { ConversationSummary } from '../lib/chat/switcher.ts';
import { tickingAt } from '../lib/stores/clock.ts';
import { api, namePatch, type NamePatch } from '../lib/stores/session.ts';
import type { User } from '../lib/types.ts';
import {
  applyControl,
  encodeControl,
  encodeMessage,
  INLINE_IMAGE_TYPES,
  laterId,
  parseContent,
  unreadCount,
  type Control,
  type DmFile,
  type DmMessage,
} from './content.ts';

export type { DmFile, DmMessage } from './content.ts';
import { DmLocalState } from './local-state.ts';
import { KEY_CHECK_INTERVAL_MS, maintainKeys } from './prekeys.ts';
import {
  acknowledgeChanges,
  deviceTrust,
  emptyTrust,
  hasChanges,
  migrateTrust,
  observeDevices,
  pruneDevices,
  setDeviceVerified,
  userTrust,
  type DeviceTrust,
  type TrustState,
} from './trust.ts';

export interface ConversationMember {
  id: string;
  username: string;
  displayName: string;
}

export interface Conversation {
  id: string;
  kind: 1 | 2;
  name: string | null;
  ownerId: string;
  members: ConversationMember[];
  createdAt: string;
  lastMessageAt: string | null;
}

export interface DeviceInfo {
  deviceId: number;
  registrationId: number;
  identityKey: string;
  name: string | null;
  createdAt: string;
}

interface Envelope {
  id: string;
  messageId: string;
  conversationId: string;
  senderId: string;
  senderDeviceId: number;
  deviceId: number;
  type: number;
  body: string;
  createdAt: string;
}

export interface DmState {
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  deviceId: number | null;
  identityKey: string | null;
  conversations: Conversation[];
  messages: Record<string, DmMessage[]>;
  /** Other users' devices, as last announced. */
  devices: Record<string, DeviceInfo[]>;
  /** Contact devices seen, verified, and appeared or changed since (see trust.ts). */
  trust: TrustState;
  typing: Record<string, { userId: string; until: number } | undefined>;
  /** Per conversation: user id → the newest message id that user's device said it has read. */
  reads: Record<string, Record<string, string>>;
}

const SIGNAL_PREKEY = 3;
const SIGNAL_MESSAGE = 2;
const MAX_KEPT = 500;

const state = writable<DmState>({
  status: 'loading',
  error: null,
  deviceId: null,
  identityKey: null,
  conversations: [],
  messages: {},
  devices: {},
  trust: emptyTrust(),
  typing: {},
  reads: {},
});
export const dm: Readable<DmState> = { subscribe: state.subscribe };

let me: User | null = null;
let device: SignalDevice | null = null;
let deviceId: number | null = null;
let started: Promise<void> | null = null;
const stops: (() => void)[] = [];
/** History, trust marks and the device id, sealed in the device's IndexedDB store (local-state.ts). */
let local: DmLocalState | null = null;

const enc = encodeURIComponent;

function readLocal<T>(name: string, fallback: T): T {
  return local ? local.get(name, fallback) : fallback;
}

function writeLocal(name: string, value: unknown): void {
  void local?.set(name, value);
}

function saveTrust(trust: TrustState): void {
  writeLocal('trust', trust);
}

// --- mutes ---------------------------------------------------------------------------------------

/**
 * Conversations muted on this device: id → when the mute ends (ISO), or null for "until turned back
 * on". Kept in the sealed local store with the history and never sent to the server, which would
 * otherwise learn whom a person would rather not hear from; so it is per device, like the drafts.
 */
const mutesState = writable<Record<string, string | null>>({});
const muteClock = tickingAt(mutesState, (m, now) => {
  const ends = Object.values(m).map((u) => (u ? Date.parse(u) : NaN)).filter((t) => t > now);
  return ends.length > 0 ? Math.min(...ends) : null;
});

/** The conversations muted now (it changes by itself when a timed mute ends). */
export const dmMuted: Readable<ReadonlySet<string>> = derived([mutesState, muteClock], ([m, now]) => new Set(Object.keys(m).filter((id) => muteOn(true, m[id], now))));

/** When the conversation's mute ends (null: until turned back on); undefined when it is not muted. */
export function dmMuteEnd(conversationId: string): string | null | undefined {
  return get(dmMuted).has(conversationId) ? (get(mutesState)[conversationId] ?? null) : undefined;
}

/** Mutes a conversation on this device until `until` (null: until turned back on), or unmutes it (false). */
export function muteConversation(conversationId: string, until: string | null | false): void {
  mutesState.update((m) => {
    const next = Object.fromEntries(Object.entries(m).filter(([id, u]) => id !== conversationId && muteOn(true, u, Date.now())));
    if (until !== false) {
      next[conversationId] = until;
    }
    writeLocal('dm-mutes', next);
    return next;
  });
}

/** A conversation's name, or its other members' names. */
export function titleOf(c: Conversation, me: string): string {
  return c.name ?? (c.members.filter((m) => m.id !== me).map((m) => m.displayName).join(', ') || 'Just you');
}

/** Starts DMs for `user` once per tab: the device, the conversations, the live envelopes. */
export function startDm(user: User): Promise<void> {
  if (started && me?.id === user.id) {
    return started;
  }
  me = user;
  mutesState.set({});
  started = boot().catch((err: unknown) => {
    state.update((s) => ({ ...s, status: 'error', error: err instanceof Error ? err.message : String(err) }));
    started = null;
  });
  return started;
}

async function boot(): Promise<void> {
  state.update((s) => ({ ...s, status: 'loading', error: null }));
  const store = await openIndexedDbStore(`lescopains-e2ee-${me!.id}`);
  // Older versions kept this in localStorage, in clear: moved into the sealed store once.
  local = await DmLocalState.open(store, me!.id, localStorage);
  await local.load(['trust', 'identities', 'verified', 'key-changed', 'device-id', 'signed-prekey-uploaded', 'own-devices-known', 'dm-mutes']);
  mutesState.set(readLocal<Record<string, string | null>>('dm-mutes', {}));
  let trust = readLocal<TrustState | null>('trust', null);
  if (!trust) {
    trust = migrateTrust(readLocal('identities', {}), readLocal('verified', {}), readLocal('key-changed', {}));
    saveTrust(trust);
    for (const old of ['identities', 'verified', 'key-changed']) {
      writeLocal(old, undefined);
    }
  }
  state.update((s) => ({ ...s, trust: trust! }));
  device = (await loadDevice(store)) ?? null;
  deviceId = readLocal<number | null>('device-id', null);
  const registered = await api.request<{ devices: DeviceInfo[] }>('GET', '/api/dm/devices');
  const mine = registered.devices.find((d) => d.deviceId === deviceId);
  if (!device || !mine || mine.identityKey !== device.identityKey) {
    await registerDevice(store);
  } else {
    await refillPreKeys();
  }
  // The account's other devices: those it had when this device joined are trusted on first use.
  noteDevices(me!.id, registered.devices);
  const timer = setInterval(() => void refillPreKeys().catch(() => undefined), KEY_CHECK_INTERVAL_MS);
  stops.push(() => clearInterval(timer));

  stops.push(
    onGatewayEvent('dm:envelope', (e) => void receive([e as Envelope], true)),
    onGatewayEvent('dm:conversation', (c) => upsertConversation(c as Conversation)),
    onGatewayEvent('dm:removed', (e) => removeConversation((e as { conversationId: string }).conversationId)),
    // Someone renamed themselves: every conversation they are in shows the new name at once.
    onGatewayEvent('user:update', (e) => {
      const user = (e as { user?: { id?: unknown } } | null)?.user;
      const names = namePatch(user);
      if (typeof user?.id === 'string' && names) {
        renameMember(user.id, names);
      }
    }),
    onGatewayEvent('dm:devices', (e) => {
      const { userId, devices } = e as { userId: string; devices: DeviceInfo[] };
      noteDevices(userId, devices);
    }),
    onGatewayEvent('dm:typing', (e) => {
      const { conversationId, userId } = e as { conversationId: string; userId: string };
      state.update((s) => ({ ...s, typing: { ...s.typing, [conversationId]: { userId, until: Date.now() + 6000 } } }));
    }),
  );
  // After every (re)connect this connection says which device it is, then catches up.
  let last = '';
  stops.push(
    connectionState.subscribe((c) => {
      if (c === 'connected' && last !== 'connected') {
        void attach();
      }
      last = c;
    }),
  );

  const { conversations } = await api.request<{ conversations: Conversation[] }>('GET', '/api/dm/conversations');
  await local.load([...conversations.flatMap((c) => [`messages:${c.id}`, `reads:${c.id}`]), 'receipts-sent', 'unread-tracked']);
  const messages: Record<string, DmMessage[]> = {};
  const reads: Record<string, Record<string, string>> = {};
  // Unread counts came with this version: history a device already held counts as seen.
  const tracked = readLocal('unread-tracked', false);
  for (const c of conversations) {
    messages[c.id] = readLocal<DmMessage[]>(`messages:${c.id}`, []);
    reads[c.id] = readLocal<Record<string, string>>(`reads:${c.id}`, {});
    const newest = messages[c.id]!.at(-1);
    if (!tracked && newest && reads[c.id]![me!.id] === undefined) {
      reads[c.id] = { ...reads[c.id], [me!.id]: newest.id };
      writeLocal(`reads:${c.id}`, reads[c.id]);
    }
  }
  if (!tracked) {
    writeLocal('unread-tracked', true);
  }
  state.update((s) => ({ ...s, status: 'ready', deviceId, identityKey: device!.identityKey, conversations, messages, reads }));
  await fetchPending();
}

async function registerDevice(store: ProtocolStore): Promise<void> {
  const created = await createDevice(store);
  device = created.device;
  const u = created.upload;
  const res = await api.request<{ device: DeviceInfo }>('POST', '/api/dm/devices', {
    body: {
      registrationId: u.registrationId,
      identityKey: u.identityKey,
      signedPreKey: toServerSigned(u.signedPreKey),
      kyberLastResortPreKey: toServerSigned(u.lastResortKyberPreKey),
      name: deviceName(),
      preKeys: u.oneTimePreKeys.map((k) => ({ keyId: k.id, publicKey: k.publicKey })),
      kyberPreKeys: u.oneTimeKyberPreKeys.map(toServerSigned),
    },
  });
  deviceId = res.device.deviceId;
  writeLocal('device-id', deviceId);
  writeLocal('signed-prekey-uploaded', u.signedPreKey.id);
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chromium' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `${browser} on ${navigator.platform || 'this computer'}`.slice(0, 100);
}

function toServerSigned(k: { id: number; publicKey: string; signature: string }) {
  return { keyId: k.id, publicKey: k.publicKey, signature: k.signature };
}

let maintaining: Promise<void> | null = null;

/** Rotates the signed prekey when due and refills the one-time pools (prekeys.ts); one run at a time. */
function refillPreKeys(): Promise<void> {
  if (!device || deviceId === null) {
    return Promise.resolve();
  }
  const [dev, id] = [device, deviceId];
  maintaining ??= maintainKeys(
    dev,
    {
      counts: () => api.request<{ preKeys: number; kyberPreKeys: number }>('GET', `/api/dm/devices/${id}/prekeys`),
      uploadPreKeys: async (preKeys, kyber) => {
        await api.request('POST', `/api/dm/devices/${id}/prekeys`, {
          body: { preKeys: preKeys.map((k) => ({ keyId: k.id, publicKey: k.publicKey })), kyberPreKeys: kyber.map(toServerSigned) },
        });
      },
      uploadSignedPreKey: async (k) => {
        await api.request('PUT', `/api/dm/devices/${id}/signed-prekey`, { body: { signedPreKey: toServerSigned(k) } });
      },
    },
    { now: Date.now, uploadedSignedPreKeyId: readLocal<number | undefined>('signed-prekey-uploaded', undefined) },
  )
    .then((r) => writeLocal('signed-prekey-uploaded', r.uploadedSignedPreKeyId))
    .finally(() => (maintaining = null));
  return maintaining;
}

async function attach(): Promise<void> {
  if (deviceId === null) {
    return;
  }
  try {
    await invoke('DmUseDevice', deviceId);
    await fetchPending();
  } catch {
    // The next reconnect tries again.
  }
}

async function fetchPending(): Promise<void> {
  if (deviceId === null) {
    return;
  }
  const { envelopes } = await api.request<{ envelopes: Envelope[] }>('GET', `/api/dm/devices/${deviceId}/envelopes?limit=500`);
  await receive(envelopes);
}

let receiving: Promise<void> = Promise.resolve();

/**
 * Decrypts envelopes one at a time, in arrival order, and acknowledges them. `live`: they came as
 * events (not the backlog fetched on connect), so a new message may raise a notification.
 */
function receive(envelopes: Envelope[], live = false): Promise<void> {
  receiving = receiving.then(async () => {
    const done: string[] = [];
    for (const e of envelopes) {
      if (!device || e.deviceId !== deviceId) {
        continue;
      }
      if (get(state).messages[e.conversationId]?.some((m) => m.id === e.messageId)) {
        done.push(e.id);
        continue;
      }
      try {
        const out = await device.decrypt({
          senderUserId: e.senderId,
          senderDeviceId: e.senderDeviceId,
          type: e.type === SIGNAL_PREKEY ? 'prekey' : 'message',
          body: e.body,
        });
        noteIdentity(e.senderId, e.senderDeviceId, out.senderIdentityKey);
        // The conversation is bound inside the ciphertext: a server cannot move a message elsewhere.
        const content = parseContent(out.plaintext, e.conversationId);
        if (content?.kind === 'message') {
          await ensureConversation(e.conversationId);
          addMessage({
            id: e.messageId,
            conversationId: e.conversationId,
            authorId: e.senderId,
            text: content.text,
            sentAt: content.sentAt,
            status: 'sent',
            ...(content.files.length > 0 ? { files: content.files } : {}),
          });
          if (live && e.senderId !== me?.id) {
            notifyDirect(e.conversationId, e.messageId, e.senderId, content.text, content.files.length);
          }
          if (get(state).typing[e.conversationId]?.userId === e.senderId) {
            state.update((s) => ({ ...s, typing: { ...s.typing, [e.conversationId]: undefined } }));
          }
        } else if (content?.kind === 'control') {
          // The sender is the user whose session decrypted this: applyControl checks authorship.
          applyLocal(e.conversationId, e.senderId, content.control, content.sentAt);
        }
      } catch (err) {
        console.warn('dm: an envelope could not be decrypted', err);
      }
      done.push(e.id);
    }
    if (done.length > 0 && deviceId !== null) {
      await api.request('POST', `/api/dm/devices/${deviceId}/envelopes/ack`, { body: { ids: done } }).catch(() => undefined);
      void refillPreKeys().catch(() => undefined);
    }
  });
  return receiving;
}

/** A desktop notification for a direct message (if switched on and the person is elsewhere). */
function notifyDirect(conversationId: string, messageId: string, senderId: string, text: string, files: number): void {
  if (get(dmMuted).has(conversationId)) {
    return;
  }
  notify({
    tag: `dm:${messageId}`,
    path: `/channels/@me/${encodeURIComponent(conversationId)}`,
    content: () => {
      const c = get(state).conversations.find((x) => x.id === conversationId);
      const sender = c?.members.find((m) => m.id === senderId)?.displayName ?? 'Someone';
      const author = c && c.kind === 2 && me ? `${sender} (${titleOf(c, me.id)})` : sender;
      return directNotice({ author, text, files, preview: get(notifyPrefs).preview });
    },
  });
}

function addMessage(m: DmMessage): void {
  state.update((s) => {
    const list = (s.messages[m.conversationId] ?? []).filter((x) => x.id !== m.id);
    list.push(m);
    list.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    return { ...s, messages: { ...s.messages, [m.conversationId]: keep(m.conversationId, list) } };
  });
}

function keep(conversationId: string, list: DmMessage[]): DmMessage[] {
  const kept = list.slice(-MAX_KEPT);
  if (me) {
    writeLocal(`messages:${conversationId}`, kept.filter((x) => x.status === 'sent'));
  }
  return kept;
}

/** Applies a control message from `senderId` (a read receipt, or a change to a message). */
function applyLocal(conversationId: string, senderId: string, control: Control, at: string): void {
  state.update((s) => {
    if (control.kind === 'read') {
      const reads = { ...(s.reads[conversationId] ?? {}) };
      reads[senderId] = laterId(reads[senderId], control.upTo);
      writeLocal(`reads:${conversationId}`, reads);
      return { ...s, reads: { ...s.reads, [conversationId]: reads } };
    }
    const next = applyControl(s.messages[conversationId] ?? [], senderId, control, at);
    return next ? { ...s, messages: { ...s.messages, [conversationId]: keep(conversationId, next) } } : s;
  });
}

async function ensureConversation(id: string): Promise<void> {
  if (!get(state).conversations.some((c) => c.id === id)) {
    upsertConversation(await api.request<Conversation>('GET', `/api/dm/conversations/${enc(id)}`));
  }
}

function upsertConversation(c: Conversation): void {
  state.update((s) => ({ ...s, conversations: [c, ...s.conversations.filter((x) => x.id !== c.id)] }));
  if (!get(state).messages[c.id] && local) {
    // A conversation new to this visit: its history (if any) comes from the sealed store.
    const name = `messages:${c.id}`;
    void local.load([name]).then(() => {
      const kept = readLocal<DmMessage[]>(name, []);
      state.update((s) => {
        const merged = [...kept.filter((m) => !(s.messages[c.id] ?? []).some((x) => x.id === m.id)), ...(s.messages[c.id] ?? [])];
        merged.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
        return { ...s, messages: { ...s.messages, [c.id]: merged } };
      });
    });
  }
}

function renameMember(userId: string, names: NamePatch): void {
  const differs = (m: { displayName: string; username: string }) =>
    (names.displayName !== undefined && m.displayName !== names.displayName) || (names.username !== undefined && m.username !== names.username);
  state.update((s) => ({
    ...s,
    conversations: s.conversations.map((c) =>
      c.members.some((m) => m.id === userId && differs(m))
        ? { ...c, members: c.members.map((m) => (m.id === userId ? { ...m, ...names } : m)) }
        : c,
    ),
  }));
}

function removeConversation(id: string): void {
  state.update((s) => ({ ...s, conversations: s.conversations.filter((c) => c.id !== id) }));
}

function updateTrust(f: (t: TrustState) => TrustState): void {
  state.update((s) => {
    const trust = f(s.trust);
    if (trust === s.trust) {
      return s;
    }
    saveTrust(trust);
    return { ...s, trust };
  });
}

/** A message came from a user's device: a key this device has not seen for it warns (trust.ts). */
function noteIdentity(userId: string, devId: number, identityKey: string): void {
  if (userId === me?.id) {
    return;
  }
  if (Object.keys(get(state).trust.seen).some((k) => k.startsWith(userId + '.'))) {
    updateTrust((t) => observeDevices(t, userId, [{ deviceId: devId, identityKey }]));
  } else {
    // First contact: take in all their devices at once, so none is reported as "new".
    void devicesOf(userId).catch(() => undefined);
  }
}

/** A user's device list, announced or fetched: new devices and changed keys warn (trust.ts). */
function noteDevices(userId: string, devices: DeviceInfo[]): void {
  state.update((s) => ({ ...s, devices: { ...s.devices, [userId]: devices } }));
  // The account's own other devices too: each receives a copy of every message, so one added
  // behind the user's back (a hostile server) must not go unnoticed.
  const own = userId === me?.id;
  const watched = own ? devices.filter((d) => d.deviceId !== deviceId) : devices;
  // This device's first look at its account's device list trusts what is there; after that, even
  // a first other device warns.
  const known = own ? readLocal('own-devices-known', false) : undefined;
  updateTrust((t) => pruneDevices(observeDevices(t, userId, watched, known), userId, watched));
  if (own && !known) {
    writeLocal('own-devices-known', true);
  }
}

/** This account's other devices that appeared since this device knew the account's devices. */
export function newOwnDevices(s: DmState): DeviceInfo[] {
  return me ? (s.devices[me.id] ?? []).filter((d) => deviceTrust(s.trust, me!.id, d) === 'changed') : [];
}

/** Marks one device of `userId` verified (after comparing its safety number), or clears the mark. */
export function setDeviceVerification(userId: string, d: { deviceId: number; identityKey: string }, verified: boolean): void {
  updateTrust((t) => setDeviceVerified(t, userId, d, verified));
}

/** Dismisses the "new device / key changed" warning for `userId` without verifying. */
export function acknowledgeKeyChange(userId: string): void {
  updateTrust((t) => acknowledgeChanges(t, userId));
}

/** `userId`'s trust as the UI shows it: verified when all their devices are, changed when any is new. */
export function trustOf(s: DmState, userId: string): { verified: boolean; changed: boolean } {
  return { verified: userTrust(s.trust, userId, s.devices[userId] ?? []).verified, changed: hasChanges(s.trust, userId) };
}

/** Fetches the device lists of `userIds` not fetched yet in this visit (trust marks need them). */
export function watchDevices(userIds: string[]): void {
  for (const id of userIds) {
    if (id !== me?.id && !get(state).devices[id]) {
      void devicesOf(id).catch(() => undefined);
    }
  }
}

async function devicesOf(userId: string): Promise<DeviceInfo[]> {
  const { devices } = await api.request<{ devices: DeviceInfo[] }>('GET', `/api/dm/users/${enc(userId)}/devices`);
  noteDevices(userId, devices);
  return devices;
}

/** Bundles for the devices without a session: one device alone is asked for alone, so no other device's prekeys are spent. */
async function bundles(userId: string, deviceIds: number[]): Promise<PreKeyBundle[]> {
  const res = await api.request<{
    devices: {
      deviceId: number;
      registrationId: number;
      identityKey: string;
      signedPreKey: { keyId: number; publicKey: string; signature: string };
      preKey?: { keyId: number; publicKey: string };
      kyberPreKey?: { keyId: number; publicKey: string; signature: string };
    }[];
  }>('GET', `/api/dm/users/${enc(userId)}/bundles${deviceIds.length === 1 ? `?deviceId=${deviceIds[0]}` : ''}`);
  return res.devices
    .filter((d) => deviceIds.includes(d.deviceId) && d.kyberPreKey)
    .map((d) => ({
      deviceId: d.deviceId,
      registrationId: d.registrationId,
      identityKey: d.identityKey,
      signedPreKey: { id: d.signedPreKey.keyId, publicKey: d.signedPreKey.publicKey, signature: d.signedPreKey.signature },
      kyberPreKey: { id: d.kyberPreKey!.keyId, publicKey: d.kyberPreKey!.publicKey, signature: d.kyberPreKey!.signature },
      ...(d.preKey ? { oneTimePreKey: { id: d.preKey.keyId, publicKey: d.preKey.publicKey } } : {}),
    }));
}

/**
 * Encrypts `plaintext` for every device of every member (own other devices included) and posts
 * it; retries with fresh device lists when the server says they changed. Returns the message id.
 */
async function post(conversationId: string, plaintext: Uint8Array, clientMessageId: string): Promise<string> {
  const conversation = get(state).conversations.find((c) => c.id === conversationId);
  if (!conversation || !device || deviceId === null || !me) {
    throw new Error('This conversation is not ready yet.');
  }
  for (let attempt = 0; ; attempt++) {
    const recipients: DeviceAddress[] = [];
    for (const member of conversation.members) {
      for (const d of await devicesOf(member.id)) {
        if (!(member.id === me.id && d.deviceId === deviceId)) {
          recipients.push({ userId: member.id, deviceId: d.deviceId });
        }
      }
    }
    const envelopes = await device.encryptForDevices(recipients, plaintext, bundles);
    try {
      const res = await api.request<{ messageId: string }>('POST', `/api/dm/conversations/${enc(conversationId)}/messages`, {
        body: {
          senderDeviceId: deviceId,
          clientMessageId,
          envelopes: envelopes.map((e) => ({ userId: e.userId, deviceId: e.deviceId, type: e.type === 'prekey' ? SIGNAL_PREKEY : SIGNAL_MESSAGE, body: e.body })),
        },
      });
      return res.messageId;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'devices_changed' && attempt < 3) {
        // Someone added or removed a device: drop sessions with devices that are gone, retry.
        const present = new Set<string>();
        for (const member of conversation.members) {
          for (const d of await devicesOf(member.id)) {
            present.add(`${member.id}.${d.deviceId}`);
          }
        }
        for (const r of recipients) {
          if (!present.has(`${r.userId}.${r.deviceId}`)) {
            await device.forgetDevice(r);
          }
        }
        continue;
      }
      throw err;
    }
  }
}

const newClientId = () => crypto.randomUUID().replaceAll('-', '');

/** Sends a message (text and/or encrypted files already uploaded with `uploadDmFile`). */
export async function sendDm(conversationId: string, text: string, files: DmFile[] = []): Promise<void> {
  if (!me) {
    throw new Error('This conversation is not ready yet.');
  }
  const clientMessageId = newClientId();
  const sentAt = new Date().toISOString();
  const pendingId = 'pending-' + clientMessageId;
  const extra = files.length > 0 ? { files } : {};
  addMessage({ id: pendingId, conversationId, authorId: me.id, text, sentAt, status: 'sending', ...extra });
  try {
    const messageId = await post(conversationId, encodeMessage(conversationId, sentAt, text, files), clientMessageId);
    state.update((s) => ({ ...s, messages: { ...s.messages, [conversationId]: (s.messages[conversationId] ?? []).filter((m) => m.id !== pendingId) } }));
    addMessage({ id: messageId, conversationId, authorId: me.id, text, sentAt, status: 'sent', ...extra });
  } catch (err) {
    state.update((s) => ({
      ...s,
      messages: { ...s.messages, [conversationId]: (s.messages[conversationId] ?? []).map((m) => (m.id === pendingId ? { ...m, status: 'failed' as const } : m)) },
    }));
    throw err;
  }
}

/**
 * Sends a control message (reaction, edit, delete, read receipt) through the same encrypted path
 * as a message, and applies it here once the server took it.
 */
async function sendControl(conversationId: string, control: Control): Promise<void> {
  const sentAt = new Date().toISOString();
  await post(conversationId, encodeControl(conversationId, sentAt, control), newClientId());
  applyLocal(conversationId, me!.id, control, sentAt);
}

/** Adds or removes my `emoji` reaction on a message. */
export function reactDm(conversationId: string, target: string, emoji: string, on: boolean): Promise<void> {
  return sendControl(conversationId, { kind: 'reaction', target, emoji, on });
}

/** Replaces the text of one of my messages on every member's devices. */
export function editDm(conversationId: string, target: string, text: string): Promise<void> {
  return sendControl(conversationId, { kind: 'edit', target, text });
}

/** Deletes one of my messages on every member's devices, and its encrypted files on the server. */
export async function deleteDm(conversationId: string, target: string): Promise<void> {
  const files = get(state).messages[conversationId]?.find((m) => m.id === target)?.files ?? [];
  await sendControl(conversationId, { kind: 'delete', target });
  for (const f of files) {
    await api.request('DELETE', `/api/dm/attachments/${enc(f.id)}`).catch(() => undefined);
  }
}

/** Last receipt this device sent per conversation, so a reload does not send it again. */
let receiptsSent: Record<string, string> | null = null;

/**
 * Unread messages per conversation id: others' messages after the newest one this person has seen
 * (`reads[conversation][me]`: set by this device when the conversation is on screen, and in a 1:1
 * also by the read receipts of their other devices).
 */
export const dmUnread: Readable<Record<string, number>> = derived(state, (s) => {
  const out: Record<string, number> = {};
  if (me) {
    for (const c of s.conversations) {
      out[c.id] = unreadCount(s.messages[c.id] ?? [], me.id, s.reads[c.id]?.[me.id]);
    }
  }
  return out;
});
// The Home button and the title count what waits outside muted conversations (as Signal's badge).
derived([dmUnread, dmMuted], (x) => x).subscribe(([u, muted]) =>
  setDirectCount(Object.entries(u).reduce((sum, [id, n]) => sum + (muted.has(id) ? 0 : n), 0)),
);

/** A conversation as the quick switcher lists it: the name, avatar and unread count DmSidebar shows. */
function summarize(c: Conversation, myId: string, unread: number, muted: boolean): ConversationSummary {
  const others = c.members.filter((m) => m.id !== myId);
  return {
    id: c.id,
    title: titleOf(c, myId),
    memberNames: others.flatMap((m) => [m.displayName, m.username]),
    avatarId: c.kind === 2 ? c.id : (others[0] ?? c.members[0])?.id ?? c.id,
    group: c.kind === 2,
    unread,
    muted,
  };
}

// The quick switcher (outside this chunk) reaches conversations through lib/stores/dm-directory.ts.
// Most changes of the state are messages and typing: only a change the switcher shows is passed on.
let published = 'null';
derived([state, dmUnread, dmMuted], (x) => x).subscribe(([s, unread, muted]) => {
  const who = me;
  const next = who && s.status === 'ready' ? { userId: who.id, conversations: s.conversations.map((c) => summarize(c, who.id, unread[c.id] ?? 0, muted.has(c.id))) } : null;
  const key = JSON.stringify(next);
  if (key !== published) {
    published = key;
    setDmDirectory(next);
  }
});

/**
 * Marks the conversation seen up to its newest message, and tells the other side of a 1:1 which
 * message this device has read, once per newer message. Groups get no receipts: each one would be a
 * fan-out to every member's devices.
 */
export async function markRead(conversationId: string): Promise<void> {
  const s = get(state);
  const conversation = s.conversations.find((c) => c.id === conversationId);
  const newest = [...(s.messages[conversationId] ?? [])].reverse().find((m) => m.status === 'sent' && !m.deleted);
  if (newest && me && laterId(s.reads[conversationId]?.[me.id], newest.id) !== s.reads[conversationId]?.[me.id]) {
    applyLocal(conversationId, me.id, { kind: 'read', upTo: newest.id }, new Date().toISOString());
  }
  if (!conversation || conversation.kind !== 1 || !newest || newest.authorId === me?.id) {
    return;
  }
  receiptsSent ??= readLocal<Record<string, string>>('receipts-sent', {});
  if (laterId(receiptsSent[conversationId], newest.id) === receiptsSent[conversationId]) {
    return;
  }
  receiptsSent[conversationId] = newest.id;
  writeLocal('receipts-sent', receiptsSent);
  await sendControl(conversationId, { kind: 'read', upTo: newest.id });
}

/** Plaintext limit of a file: the ciphertext (plus the 16-byte GCM tag) must fit the server's limit. */
export const MAX_DM_FILE = 10 * 1024 * 1024 - 16;

/** An upload of one encrypted file, as the composer tracks it. */
export interface DmUpload {
  promise: Promise<DmFile>;
  abort: () => void;
}

/**
 * Encrypts `file` in the browser with a fresh AES-256-GCM key and uploads only the ciphertext
 * into the conversation; resolves to what the message must carry to let members open it.
 */
export function uploadDmFile(conversationId: string, file: File, onprogress: (loaded: number, total: number) => void): DmUpload {
  const xhr = new XMLHttpRequest();
  let aborted = false;
  let stored: string | null = null;
  const promise = (async (): Promise<DmFile> => {
    if (file.size > MAX_DM_FILE) {
      throw new ApiError(413, 'file_too_large', `Files are at most ${MAX_DM_FILE} bytes.`);
    }
    const plaintext = new Uint8Array(await file.arrayBuffer());
    const size = await imageSize(file);
    const { ciphertext, key } = await encryptAttachment(plaintext);
    const token = await api.accessToken();
    if (aborted) {
      throw new ApiError(0, 'aborted', 'Upload cancelled.');
    }
    const uploaded = await new Promise<{ id: string }>((resolve, reject) => {
      xhr.open('POST', `/api/dm/conversations/${enc(conversationId)}/attachments`);
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = (e) => onprogress(e.loaded, e.lengthComputable ? e.total : ciphertext.length);
      xhr.onload = () => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          // A proxy's page: the status has to do.
        }
        if (xhr.status === 201) {
          resolve(parsed as { id: string });
        } else {
          reject(errorFromBody(xhr.status, parsed, xhr.getResponseHeader('Retry-After')));
        }
      };
      xhr.onerror = () => reject(new ApiError(0, 'network_error', 'Network error'));
      xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
      xhr.send(new Blob([ciphertext.slice().buffer as ArrayBuffer]));
    });
    stored = uploaded.id;
    return {
      id: uploaded.id,
      ...key,
      name: file.name.slice(0, 255) || 'file',
      type: file.type.slice(0, 255),
      size: file.size,
      ...size,
    };
  })();
  return {
    promise,
    // Removed from the composer before sending: the ciphertext is of no use to anyone, delete it.
    abort: () => {
      aborted = true;
      xhr.abort();
      if (stored) {
        void api.request('DELETE', `/api/dm/attachments/${enc(stored)}`).catch(() => undefined);
      }
    },
  };
}

async function imageSize(file: File): Promise<{ width?: number; height?: number }> {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') {
    return {};
  }
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return {};
  }
}

/** Downloads an encrypted file (members only), checks its SHA-256 digest and decrypts it. */
export async function openDmFile(f: DmFile): Promise<Blob> {
  const token = await api.accessToken();
  const res = await fetch(`/api/dm/attachments/${enc(f.id)}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      // Not JSON.
    }
    throw errorFromBody(res.status, body, res.headers.get('Retry-After'));
  }
  const plaintext = await decryptAttachment(new Uint8Array(await res.arrayBuffer()), { key: f.key, iv: f.iv, digest: f.digest });
  // Only pictures keep the sender's type: anything else is an opaque download, never a page
  // (a blob: URL runs in this origin, so an HTML "file" must not be openable as HTML).
  return new Blob([plaintext.slice().buffer as ArrayBuffer], { type: INLINE_IMAGE_TYPES.includes(f.type) ? f.type : 'application/octet-stream' });
}

/** Opens (or creates) the 1:1 conversation with `username`. */
export async function openDirect(username: string): Promise<Conversation> {
  const c = await api.request<Conversation>('POST', '/api/dm/conversations', { body: { username } });
  upsertConversation(c);
  return c;
}

/** Creates a group with the given usernames (resolved one by one through their 1:1 ids). */
export async function createGroup(usernames: string[], name: string | null): Promise<Conversation> {
  const ids: string[] = [];
  for (const u of usernames) {
    const direct = await api.request<Conversation>('POST', '/api/dm/conversations', { body: { username: u } });
    upsertConversation(direct);
    const other = direct.members.find((m) => m.id !== me!.id);
    if (other) {
      ids.push(other.id);
    }
  }
  const c = await api.request<Conversation>('POST', '/api/dm/conversations', { body: { userIds: ids, name } });
  upsertConversation(c);
  return c;
}

export function typing(conversationId: string): void {
  void invoke('DmTyping', conversationId).catch(() => undefined);
}

/** This device and the account's other devices. */
export async function myDevices(): Promise<DeviceInfo[]> {
  return (await api.request<{ devices: DeviceInfo[] }>('GET', '/api/dm/devices')).devices;
}

export async function removeDevice(id: number): Promise<void> {
  await api.request('DELETE', `/api/dm/devices/${id}`);
}

/** The safety number of this device with one device of a contact. */
export interface DeviceSafetyNumber {
  deviceId: number;
  deviceName: string | null;
  identityKey: string;
  display: string;
  scannable: Uint8Array;
  trust: DeviceTrust;
}

/**
 * The safety numbers with `other`: one per device of theirs, since each device has its own
 * identity key (made as libsignal's fingerprint generator does, from this device's key and theirs).
 */
export async function safetyNumbersWith(other: ConversationMember): Promise<DeviceSafetyNumber[]> {
  const theirs = await devicesOf(other.id);
  if (!device || !me) {
    return [];
  }
  const out: DeviceSafetyNumber[] = [];
  for (const d of theirs) {
    const n = await safetyNumber({ id: me.id, identityKey: device.identityKey }, { id: other.id, identityKey: d.identityKey });
    out.push({
      deviceId: d.deviceId,
      deviceName: d.name,
      identityKey: d.identityKey,
      display: n.display,
      scannable: n.scannable,
      trust: deviceTrust(get(state).trust, other.id, d),
    });
  }
  return out;
}

export function stopDm(): void {
  for (const stop of stops.splice(0)) {
    stop();
  }
  started = null;
}

/** This browser's Signal device once DMs have started (null before, or when setting it up failed). */
export function signalDeviceId(): number | null {
  return device ? deviceId : null;
}

/** Declares this connection's device again (a voice connection that was made before DMs started). */
export async function useDeviceOnConnection(): Promise<void> {
  if (deviceId !== null) {
    await invoke('DmUseDevice', deviceId);
  }
}

/**
 * Encrypts `plaintext` for the devices of `userIds` (not this account's): the device named in
 * `preferred` for a user when there is one, else their `perUser` newest devices. Returns the
 * envelopes as the hub takes them (type 3 = prekey, 2 = message).
 */
export async function encryptForUsers(
  userIds: string[],
  plaintext: Uint8Array,
  perUser: number,
  preferred: ReadonlyMap<string, number> = new Map(),
): Promise<{ userId: string; deviceId: number; type: number; body: string }[]> {
  if (!device || !me) {
    throw new Error('This device has no end-to-end encryption keys yet.');
  }
  const recipients: DeviceAddress[] = [];
  for (const userId of userIds.filter((u) => u !== me!.id)) {
    const devices = (await devicesOf(userId)).map((d) => d.deviceId).sort((a, b) => b - a);
    const wanted = preferred.get(userId);
    const chosen = wanted !== undefined && devices.includes(wanted) ? [wanted] : devices.slice(0, perUser);
    recipients.push(...chosen.map((d) => ({ userId, deviceId: d })));
  }
  const envelopes = await device.encryptForDevices(recipients, plaintext, bundles);
  return envelopes.map((e) => ({ userId: e.userId, deviceId: e.deviceId, type: e.type === 'prekey' ? SIGNAL_PREKEY : SIGNAL_MESSAGE, body: e.body }));
}

/** Decrypts one envelope from `senderUserId`'s device `senderDeviceId`; the session authenticates the sender. */
export async function decryptFrom(senderUserId: string, senderDeviceId: number, type: number, body: string): Promise<Uint8Array> {
  if (!device) {
    throw new Error('This device has no end-to-end encryption keys yet.');
  }
  const out = await device.decrypt({ senderUserId, senderDeviceId, type: type === SIGNAL_PREKEY ? 'prekey' : 'message', body });
  if (out.senderUserId !== senderUserId || out.senderDeviceId !== senderDeviceId) {
    throw new Error('The envelope was not sent by the device it claims.');
  }
  noteIdentity(senderUserId, senderDeviceId, out.senderIdentityKey);
  return out.plaintext;
}

/** The safety-number mark this device keeps for `userId`: verified when all their devices are. */
export function verificationOf(userId: string): 'verified' | 'unverified' {
  return trustOf(get(state), userId).verified ? 'verified' : 'unverified';
}
