/**
 * Decides when a peer connection is dead and must be rebuilt. A connection can die without anyone
 * being told: ICE fails after a network change, or the SFU side of it was replaced (or hung up)
 * while the browser kept the old one. The session keeps one for its receiving (subscriber) and one
 * for its sending (publisher) connection and feeds them once a second; each answers true when its
 * connection should be replaced, then starts counting again.
 */
export interface ConnectionSample {
  /** The connection's state, or null when there is none. */
  connection: RTCPeerConnectionState | null;
  /** Audio packets received on it so far (0 for a sending connection). */
  audioPackets: number;
  /** Whether someone we subscribe to is sending audio now (publishing, not muted); false for a sending connection. */
  expectAudio: boolean;
}

export class ConnectionWatchdog {
  /** Time to reach `connected` (from creation or from losing it) before giving up. */
  static readonly ConnectMs = 15_000;
  /** Time without a single audio packet while someone we hear is unmuted. */
  static readonly SilenceMs = 15_000;

  private notConnectedSince: number | null = null;
  private lastPackets = -1;
  private packetsChangedAt = 0;

  /** True when the connection should be replaced now. */
  check(now: number, s: ConnectionSample): boolean {
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
      return now - this.notConnectedSince >= ConnectionWatchdog.ConnectMs ? this.fire() : false;
    }
    this.notConnectedSince = null;
    if (!s.expectAudio || s.audioPackets !== this.lastPackets) {
      this.lastPackets = s.audioPackets;
      this.packetsChangedAt = now;
      return false;
    }
    return now - this.packetsChangedAt >= ConnectionWatchdog.SilenceMs ? this.fire() : false;
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
