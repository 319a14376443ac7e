/**
 * The voice chunk: loaded on first use of a voice channel (dynamic import), never on first load.
 */
export { FrameCrypto, frameTransformSupport, type FrameTransformSupport } from './e2ee.ts';
export type { WorkerStats } from './e2ee-protocol.ts';
export { MediaKeyRing, mediaKeyExchange, registerMediaKeyExchange, makeKid, type MediaKeyExchange, type VerificationState } from './keys.ts';
export { VoiceSession, storedVolume, storeVolume, type SessionState, type VoiceParticipant } from './session.ts';
export { currentSession, joinVoice, leaveVoice, forgetSession, storedDevices, storeDevices, type VoiceDevices } from './current.ts';
export { substreamForWidth, SIMULCAST_ENCODINGS, type StreamSource } from './camera.ts';
