/**
 * Decides when the subscriber peer connection is dead and must be rebuilt. A connection can die
 * without anyone being told: ICE fails after a network change, or the SFU side of it was replaced
 * while the browser kept the old one. The session feeds it once a second; it answers true when the
 * connection should be replaced, then starts counting again.
 */
export interface SubscriberSample {
  /** The subscriber connection's state, or null when there is none. */
  connection: RTCPeerConnectionState | null;
  /** Audio packets received on it so far. */
  audioPackets: number;
  /** Whether someone we subscribe to is sending audio now (publishing, not muted). */
  expectAudio: boolean;
}

export class SubscriberWatchdog {
  /** Time to reach `connected` (from creation or from losing it) before giving up. */
  static readonly ConnectMs = 15_000;
  /** Time without a single audio packet while someone we hear is unmuted. */
  static readonly SilenceMs = 15_000;

  private notConnectedSince: number | null = null;
  private lastPackets = -1;
  private packetsChangedAt = 0;

  /** True when the connection should be replaced now. */
  check(now: number, s: SubscriberSample): boolean {
    if (s.connection === null) {
      this.reset();
      return false;
    }
    if (s.connection === 'failed' || s.connection === 'closed') {
      // The session closes a connection only as it drops it: a closed one still in use was closed under it.
      return this.fire();
    }
    if (s.connection !== 'connected') {
      this.notConnectedSince ??= now;
      this.lastPackets = -1;
      return now - this.notConnectedSince >= SubscriberWatchdog.ConnectMs ? this.fire() : false;
    }
    this.notConnectedSince = null;
    if (!s.expectAudio || s.audioPackets !== this.lastPackets) {
      this.lastPackets = s.audioPackets;
      this.packetsChangedAt = now;
      return false;
    }
    return now - this.packetsChangedAt >= SubscriberWatchdog.SilenceMs ? this.fire() : false;
  }

  /** Forgets what it saw (a new connection). */
  reset(): void {
    this.notConnectedSince = null;
    this.lastPackets = -1;
    this.packetsChangedAt = 0;
  }

  private fire(): boolean {
    this.reset();
    return true;
  }
}
