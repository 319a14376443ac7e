import { isEmoji } from './social.ts';

/**
 * The markdown subset of messages, parsed into a small tree that components render as elements.
 * User text never becomes HTML: whatever looks like a tag stays text, and links are only
 * http(s) URLs written out in full (no masked links, so the text shown is where a link goes).
 *
 *   **bold**  *italics* or _italics_  __underline__  ~~strike~~  `code`  ```lang\ncode block```  ||spoiler||
 *   https://… (autolinks)   \* (a backslash keeps the next character literal)
 *   <@userId> <@&roleId> @everyone @here (mentions; the server decides whom they notify)
 *   <:name:emojiId> (a guild's own emoji; shown as :name: where the emoji is unknown)
 *
 * and, at the start of a line, as in Discord:
 *
 *   > a quoted line (lines in a row make one quote)   >>> quotes everything after it
 *   # heading  ## smaller  ### smaller still          -# small grey text
 *   - item or * item (a bullet list)                  1. item (a numbered list, from that number)
 */

export type MdNode =
  | { t: 'text'; v: string }
  | { t: 'b' | 'i' | 'u' | 's' | 'spoiler'; c: MdNode[] }
  | { t: 'quote' | 'sub' | 'li'; c: MdNode[] }
  | { t: 'h'; level: 1 | 2 | 3; c: MdNode[] }
  | { t: 'ul'; c: MdNode[] }
  | { t: 'ol'; start: number; c: MdNode[] }
  | { t: 'code'; v: string }
  | { t: 'pre'; v: string; lang: string | null }
  | { t: 'link'; href: string; v: string }
  | { t: 'mention'; kind: 'user' | 'role' | 'everyone'; id: string; v: string }
  | { t: 'emoji'; name: string; id: string; v: string };

const MENTION = /^<@(&)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/i;
const EVERYONE = /^@(everyone|here)(?![\p{L}\p{N}_])/u;
const CUSTOM_EMOJI = /^<:([A-Za-z0-9_]{2,32}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/i;

/** Nesting deeper than this is shown as text; keeps hostile input from recursing far. */
const MAX_DEPTH = 6;
const ESCAPABLE = '\\*_~`|<>[]()#-.!';

/** At most this many emoji alone in a message show large, as on Discord. */
export const JUMBO_MAX = 27;

/**
 * Whether a message is only emoji (Unicode ones, a guild's own, spaces between), at most
 * `JUMBO_MAX` of them: Discord shows those large.
 */
export function isJumbo(nodes: readonly MdNode[]): boolean {
  let count = 0;
  for (const n of nodes) {
    if (n.t === 'emoji') {
      count++;
    } else if (n.t === 'text') {
      for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(n.v)) {
        if (/^\s+$/u.test(segment)) {
          continue;
        }
        if (!isEmoji(segment)) {
          return false;
        }
        count++;
      }
    } else {
      return false;
    }
    if (count > JUMBO_MAX) {
      return false;
    }
  }
  return count > 0;
}

export function parseMarkdown(src: string): MdNode[] {
  return parseBlocks(src, true);
}

/** Code blocks, and the lines between them; `quotes` is false inside a quote (quotes do not nest). */
function parseBlocks(src: string, quotes: boolean): MdNode[] {
  const out: MdNode[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('```', i);
    if (open < 0) {
      break;
    }
    const close = src.indexOf('```', open + 3);
    if (close < 0) {
      break;
    }
    let body = src.slice(open + 3, close);
    let lang: string | null = null;
    const firstLine = /^([A-Za-z0-9_+#.-]{1,20})\n/.exec(body);
    if (firstLine) {
      lang = firstLine[1]!;
      body = body.slice(firstLine[0].length);
    } else if (body.startsWith('\n')) {
      body = body.slice(1);
    }
    if (body.trim() === '') {
      // "``````" is not a block: keep scanning after it as text.
      pushAll(out, inline(src.slice(i, close + 3), 0));
      i = close + 3;
      continue;
    }
    const before = lines(src.slice(i, open), quotes);
    pushAll(out, before.nodes);
    if (before.quoteAt >= 0) {
      out.push({ t: 'quote', c: parseBlocks(src.slice(i + before.quoteAt), false) });
      return out;
    }
    out.push({ t: 'pre', v: body.replace(/\n$/, ''), lang });
    i = close + 3;
    // The line break right after a block belongs to the block.
    if (src[i] === '\n') {
      i++;
    }
  }
  const rest = lines(src.slice(i), quotes);
  pushAll(out, rest.nodes);
  if (rest.quoteAt >= 0) {
    out.push({ t: 'quote', c: parseBlocks(src.slice(i + rest.quoteAt), false) });
  }
  return out;
}

const QUOTE_ALL = '>>> ';
const QUOTE = /^>(?: |$)/;
const HEADING = /^(#{1,3}) +(\S.*)$/;
const SUBTEXT = /^-# +(\S.*)$/;
const BULLET = /^ {0,3}[-*] +(\S.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})\. +(\S.*)$/;

/**
 * Text without code blocks, line by line: quotes, headings, small text and lists are blocks, the
 * lines between them text (with their line breaks, as written). A block takes its own line break.
 * `quoteAt`: where the text after a `>>> ` starts (everything from there on is quoted), or -1.
 */
function lines(src: string, quotes: boolean): { nodes: MdNode[]; quoteAt: number } {
  const out: MdNode[] = [];
  const all = src.split('\n');
  let para: string[] = [];
  let quoted: string[] = [];
  let list: { t: 'ul' } & { c: MdNode[] } | { t: 'ol'; start: number; c: MdNode[] } | null = null;
  const flushPara = () => {
    if (para.length > 0) {
      pushAll(out, inline(para.join('\n'), 0));
      para = [];
    }
  };
  const flushQuote = () => {
    if (quoted.length > 0) {
      out.push({ t: 'quote', c: lines(quoted.join('\n'), false).nodes });
      quoted = [];
    }
  };
  const flushList = () => {
    if (list) {
      out.push(list);
      list = null;
    }
  };
  const block = (node: MdNode) => {
    flushPara();
    flushQuote();
    flushList();
    out.push(node);
  };

  let offset = 0;
  for (let n = 0; n < all.length; n++) {
    const line = all[n]!;
    const last = n === all.length - 1;
    let m: RegExpExecArray | null;
    if (quotes && line.startsWith(QUOTE_ALL)) {
      flushPara();
      flushQuote();
      flushList();
      return { nodes: out, quoteAt: offset + QUOTE_ALL.length };
    } else if (quotes && QUOTE.test(line)) {
      flushPara();
      flushList();
      quoted.push(line.slice(2));
    } else if ((m = HEADING.exec(line))) {
      block({ t: 'h', level: m[1]!.length as 1 | 2 | 3, c: inline(m[2]!, 1) });
    } else if ((m = SUBTEXT.exec(line))) {
      block({ t: 'sub', c: inline(m[1]!, 1) });
    } else if ((m = BULLET.exec(line)) || (m = NUMBERED.exec(line))) {
      const numbered = m.length === 3;
      const item: MdNode = { t: 'li', c: inline(numbered ? m[2]! : m[1]!, 1) };
      flushPara();
      flushQuote();
      if (list && (list.t === 'ol') === numbered) {
        list.c.push(item);
      } else {
        flushList();
        list = numbered ? { t: 'ol', start: Number(m[1]), c: [item] } : { t: 'ul', c: [item] };
      }
    } else if (last && line === '' && (quoted.length > 0 || list || out.length > 0) && para.length === 0) {
      // The line break after a block, at the end: it belongs to the block.
    } else {
      flushQuote();
      flushList();
      para.push(line);
    }
    offset += line.length + 1;
  }
  flushPara();
  flushQuote();
  flushList();
  return { nodes: out, quoteAt: -1 };
}

/** Appends nodes, joining neighbouring text. */
function pushAll(out: MdNode[], nodes: MdNode[]): void {
  for (const n of nodes) {
    const last = out[out.length - 1];
    if (n.t === 'text' && last?.t === 'text') {
      last.v += n.v;
    } else if (n.t !== 'text' || n.v !== '') {
      out.push(n);
    }
  }
}

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
const isSpace = (ch: string | undefined) => ch === undefined || /\s/.test(ch);

function inline(src: string, depth: number): MdNode[] {
  const out: MdNode[] = [];
  let text = '';
  const flush = () => {
    if (text) {
      pushAll(out, [{ t: 'text', v: text }]);
      text = '';
    }
  };
  const wrap = (t: 'b' | 'i' | 'u' | 's' | 'spoiler', inner: string) => {
    flush();
    pushAll(out, [depth >= MAX_DEPTH ? { t: 'text', v: inner } : { t, c: inline(inner, depth + 1) }]);
  };

  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    const rest = src.slice(i);

    if (ch === '\\' && i + 1 < src.length && ESCAPABLE.includes(src[i + 1]!)) {
      text += src[i + 1];
      i += 2;
      continue;
    }

    if (ch === '`') {
      const end = src.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push({ t: 'code', v: src.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }

    if (ch === '<') {
      const emoji = CUSTOM_EMOJI.exec(rest);
      if (emoji) {
        flush();
        out.push({ t: 'emoji', name: emoji[1]!, id: emoji[2]!.toLowerCase(), v: emoji[0] });
        i += emoji[0].length;
        continue;
      }
    }

    if (ch === '<' || ch === '@') {
      const tag = MENTION.exec(rest);
      const all = !tag && !isWordChar(src[i - 1]) && src[i - 1] !== '@' ? EVERYONE.exec(rest) : null;
      if (tag || all) {
        flush();
        out.push(tag
          ? { t: 'mention', kind: tag[1] ? 'role' : 'user', id: tag[2]!.toLowerCase(), v: tag[0] }
          : { t: 'mention', kind: 'everyone', id: all![1]!, v: all![0] });
        i += (tag ?? all)![0].length;
        continue;
      }
    }

    if (ch === 'h' || ch === 'H') {
      const link = matchUrl(src, i);
      if (link) {
        flush();
        out.push({ t: 'link', href: link.href, v: link.text });
        i += link.text.length;
        continue;
      }
    }

    if (rest.startsWith('||')) {
      const end = src.indexOf('||', i + 2);
      if (end > i + 2) {
        wrap('spoiler', src.slice(i + 2, end));
        i = end + 2;
        continue;
      }
    }

    if (rest.startsWith('~~')) {
      const end = src.indexOf('~~', i + 2);
      if (end > i + 2) {
        wrap('s', src.slice(i + 2, end));
        i = end + 2;
        continue;
      }
    }

    if (rest.startsWith('**') && !isSpace(src[i + 2])) {
      let end = src.indexOf('**', i + 2);
      // "***both***": the bold closes on the last two stars, leaving "*both*" inside.
      while (end > 0 && src[end + 2] === '*') {
        end++;
      }
      if (end > i + 2 && !isSpace(src[end - 1])) {
        wrap('b', src.slice(i + 2, end));
        i = end + 2;
        continue;
      }
    }

    if (ch === '*' && src[i + 1] !== '*' && !isSpace(src[i + 1])) {
      const end = closingStar(src, i + 1);
      if (end > 0) {
        wrap('i', src.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }

    // __underline__, on the same terms as "_" below (snake__case stays text); "___x___" is both.
    if (rest.startsWith('__') && !isWordChar(src[i - 1]) && !isSpace(src[i + 2])) {
      let end = src.indexOf('__', i + 2);
      while (end > 0 && src[end + 2] === '_') {
        end++;
      }
      if (end > i + 2 && !isSpace(src[end - 1]) && !isWordChar(src[end + 2])) {
        wrap('u', src.slice(i + 2, end));
        i = end + 2;
        continue;
      }
    }

    // snake_case_names are not italics: "_" only opens after and closes before a non-word char.
    if (ch === '_' && !isWordChar(src[i - 1]) && src[i - 1] !== '_' && src[i + 1] !== '_' && !isSpace(src[i + 1])) {
      let end = src.indexOf('_', i + 1);
      while (end > 0 && isWordChar(src[end + 1])) {
        end = src.indexOf('_', end + 1);
      }
      if (end > i + 1 && !isSpace(src[end - 1])) {
        wrap('i', src.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }

    text += ch;
    i++;
  }
  flush();
  return out;
}

/** The single "*" that closes an italic opened before `from`, skipping "**" pairs; -1 if none. */
function closingStar(src: string, from: number): number {
  for (let j = from; j < src.length; j++) {
    if (src[j] === '\\') {
      j++;
    } else if (src[j] === '*') {
      if (src[j + 1] === '*') {
        // A bold inside the italic: jump over it when it closes, else over the pair.
        const end = src.indexOf('**', j + 2);
        j = end > 0 ? end + 1 : j + 1;
      } else if (!isSpace(src[j - 1]) && j > from) {
        return j;
      }
    }
  }
  return -1;
}

const TRAILING = /[.,:;!?'"]+$/;

/** A full http(s) URL starting at `i` (not inside a word), without trailing punctuation. */
export function matchUrl(src: string, i: number): { href: string; text: string } | null {
  if (isWordChar(src[i - 1])) {
    return null;
  }
  const m = /^https?:\/\/[^\s<>"`|]+/i.exec(src.slice(i));
  if (!m) {
    return null;
  }
  let text = m[0].replace(TRAILING, '');
  // "(see https://x.org/a)" keeps its ")" outside; "https://w.org/A_(b)" keeps it inside.
  while (text.endsWith(')') && count(text, '(') < count(text, ')')) {
    text = text.slice(0, -1).replace(TRAILING, '');
  }
  const href = safeHref(text);
  return href ? { href, text } : null;
}

const count = (s: string, ch: string) => s.split(ch).length - 1;

/** The URL normalised, when it is http(s) with a host; null otherwise. */
export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Plain text of a message for one-line previews (replies, notifications): markup dropped, spoilers
 * hidden. `name` gives a mentioned user's or role's name when it is known ("@Alice"); else "@user".
 */
export function plainText(nodes: MdNode[], name?: (kind: 'user' | 'role', id: string) => string | null): string {
  return nodes
    .map((n): string => {
      switch (n.t) {
        case 'text':
        case 'code':
        case 'link':
          return n.v;
        case 'pre':
          return n.v;
        case 'emoji':
          return `:${n.name}:`;
        case 'mention': {
          if (n.kind === 'everyone') {
            return n.v;
          }
          const known = name?.(n.kind, n.id);
          return known ? `@${known}` : n.kind === 'role' ? '@role' : '@user';
        }
        case 'spoiler':
          return '▮▮▮';
        case 'quote':
        case 'h':
        case 'sub':
        case 'li':
        case 'ul':
        case 'ol':
          return ` ${plainText(n.c, name)} `;
        default:
          return plainText(n.c, name);
      }
    })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}
