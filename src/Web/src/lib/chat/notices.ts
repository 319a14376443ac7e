/** Desktop notifications: when to raise one, and what it says (stores/notifications.ts raises them). */

/** What the browser allows (`Notification.permission`), or 'unsupported' without the API. */
export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported';

/** This browser's choice: notify for mentions and direct messages, and show their text or not. */
export interface NotifyPrefs {
  enabled: boolean;
  preview: boolean;
}

export const DEFAULT_NOTIFY_PREFS: NotifyPrefs = { enabled: false, preview: true };

/** Longest body shown; the rest is cut with an ellipsis. */
export const NOTICE_BODY_MAX = 180;

/**
 * Whether to raise a desktop notification now: switched on, allowed by the browser, not in Do Not
 * Disturb, and the person is not already looking at LesCopains (page hidden, or the window not
 * focused), as Discord does.
 */
export function shouldNotify(o: { prefs: NotifyPrefs; permission: NotifyPermission; status: string | null; visible: boolean; focused: boolean }): boolean {
  return o.prefs.enabled && o.permission === 'granted' && o.status !== 'dnd' && !(o.visible && o.focused);
}

function cut(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > NOTICE_BODY_MAX ? `${t.slice(0, NOTICE_BODY_MAX - 1).trimEnd()}…` : t;
}

/**
 * A message in a guild (a mention, or any message where the reader asked for all of them):
 * "Alice (#general, Copains)" and the message's text (or not, by choice).
 */
export function mentionNotice(o: { author: string; channel: string | null; guild: string; text: string | null; preview: boolean; mention?: boolean }): { title: string; body: string } {
  const where = o.channel ? `#${o.channel}, ${o.guild}` : o.guild;
  const text = o.preview && o.text ? cut(o.text) : '';
  return { title: `${o.author} (${where})`, body: text || (o.mention === false ? 'New message' : 'Mentioned you') };
}

/** A direct message: the sender, and the text, "Sent a file" or just "New message". */
export function directNotice(o: { author: string; text: string; files: number; preview: boolean }): { title: string; body: string } {
  if (!o.preview) {
    return { title: o.author, body: 'New message' };
  }
  const text = cut(o.text);
  return { title: o.author, body: text || (o.files === 1 ? 'Sent a file' : o.files > 1 ? `Sent ${o.files} files` : 'New message') };
}
