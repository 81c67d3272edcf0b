/** Reads QR codes from the camera's video: the browser's BarcodeDetector where it exists and
 * knows QR codes (Android's and Apple's browsers), else jsQR in a worker, loaded only then (it is
 * not in the console's initial JavaScript). */

export interface Decoder {
  readonly kind: "native" | "jsqr";
  /** The text of a QR code in the video's current frame, or null. */
  decode(video: HTMLVideoElement): Promise<string | null>;
  close(): void;
}

interface DetectedBarcode {
  rawValue: string;
}

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}

interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** Frames are scaled down to this many pixels on their longer side: enough for a card's QR code
 * held at arm's length, and about 10 ms of jsQR's work on a phone instead of 50. */
const MAX_SIDE = 720;

async function nativeDecoder(): Promise<Decoder | null> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    if (!(await Detector.getSupportedFormats()).includes("qr_code")) return null;
    const detector = new Detector({ formats: ["qr_code"] });
    return {
      kind: "native",
      decode: async (video) => (await detector.detect(video))[0]?.rawValue || null,
      close: () => undefined,
    };
  } catch {
    return null;
  }
}

function workerDecoder(): Decoder {
  const worker = new Worker(new URL("./decoder.worker.ts", import.meta.url), { type: "module" });
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const waiting = new Map<number, (text: string | null) => void>();
  let next = 0;
  worker.onmessage = (event: MessageEvent<{ id: number; text: string | null }>) => {
    waiting.get(event.data.id)?.(event.data.text);
    waiting.delete(event.data.id);
  };
  return {
    kind: "jsqr",
    decode: (video) => {
      const { videoWidth: w, videoHeight: h } = video;
      if (!context || !w || !h) return Promise.resolve(null);
      const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const id = ++next;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        worker.postMessage({ id, width: image.width, height: image.height, pixels: image.data.buffer }, [image.data.buffer]);
      });
    },
    close: () => {
      worker.terminate();
      for (const resolve of waiting.values()) resolve(null);
      waiting.clear();
    },
  };
}

export async function createDecoder(): Promise<Decoder> {
  return (await nativeDecoder()) ?? workerDecoder();
}
