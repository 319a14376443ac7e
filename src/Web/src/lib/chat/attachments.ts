import type { Attachment } from '../types.ts';

/** The server's default MAX_FILE_SIZE (10 MiB); the server stays the authority (413 file_too_large). */
export const MAX_FILE_SIZE = 10 * 1024 * 1024;
/** Files per message, as the server allows. */
export const MAX_ATTACHMENTS = 10;

/** Types the server serves inline and the client shows as a picture. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isImage(a: Pick<Attachment, 'contentType'>): boolean {
  return IMAGE_TYPES.has(a.contentType);
}

/** "512 B", "1.5 KB", "10 MB" (binary units, as the limit is). */
export function formatBytes(n: number): string {
  if (n < 1024) {
    return `${n} B`;
  }
  const units = ['KB', 'MB', 'GB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value >= 10 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** Why a file cannot be sent, checked before uploading; null when it can. */
export function fileProblem(file: { name: string; size: number }, max: number = MAX_FILE_SIZE): string | null {
  if (file.size > max) {
    return `${file.name} is too large (${formatBytes(file.size)}); files are at most ${formatBytes(max)}.`;
  }
  return null;
}

/**
 * The box an image preview takes before it loads (so the list does not jump): the image's own
 * size scaled down to fit `maxWidth` × `maxHeight`, never up.
 */
export function previewSize(width: number | null | undefined, height: number | null | undefined, maxWidth = 400, maxHeight = 300): { width: number; height: number } | null {
  if (!width || !height || width <= 0 || height <= 0) {
    return null;
  }
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Upload progress as a whole percentage in 0..100 (unknown totals count as 0 until done). */
export function percent(loaded: number, total: number): number {
  if (!(total > 0)) {
    return 0;
  }
  return Math.max(0, Math.min(100, Math.floor((loaded / total) * 100)));
}

/** The text for an upload the server refused, by its error code. */
export function describeUploadError(code: string, message: string, max: number = MAX_FILE_SIZE): string {
  switch (code) {
    case 'file_too_large':
    case 'payload_too_large':
      return `This file is too large; files are at most ${formatBytes(max)}.`;
    case 'missing_permission':
      return 'You do not have permission to attach files in this channel.';
    case 'channel_not_found':
      return 'This channel is gone or you can no longer see it.';
    case 'rate_limited':
      return 'You are uploading too fast; wait a moment.';
    case 'network_error':
      return 'The upload failed: check your connection and try again.';
    default:
      return message || 'The upload failed.';
  }
}
