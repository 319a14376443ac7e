// Direct messages in the browser: this browser's Signal device, the conversations, and the
// encrypt → post → push → decrypt loop (docs/API.md, "Direct messages"). The server only ever
// sees the base64 envelopes that the crypto module produces. Loaded as a lazy chunk.
import { get, writable, type Readable } from 'svelte/store';
import {
  createDevice,
  loadDevice,
  openIndexedDbStore,
  safetyNumber,
  type PreKeyBundle,
  type SignalDevice,
  type DeviceAddress,
  type ProtocolStore,
} from '../crypto/index.ts';
import { ApiError } from '../lib/api.ts';
import { connectionState, invoke, onGatewayEvent } from '../lib/gateway.ts';
import { api } from '../lib/stores/session.ts';
import type { User } from '../lib/types.ts';
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

/** A decrypted message as this device keeps it. */
export interface DmMessage {
  id: string;
  conversationId: string;
  authorId: string;
  text: string;
  sentAt: string;
  status: 'sent' | 'sending' | 'failed';
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
  await local.load(['trust', 'identities', 'verified', 'key-changed', 'device-id', 'signed-prekey-uploaded', 'own-devices-known']);
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
    onGatewayEvent('dm:envelope', (e) => void receive([e as Envelope])),
    onGatewayEvent('dm:conversation', (c) => upsertConversation(c as Conversation)),
    onGatewayEvent('dm:removed', (e) => removeConversation((e as { conversationId: string }).conversationId)),
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
  await local.load(conversations.map((c) => `messages:${c.id}`));
  const messages: Record<string, DmMessage[]> = {};
  for (const c of conversations) {
    messages[c.id] = readLocal<DmMessage[]>(`messages:${c.id}`, []);
  }
  state.update((s) => ({ ...s, status: 'ready', deviceId, identityKey: device!.identityKey, conversations, messages }));
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

/** Decrypts envelopes one at a time, in arrival order, and acknowledges them. */
function receive(envelopes: Envelope[]): Promise<void> {
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
        const content = JSON.parse(new TextDecoder().decode(out.plaintext)) as { v: number; conversationId: string; text: string; sentAt: string };
        // The conversation is bound inside the ciphertext: a server cannot move a message elsewhere.
        if (content.conversationId === e.conversationId && typeof content.text === 'string') {
          await ensureConversation(e.conversationId);
          addMessage({ id: e.messageId, conversationId: e.conversationId, authorId: e.senderId, text: content.text, sentAt: content.sentAt, status: 'sent' });
          if (get(state).typing[e.conversationId]?.userId === e.senderId) {
            state.update((s) => ({ ...s, typing: { ...s.typing, [e.conversationId]: undefined } }));
          }
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

function addMessage(m: DmMessage): void {
  state.update((s) => {
    const list = (s.messages[m.conversationId] ?? []).filter((x) => x.id !== m.id);
    list.push(m);
    list.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
    const kept = list.slice(-MAX_KEPT);
    if (me) {
      writeLocal(`messages:${m.conversationId}`, kept.filter((x) => x.status === 'sent'));
    }
    return { ...s, messages: { ...s.messages, [m.conversationId]: kept } };
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

/** Encrypts `text` for every device of every member (own other devices included) and posts it. */
export async function sendDm(conversationId: string, text: string): Promise<void> {
  const conversation = get(state).conversations.find((c) => c.id === conversationId);
  if (!conversation || !device || deviceId === null || !me) {
    throw new Error('This conversation is not ready yet.');
  }
  const clientMessageId = crypto.randomUUID().replaceAll('-', '');
  const sentAt = new Date().toISOString();
  const pendingId = 'pending-' + clientMessageId;
  addMessage({ id: pendingId, conversationId, authorId: me.id, text, sentAt, status: 'sending' });
  const plaintext = new TextEncoder().encode(JSON.stringify({ v: 1, conversationId, text, sentAt }));
  try {
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
        state.update((s) => ({ ...s, messages: { ...s.messages, [conversationId]: (s.messages[conversationId] ?? []).filter((m) => m.id !== pendingId) } }));
        addMessage({ id: res.messageId, conversationId, authorId: me.id, text, sentAt, status: 'sent' });
        return;
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
  } catch (err) {
    state.update((s) => ({
      ...s,
      messages: { ...s.messages, [conversationId]: (s.messages[conversationId] ?? []).map((m) => (m.id === pendingId ? { ...m, status: 'failed' as const } : m)) },
    }));
    throw err;
  }
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
