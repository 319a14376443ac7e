/** "Chrome on Linux" from a User-Agent string; good enough to recognise one's own devices. */
export function describeUserAgent(ua: string | null | undefined): string {
  if (!ua) {
    return 'Unknown device';
  }
  const browser =
    /\bEdg(?:e|A|iOS)?\//.test(ua) ? 'Edge'
    : /\bOPR\//.test(ua) ? 'Opera'
    : /\bFirefox\/|\bFxiOS\//.test(ua) ? 'Firefox'
    : /Chrom(?:e|ium)\/|\bCriOS\//.test(ua) ? 'Chrome'
    : /\bSafari\//.test(ua) && /\bVersion\//.test(ua) ? 'Safari'
    : null;
  const os =
    /\bAndroid\b/.test(ua) ? 'Android'
    : /\biPhone|iPad|iPod\b/.test(ua) ? 'iOS'
    : /\bWindows\b/.test(ua) ? 'Windows'
    : /\bMac OS X\b|\bMacintosh\b/.test(ua) ? 'macOS'
    : /\bCrOS\b/.test(ua) ? 'ChromeOS'
    : /\bLinux\b/.test(ua) ? 'Linux'
    : null;
  if (browser && os) {
    return `${browser} on ${os}`;
  }
  if (browser || os) {
    return (browser ?? os) as string;
  }
  return ua.length > 40 ? `${ua.slice(0, 40)}…` : ua;
}

/** True for user agents of phones and tablets, to pick the device icon. */
export function isMobileUserAgent(ua: string | null | undefined): boolean {
  return !!ua && /\b(Android|iPhone|iPad|iPod|Mobile)\b/.test(ua);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "in 6 days". */
export function relativeTime(iso: string, now: number, locale = 'en'): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) {
    return 'unknown';
  }
  const seconds = Math.round((at - now) / 1000);
  if (Math.abs(seconds) < 45) {
    return 'just now';
  }
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) {
      return fmt.format(Math.round(seconds / size), unit);
    }
  }
  return fmt.format(Math.round(seconds / 60), 'minute');
}

/** Two letters for an avatar: initials of the first two words, else the first two letters. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return '?';
  }
  const letters = words.length > 1 ? [first(words[0]!), first(words[1]!)] : Array.from(words[0]!).slice(0, 2);
  return letters.join('').toUpperCase();
}

function first(word: string): string {
  return Array.from(word)[0] ?? '';
}

/** A stable palette slot (0–7) for a user id, so a person keeps their avatar colour. */
export function colorSlot(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) {
    h = (h * 31 + id.charCodeAt(i)) | 0;
  }
  return Math.abs(h) % 8;
}
