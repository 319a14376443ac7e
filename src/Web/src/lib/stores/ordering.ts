/**
 * `voice:state` carries a per-room increasing `version`: events are relayed one-way and two quick
 * updates of one member can arrive swapped, so an event older than the last one applied for the
 * same key (member) is dropped. Events without a version are always applied.
 */
export function isStale(seen: Map<string, number>, key: string, version: number | undefined): boolean {
  if (version === undefined) {
    return false;
  }
  if ((seen.get(key) ?? -1) >= version) {
    return true;
  }
  seen.set(key, version);
  return false;
}
