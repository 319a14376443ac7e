import { derived, type Readable } from 'svelte/store';
import { guilds } from './guilds.ts';
import { knownMembers, members } from './members.ts';
import { session } from './session.ts';

/** Names a mention by kind and id; null while unknown. */
export type MentionName = (kind: 'user' | 'role', id: string) => string | null;

/**
 * How mentions read outside a channel's own list (search results, the inbox): per guild, a user by
 * their nickname or display name (the reader by theirs) among the members the tab knows, a role by
 * its name. Callers look unknown members up with `loadMembersById`.
 */
export const mentionNames: Readable<(guildId: string) => MentionName> = derived([members, guilds, session], ([$members, $guilds, $session]) => {
  const me = $session.user;
  return (guildId: string): MentionName => {
    const known = knownMembers($members[guildId]);
    const roles = $guilds.list.find((g) => g.id === guildId)?.roles ?? [];
    return (kind, id) => {
      if (kind === 'role') {
        return roles.find((r) => r.id === id)?.name ?? null;
      }
      if (id === me?.id) {
        return me.displayName;
      }
      const m = known.get(id);
      return m ? (m.nickname ?? m.displayName) : null;
    };
  };
});
