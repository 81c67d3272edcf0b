/** The camera, reading QR codes continuously while it is on. It starts by itself when the
 * person turned it on before and the browser still allows it (no prompt on arrival otherwise),
 * stops when the page is left, and pauses decoding while the page is hidden. A code read again
 * within a few seconds is reported once. */
import { useCallback, useEffect, useRef, useState } from "react";
import { Button } from "../../components/ui/Button";
import { createDecoder, type Decoder } from "./decoder";

const REMEMBER_KEY = "outreachpass.scanner.camera";
const FRAME_GAP_MS = 120;
const SAME_CODE_MS = 4000;

type CameraState = "off" | "starting" | "on" | "error";

function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError")
    return "The camera is not allowed for this site. Allow it in the browser's site settings, or type the card's address below.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No camera was found on this device. Type the card's address below.";
  if (name === "NotReadableError") return "The camera is in use by another app. Close it and try again.";
  return "The camera could not be started. Type the card's address below, or try again.";
}

export function Camera({ onCode }: { onCode: (text: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const decoder = useRef<Decoder | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef<{ text: string; at: number } | null>(null);
  const report = useRef(onCode);
  report.current = onCode;
  const [state, setState] = useState<CameraState>("off");
  const [problem, setProblem] = useState<string | null>(null);
  const [kind, setKind] = useState<Decoder["kind"] | null>(null);

  const stop = useCallback((remember = true) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    stream.current?.getTracks().forEach((track) => track.stop());
    stream.current = null;
    decoder.current?.close();
    decoder.current = null;
    if (video.current) video.current.srcObject = null;
    if (remember) localStorage.removeItem(REMEMBER_KEY);
    setState((s) => (s === "error" ? s : "off"));
  }, []);

  const tick = useCallback(async () => {
    const element = video.current;
    const reader = decoder.current;
    if (!element || !reader || !stream.current) return;
    if (document.visibilityState === "visible" && element.readyState >= 2) {
      const text = await reader.decode(element).catch(() => null);
      const now = Date.now();
      if (text && !(last.current && last.current.text === text && now - last.current.at < SAME_CODE_MS)) report.current(text);
      if (text) last.current = { text, at: now };
    }
    if (stream.current) timer.current = setTimeout(() => void tick(), FRAME_GAP_MS);
  }, []);

  const start = useCallback(async () => {
    setProblem(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setState("error");
      setProblem(window.isSecureContext ? "This browser cannot use a camera. Type the card's address below." : "The camera needs a secure (https) address. Type the card's address below.");
      return;
    }
    setState("starting");
    try {
      const media = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
      stream.current = media;
      const element = video.current!;
      element.srcObject = media;
      await element.play();
      decoder.current = await createDecoder();
      setKind(decoder.current.kind);
      localStorage.setItem(REMEMBER_KEY, "on");
      setState("on");
      void tick();
    } catch (error) {
      stop(false);
      setState("error");
      setProblem(cameraProblem(error));
    }
  }, [stop, tick]);

  useEffect(() => {
    let cancelled = false;
    if (localStorage.getItem(REMEMBER_KEY) === "on") {
      // Only when the browser will not ask again: a prompt should follow a tap, not arrive with the page.
      const permissions = navigator.permissions?.query({ name: "camera" as PermissionName });
      void permissions
        ?.then((status) => {
          if (!cancelled && status.state === "granted") void start();
        })
        .catch(() => undefined);
    }
    return () => {
      cancelled = true;
      stop(false);
    };
  }, [start, stop]);

  return (
    <div className={`camera camera-${state}`} data-decoder={kind ?? undefined}>
      <div className="camera-view">
        <video ref={video} muted playsInline aria-label="Camera view" />
        {state === "on" && <div className="camera-frame" aria-hidden="true" />}
        {state !== "on" && (
          <div className="camera-idle">
            {state === "starting" ? (
              <p role="status">Starting the camera…</p>
            ) : (
              <Button variant="primary" className="wide" onClick={() => void start()}>
                {state === "error" ? "Try the camera again" : "Start the camera"}
              </Button>
            )}
          </div>
        )}
      </div>
      {problem && (
        <p className="notice notice-bad" role="alert">
          {problem}
        </p>
      )}
      {state === "on" && (
        <div className="camera-bar">
          <span className="muted small" role="status">
            Point the camera at a card's QR code.
          </span>
          <Button variant="ghost" onClick={() => stop()}>
            Stop the camera
          </Button>
        </div>
      )}
    </div>
  );
}
