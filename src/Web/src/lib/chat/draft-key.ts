/** The localStorage key of one account's drafts (lib/chat/drafts.ts). */
export function draftStorageKey(userId: string): string {
  return `lescopains.drafts.${userId}`;
}
