/** What asks for the person's attention while they are elsewhere: the title's count. */

/** Unread mentions over all channels' badges. */
export function mentionTotal(badges: readonly { mentions: number }[]): number {
  let total = 0;
  for (const b of badges) {
    total += Math.max(0, b.mentions);
  }
  return total;
}

/** `title` with the mention count in front ("(3) #general · Guild · LesCopains"); 99+ past 99. */
export function attentionTitle(title: string, mentions: number): string {
  if (mentions <= 0) {
    return title;
  }
  return `(${mentions > 99 ? '99+' : mentions}) ${title}`;
}
