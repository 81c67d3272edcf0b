/** Decodes QR codes off the main thread where the browser has no BarcodeDetector: jsQR on the
 * frames decoder.ts sends (grey or RGBA pixels of a video frame). */
import jsQR from "jsqr";

interface Frame {
  id: number;
  width: number;
  height: number;
  pixels: ArrayBuffer;
}

self.onmessage = (event: MessageEvent<Frame>) => {
  const { id, width, height, pixels } = event.data;
  let text: string | null = null;
  try {
    // Cards print dark on light, but a phone in dark mode may show the code inverted.
    text = jsQR(new Uint8ClampedArray(pixels), width, height, { inversionAttempts: "attemptBoth" })?.data || null;
  } catch {
    text = null;
  }
  self.postMessage({ id, text });
};
