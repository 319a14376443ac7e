/**
 * `voice:state` carries a per-room increasing `version`: events are relayed one-way and two quick
 * updates of one member can arrive swapped, and a snapshot (`GetVoiceStates`, `VoiceJoin`) can be
 * answered before an event that is already applied here. A {@link VersionedRoster} keeps one room's
 * members consistent under both: per member only a newer event applies, a snapshot replaces the
 * list as of its version and the newer events already received are re-applied on top of it.
 * Events or snapshots without a version (older servers) always apply.
 */
export class VersionedRoster<T extends { userId: string }> {
  private members: T[] = [];
  private snapshotVersion = -1;
  /** The newest event applied per member that is newer than the snapshot. */
  private readonly latest = new Map<string, { version: number; member: T | null }>();

  get list(): T[] {
    return this.members;
  }

  /** Applies one member's event (`member` null: they left); false when it is stale and was dropped. */
  apply(userId: string, member: T | null, version?: number): boolean {
    if (version !== undefined) {
      const seen = Math.max(this.snapshotVersion, this.latest.get(userId)?.version ?? -1);
      if (version <= seen) {
        return false;
      }
      this.latest.set(userId, { version, member });
    }
    this.members = upsert(this.members, userId, member);
    return true;
  }

  /** Replaces the list with a snapshot taken at `version`; false when an applied snapshot is newer. */
  reset(members: T[], version?: number): boolean {
    if (version === undefined) {
      this.members = [...members];
      return true;
    }
    if (version < this.snapshotVersion) {
      return false;
    }
    this.snapshotVersion = version;
    let next = [...members];
    for (const [userId, e] of this.latest) {
      if (e.version <= version) {
        this.latest.delete(userId);
      } else {
        next = upsert(next, userId, e.member);
      }
    }
    this.members = next;
    return true;
  }
}

/** Replaces a member in place, appends a new one, or removes one (`member` null). */
function upsert<T extends { userId: string }>(list: T[], userId: string, member: T | null): T[] {
  if (!member) {
    return list.filter((m) => m.userId !== userId);
  }
  return list.some((m) => m.userId === userId) ? list.map((m) => (m.userId === userId ? member : m)) : [...list, member];
}
