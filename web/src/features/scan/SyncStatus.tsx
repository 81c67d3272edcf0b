/** How the outbox stands: a bar that says whether everything was sent or how many scans wait
 * (and why: offline, or the API's answer), and the list of what waits or was refused. */
import { Button } from "../../components/ui/Button";
import { formatNumber } from "../../lib/time";
import type { Scanner } from "./ScannerProvider";
import type { OutboxItem } from "./outbox";
import type { SyncState } from "./sync";
import { cardIdOf } from "./scanText";

export function waitingCounts(items: OutboxItem[]): { scans: number; edits: number; failed: number } {
  let scans = 0;
  let edits = 0;
  let failed = 0;
  for (const item of items) {
    if (item.failure) failed += 1;
    else if (item.kind === "capture") scans += 1;
    else edits += 1;
  }
  return { scans, edits, failed };
}

export function waitingText({ scans, edits }: { scans: number; edits: number }): string {
  const parts = [];
  if (scans) parts.push(`${formatNumber(scans)} scan${scans === 1 ? "" : "s"}`);
  if (edits) parts.push(`${formatNumber(edits)} change${edits === 1 ? "" : "s"}`);
  return parts.length ? `${parts.join(" and ")} waiting to sync` : "";
}

export function SyncBar({ state, persistent, onSync }: { state: SyncState; persistent: boolean; onSync: () => void }) {
  const counts = waitingCounts(state.items);
  const waiting = counts.scans + counts.edits;
  const tone = !state.online ? "offline" : waiting ? "waiting" : "ok";
  const why = !state.online
    ? "You are offline."
    : state.lastError && waiting
      ? `${state.lastError.message}${state.retryAt ? ` Trying again at ${new Date(state.retryAt).toLocaleTimeString(undefined, { timeStyle: "medium" })}.` : ""}`
      : null;
  return (
    <div className={`sync-bar sync-${tone}`} data-testid="sync-bar">
      <p role="status" aria-live="polite">
        <span className="sync-dot" aria-hidden="true" />
        {waiting ? <strong data-testid="outbox-count">{waitingText(counts)}</strong> : state.online ? "Online · every scan is sent" : "Offline · scans are kept on this device"}
        {why && waiting ? <span className="sync-why"> {why}</span> : null}
        {state.syncing && <span className="sync-why"> Sending…</span>}
      </p>
      {waiting > 0 && state.online && (
        <Button onClick={onSync} disabled={state.syncing}>
          Sync now
        </Button>
      )}
      {!persistent && <p className="small">This browser cannot keep scans after the page is closed: keep it open until they are sent.</p>}
    </div>
  );
}

function describe(item: OutboxItem): string {
  if (item.kind === "edit") return `Changes to ${item.name || "a lead"}`;
  const id = cardIdOf(item.scan);
  return id ? `Card ${id.slice(0, 8)}…` : item.scan.slice(0, 40);
}

export function OutboxPanel({ state, scanner }: { state: SyncState; scanner: Scanner }) {
  if (!state.items.length) return null;
  const failed = state.items.filter((i) => i.failure);
  const waiting = state.items.filter((i) => !i.failure);
  return (
    <section className="panel outbox" aria-labelledby="outbox-title">
      <h2 id="outbox-title">On this device</h2>
      {failed.length > 0 && (
        <>
          <h3>Not added</h3>
          <ul className="plain-list">
            {failed.map((item) => (
              <li key={item.id} className="outbox-item outbox-failed">
                <span>
                  {describe(item)}: {item.failure?.message} <code>{item.failure?.code}</code>
                </span>
                <span className="row-actions">
                  <Button variant="ghost" onClick={() => void scanner.engine.retry(item.id)}>
                    Retry
                  </Button>
                  <Button variant="ghost" onClick={() => void scanner.engine.discard(item.id)}>
                    Discard
                  </Button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {waiting.length > 0 && (
        <>
          <h3>Waiting to sync</h3>
          <ul className="plain-list">
            {waiting.map((item) => (
              <li key={item.id} className="outbox-item">
                <span>{describe(item)}</span>
                <span className="muted small">{new Date(item.queuedAt).toLocaleTimeString(undefined, { timeStyle: "short" })}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
