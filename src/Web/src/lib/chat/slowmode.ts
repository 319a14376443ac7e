/**
 * Slowmode (docs/API.md "Slowmode"): one message per member every N seconds in a channel, those
 * who may manage messages or the channel excepted. The server enforces it; the client counts down
 * after each of its sends so that the composer can say how long is left instead of failing.
 */

/** The choices of the channel settings, as Discord offers them (seconds; 0 is off). */
export const SLOWMODE_CHOICES: readonly number[] = [0, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600];

/** "Off", "5s", "2m", "1h", "6h", and "1m 30s" for a value set elsewhere. */
export function slowmodeLabel(seconds: number): string {
  if (seconds <= 0) {
    return 'Off';
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join(' ');
}

/** Whole seconds left before the next send is allowed (0: now). */
export function waitLeft(sentAt: number | null | undefined, seconds: number, now: number): number {
  if (!sentAt || seconds <= 0) {
    return 0;
  }
  return Math.max(0, Math.ceil((sentAt + seconds * 1000 - now) / 1000));
}

/** "0:09", "4:05", "1:00:00": a countdown. */
export function clockLabel(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** When this tab last sent to each channel or thread (for the countdown; forgotten on reload, where the server still refuses). */
const sentAt = new Map<string, number>();

export function noteSent(channelId: string, at = Date.now()): void {
  sentAt.set(channelId, at);
}

export function lastSent(channelId: string): number | null {
  return sentAt.get(channelId) ?? null;
}
