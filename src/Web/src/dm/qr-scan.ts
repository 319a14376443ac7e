// Reading a QR code from the camera: getUserMedia for the frames, the browser's BarcodeDetector
// where it reads QR codes, else jsQR (Apache-2.0), which is its own chunk and loaded only when
// a scan starts.

/** What decodes one frame: the browser's detector or jsQR. */
export type QrDecoder = (frame: HTMLVideoElement | ImageData) => Promise<string | null>;

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource | ImageData): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** jsQR on the pixels of an image (what the fallback decoder runs on each frame). */
export async function decodeImageData(image: ImageData): Promise<string | null> {
  const jsQR = (await import('jsqr')).default;
  return jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** The browser's BarcodeDetector when it reads QR codes, else jsQR; `forceFallback` for tests. */
export async function qrDecoder(forceFallback = false): Promise<{ decode: QrDecoder; kind: 'native' | 'jsqr' }> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!forceFallback && Detector && (await Detector.getSupportedFormats().catch((): string[] => [])).includes('qr_code')) {
    const detector = new Detector({ formats: ['qr_code'] });
    return { kind: 'native', decode: async (frame) => (await detector.detect(frame))[0]?.rawValue ?? null };
  }
  let canvas: HTMLCanvasElement | null = null;
  return {
    kind: 'jsqr',
    decode: async (frame) => {
      if (frame instanceof ImageData) {
        return decodeImageData(frame);
      }
      if (frame.videoWidth === 0) {
        return null;
      }
      canvas ??= document.createElement('canvas');
      canvas.width = frame.videoWidth;
      canvas.height = frame.videoHeight;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(frame, 0, 0);
      return decodeImageData(ctx.getImageData(0, 0, canvas.width, canvas.height));
    },
  };
}

export interface QrScan {
  /** The first QR text that `accept` takes; rejects if the camera fails or the scan is stopped. */
  result: Promise<string>;
  decoder: 'native' | 'jsqr';
  stop(): void;
}

/**
 * Shows the camera in `video` and decodes frames until `accept` returns true for a text (texts
 * it refuses, e.g. not a safety code, are skipped). Call `stop()` to release the camera.
 */
export async function scanQr(video: HTMLVideoElement, accept: (text: string) => boolean, options: { forceFallback?: boolean } = {}): Promise<QrScan> {
  const { decode, kind } = await qrDecoder(options.forceFallback);
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  let stopped = false;
  let cancel: (err: Error) => void = () => undefined;
  const stop = () => {
    stopped = true;
    for (const t of stream.getTracks()) {
      t.stop();
    }
    video.srcObject = null;
    cancel(new Error('The scan was stopped.'));
  };
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play().catch(() => undefined);
  const result = new Promise<string>((resolve, reject) => {
    cancel = reject;
    const tick = async () => {
      if (stopped) {
        return;
      }
      try {
        const text = await decode(video);
        if (text !== null && accept(text)) {
          resolve(text);
          stop();
          return;
        }
      } catch {
        // A frame that cannot be read: try the next one.
      }
      setTimeout(() => void tick(), 120);
    };
    void tick();
  });
  return { result, decoder: kind, stop };
}
