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
