import { ApiError } from './api.ts';

/** Text shown to a person for a failed request. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) {
    return 'Something went wrong. Please try again.';
  }
  switch (err.code) {
    case 'invalid_credentials':
      return 'Incorrect username or password.';
    case 'username_taken':
      return 'That username is already taken.';
    case 'password_incorrect':
      return 'That password is not right.';
    case 'invalid_mfa_code':
      return 'That code is not valid. Use the one your authenticator app shows now, or an unused backup code.';
    case 'invalid_mfa_ticket':
      return 'This login took too long. Enter your password again.';
    case 'mfa_already_enabled':
      return 'Two-factor authentication is already on.';
    case 'mfa_not_enabled':
      return 'Two-factor authentication is off.';
    case 'owns_guilds':
      return err.message;
    case 'friend_request_refused':
      return 'This person is not accepting friend requests from you.';
    case 'mfa_required':
      return 'This needs a code from your authenticator app (or a backup code).';
    case 'password_too_common':
      return 'That password is too common. Pick something harder to guess.';
    case 'rate_limited':
      return err.retryAfter !== null
        ? `Too many attempts. Try again in ${formatWait(err.retryAfter)}.`
        : 'Too many attempts. Try again in a moment.';
    case 'session_revoked':
      return SIGNED_OUT_NOTICE;
    case 'invalid_refresh_token':
    case 'refresh_token_reused':
    case 'not_authenticated':
      return EXPIRED_NOTICE;
    case 'session_not_found':
      return 'That session has already ended.';
    case 'network_error':
      return "Can't reach the server. Check your connection and try again.";
    case 'validation_failed':
    case 'limit_reached':
      return err.message;
    case 'guild_not_found':
      return 'This guild does not exist, or you are not a member of it.';
    case 'channel_not_found':
      return 'That channel no longer exists.';
    case 'role_not_found':
      return 'That role no longer exists.';
    case 'member_not_found':
      return 'That person is no longer a member of this guild.';
    case 'invite_not_found':
      return 'This invite is invalid, has expired or was used up.';
    case 'missing_permission':
      return "You don't have permission to do that.";
    case 'hierarchy':
      return 'You can only manage roles and members below your highest role (and never the owner).';
    case 'banned':
      return 'You are banned from this guild.';
    case 'message_not_found':
      return 'That message no longer exists.';
    default:
      return err.status >= 500 ? 'The server had a problem. Please try again.' : err.message;
  }
}

/** Why a send failed, from the hub error's code (docs/API.md: "code: text"). */
export function describeSendError(code: string, message: string): string {
  switch (code) {
    case 'connection_lost':
      return 'Not sent: the connection dropped.';
    case 'timeout':
      return 'Not sent: the server did not answer in time.';
    case 'rate_limited':
      return 'Not sent: you are sending too fast. Wait a moment.';
    case 'missing_permission':
      return "Not sent: you don't have permission to send messages here.";
    case 'channel_not_found':
      return 'Not sent: the channel no longer exists.';
    case 'message_not_found':
      return 'Not sent: the message you replied to was deleted.';
    case 'validation_failed':
      return `Not sent: ${message}`;
    case 'cluster_unavailable':
    case 'internal_error':
      return 'Not sent: the server had a problem.';
    default:
      return 'Not sent.';
  }
}

export const SIGNED_OUT_NOTICE = 'This session was signed out.';
export const EXPIRED_NOTICE = 'Your session has expired. Please log in again.';
export const ACCOUNT_DELETED_NOTICE = 'Your account was deleted. Everything it kept in this browser was removed too.';

export function formatWait(seconds: number): string {
  if (seconds < 60) {
    return seconds === 1 ? '1 second' : `${seconds} seconds`;
  }
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
