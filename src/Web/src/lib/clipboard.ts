/**
 * Puts `text` on the clipboard. The Clipboard API needs a secure context (https, or this machine);
 * a server reached over plain http on a LAN gets the older copy command instead. False when
 * neither worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, no focus): try the older way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

/** The address of a message: its channel (or thread) opens around it. */
export function messageLink(origin: string, m: { guildId: string; channelId: string; id: string }): string {
  return `${origin}/channels/${encodeURIComponent(m.guildId)}/${encodeURIComponent(m.channelId)}/${encodeURIComponent(m.id)}`;
}
