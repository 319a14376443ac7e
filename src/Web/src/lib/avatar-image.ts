/**
 * A chosen picture made into a profile picture before upload: the largest centred square, scaled
 * to SIDE pixels, as WebP (PNG where the browser cannot write WebP). A phone photo of several
 * megabytes becomes a few dozen kilobytes, under the server's 1 MiB.
 */
export const SIDE = 256;

/** The centred square of a w × h picture: where it starts and its side. */
export function squareCrop(width: number, height: number): { sx: number; sy: number; side: number } {
  const side = Math.min(width, height);
  return { sx: Math.floor((width - side) / 2), sy: Math.floor((height - side) / 2), side };
}

export async function toProfilePicture(file: Blob): Promise<{ blob: Blob; filename: string }> {
  const bitmap = await createImageBitmap(file);
  try {
    const { sx, sy, side } = squareCrop(bitmap.width, bitmap.height);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = Math.min(SIDE, side);
    const ctx = canvas.getContext('2d');
    if (!ctx) {
      throw new Error('no 2d canvas');
    }
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, sx, sy, side, side, 0, 0, canvas.width, canvas.height);
    const webp = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/webp', 0.9));
    if (webp && webp.type === 'image/webp') {
      return { blob: webp, filename: 'avatar.webp' };
    }
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!png) {
      throw new Error('the picture could not be encoded');
    }
    return { blob: png, filename: 'avatar.png' };
  } finally {
    bitmap.close();
  }
}

/** Emoji pictures: at most this many bytes (the server's limit), scaled to fit this many pixels when larger. */
export const EMOJI_MAX_BYTES = 256 * 1024;
export const EMOJI_SIDE = 128;
const EMOJI_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** The size a w × h picture is drawn at to fit a side × side box (never enlarged). */
export function fitWithin(width: number, height: number, side: number): { width: number; height: number } {
  const scale = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A name for an emoji from its file's name: letters, digits and underscores, 2–32 of them. */
export function emojiNameFrom(filename: string): string {
  const base = filename.replace(/\.[^.]*$/, '').normalize('NFKD').replace(/\p{M}/gu, '');
  const name = base.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 32);
  return name.length >= 2 ? name : `emoji_${name}`.slice(0, 32);
}

/**
 * A chosen file made into an emoji picture: sent as it is when it is small enough already (so an
 * animated GIF stays animated), else scaled to fit 128 pixels, as WebP (PNG where WebP cannot be
 * written), keeping its shape.
 */
export async function toEmojiPicture(file: File): Promise<{ blob: Blob; filename: string }> {
  const bitmap = await createImageBitmap(file);
  try {
    if (file.size <= EMOJI_MAX_BYTES && EMOJI_TYPES.includes(file.type)) {
      return { blob: file, filename: file.name };
    }
    const { width, height } = fitWithin(bitmap.width, bitmap.height, EMOJI_SIDE);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) {
      throw new Error('no 2d canvas');
    }
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, width, height);
    const webp = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/webp', 0.9));
    if (webp && webp.type === 'image/webp') {
      return { blob: webp, filename: 'emoji.webp' };
    }
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!png) {
      throw new Error('the picture could not be encoded');
    }
    return { blob: png, filename: 'emoji.png' };
  } finally {
    bitmap.close();
  }
}
