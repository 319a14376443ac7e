// A camera picture for the browser tests: a Y4M video (what Chromium's
// --use-file-for-fake-video-capture plays in a loop) showing a QR code of `text`, made with the
// same QR generator the app uses to display safety codes.
import { writeFileSync } from 'node:fs';
import qrcode from 'qrcode-generator';

export const SIZE = 480;

/** Writes a few identical 4:2:0 frames, black modules on white with a quiet zone, to `path`. */
export function writeQrY4m(path, text, { frames = 3 } = {}) {
  const y = Buffer.alloc(SIZE * SIZE, 235);
  if (text) {
    const q = qrcode(0, 'M');
    q.addData(text);
    q.make();
    const n = q.getModuleCount();
    const cell = Math.floor((SIZE * 0.8) / n);
    const offset = Math.floor((SIZE - n * cell) / 2);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        if (!q.isDark(r, c)) continue;
        for (let dy = 0; dy < cell; dy++) {
          y.fill(16, (offset + r * cell + dy) * SIZE + offset + c * cell, (offset + r * cell + dy) * SIZE + offset + (c + 1) * cell);
        }
      }
    }
  }
  const chroma = Buffer.alloc((SIZE / 2) * (SIZE / 2) * 2, 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${SIZE} H${SIZE} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) {
    parts.push(Buffer.from('FRAME\n'), y, chroma);
  }
  writeFileSync(path, Buffer.concat(parts));
}

/** Chromium flags for a fake camera playing `path` with the permission prompt accepted. */
export function fakeCameraArgs(path) {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${path}`];
}
