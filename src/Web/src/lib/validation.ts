/** Client-side checks mirroring the server's rules, so most mistakes are caught before a round trip. */

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const DISPLAY_NAME_MAX = 32;

/** Usernames are case-insensitive; the client sends them lower-cased and trimmed. */
export function normalizeUsername(input: string): string {
  return input.trim().toLowerCase();
}

export function validateUsername(username: string): string | null {
  if (username.length === 0) {
    return 'Enter a username.';
  }
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) {
    return `Usernames are ${USERNAME_MIN}–${USERNAME_MAX} characters long.`;
  }
  if (!/^[a-z0-9_.]+$/.test(username)) {
    return 'Use only letters, digits, underscores and dots.';
  }
  return null;
}

export function validatePassword(password: string): string | null {
  if (password.length === 0) {
    return 'Enter a password.';
  }
  if (password.length < PASSWORD_MIN) {
    return `Passwords need at least ${PASSWORD_MIN} characters.`;
  }
  if (password.length > PASSWORD_MAX) {
    return `Passwords can be at most ${PASSWORD_MAX} characters.`;
  }
  return null;
}

/** Counts user-perceived characters, as a person would, not UTF-16 units. */
export function visibleLength(text: string): number {
  return Array.from(text).length;
}

export function validateDisplayName(displayName: string, required: boolean): string | null {
  const trimmed = displayName.trim();
  if (trimmed.length === 0) {
    return required ? 'Enter a display name.' : null;
  }
  if (visibleLength(trimmed) > DISPLAY_NAME_MAX) {
    return `Display names can be at most ${DISPLAY_NAME_MAX} characters.`;
  }
  return null;
}

/** The first field (in form order) that has an error, to move focus to. */
export function firstInvalid<F extends string>(order: readonly F[], errors: FieldErrors<F>): F | null {
  return order.find((f) => errors[f] !== undefined) ?? null;
}

/**
 * The server says which field failed in a `validation_failed` message ("username must be …").
 * Returns that field when the message names one of `fields`.
 */
export function fieldFromMessage<F extends string>(message: string, fields: readonly F[]): F | null {
  const lower = message.toLowerCase();
  let best: F | null = null;
  let bestAt = Infinity;
  for (const f of fields) {
    const at = lower.search(new RegExp(`\\b${f.toLowerCase()}\\b`));
    if (at >= 0 && at < bestAt) {
      best = f;
      bestAt = at;
    }
  }
  return best;
}
