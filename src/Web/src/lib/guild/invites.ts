const CODE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The invite code in what a person pasted: a bare code, or a link such as
 * `https://host/invite/CODE` (with or without the scheme). null when it is neither.
 */
export function parseInviteCode(input: string): string | null {
  const text = input.trim();
  if (CODE.test(text)) {
    return text;
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return null;
  }
  const m = /^\/invite\/([^/]+)\/?$/.exec(url.pathname);
  const code = m ? decodeURIComponent(m[1]!) : null;
  return code !== null && CODE.test(code) ? code : null;
}

export function inviteLink(origin: string, code: string): string {
  return `${origin}/invite/${encodeURIComponent(code)}`;
}
