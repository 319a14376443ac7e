/** Own speaking indicator: measured from the microphone, reported to the server on change. */

/**
 * Own speaking state from the microphone's level, with hysteresis: speaking starts after
 * `onMs` above `threshold` and stops after `offMs` below it, so a word does not flap the state.
 */
export class SpeakingDetector {
  speaking = false;
  private since: number | null = null;

  constructor(
    private readonly threshold = 0.02,
    private readonly onMs = 100,
    private readonly offMs = 600,
  ) {}

  /** Feeds one level (RMS, 0–1) at time `now` (ms); returns whether the state changed. */
  sample(level: number, now: number): boolean {
    const loud = level >= this.threshold;
    if (loud === this.speaking) {
      this.since = null;
      return false;
    }
    this.since ??= now;
    if (now - this.since >= (loud ? this.onMs : this.offMs)) {
      this.speaking = loud;
      this.since = null;
      return true;
    }
    return false;
  }
}

/** RMS level (0–1) of an AnalyserNode's byte time-domain data. */
export function rmsLevel(samples: Uint8Array): number {
  if (samples.length === 0) {
    return 0;
  }
  let sum = 0;
  for (const v of samples) {
    const x = (v - 128) / 128;
    sum += x * x;
  }
  return Math.sqrt(sum / samples.length);
}
