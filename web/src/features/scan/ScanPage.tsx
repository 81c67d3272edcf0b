/** The exhibitor's Scan page, phone first: the camera reads attendees' card QR codes (or the
 * card's address is typed), each scan shows the attendee's name as soon as the API answers and
 * says when the lead was captured before; notes, rating and tags right after. Every scan goes
 * through the outbox (IndexedDB): with no network it waits on the device, the page says how many
 * wait, and they are sent by themselves when the network is back. */
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { Button } from "../../components/ui/Button";
import { TextField } from "../../components/ui/Field";
import { Badge, PageHeader } from "../../components/ui/Page";
import { Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { formatNumber } from "../../lib/time";
import { useAuth } from "../auth/AuthProvider";
import { useEvent } from "../events/queries";
import { LeadDetailsForm } from "../leads/LeadDetailsForm";
import { useLeadSummary } from "../leads/queries";
import { Camera } from "./Camera";
import { newCapture, type ItemFailure, type LeadDetails } from "./outbox";
import { useScanner, useScannerState, type LeadOut, type Scanner } from "./ScannerProvider";
import { cardIdOf } from "./scanText";
import { OutboxPanel, SyncBar } from "./SyncStatus";

interface CurrentScan {
  clientId: string;
  scan: string;
  lead: LeadOut | null;
  created: boolean | null;
  failure: ItemFailure | null;
}

const BLANK: LeadDetails = { notes: "", rating: null, tags: [] };
const NOT_A_CARD = "That is not an attendee's card. Scan the QR code on a card, or type the card's address (…/c/…) or its id.";

/** A query that will not change the page by itself any more: answered, failed, or waiting for a
 * network that is gone (the scanner works offline, so the page must not wait for it). */
function settled(query: { isPending: boolean; fetchStatus: string }): boolean {
  return !query.isPending || query.fetchStatus === "paused";
}

export default function ScanPage() {
  const scanner = useScanner();
  const summary = useLeadSummary();
  const event = useEvent(summary.data?.exhibitor.event_id ?? "", Boolean(summary.data));
  const exhibitor = summary.data?.exhibitor;
  // Everything appears at once (the header's lines, the count, the scanner): nothing already on
  // screen moves under a thumb about to tap it.
  const ready = scanner !== null && settled(summary) && (!summary.data || settled(event));
  return (
    <>
      <PageHeader
        title="Scan"
        description={ready ? (exhibitor ? `${exhibitor.name}${event.data ? ` · ${event.data.name}` : ""}` : "Scan attendees' cards to capture leads.") : undefined}
        actions={
          ready &&
          summary.data && (
            <Link className="btn btn-secondary" to="/leads">
              {formatNumber(summary.data.leads.total)} lead{summary.data.leads.total === 1 ? "" : "s"}
              {summary.data.leads.hot ? ` · ${formatNumber(summary.data.leads.hot)} hot` : ""}
            </Link>
          )
        }
      />
      {ready ? <Scanning scanner={scanner} /> : <Loading label="Opening the scanner…" />}
    </>
  );
}

function Scanning({ scanner }: { scanner: Scanner }) {
  const { user } = useAuth();
  const state = useScannerState(scanner);
  const { notify } = useToast();
  const [current, setCurrent] = useState<CurrentScan | null>(null);
  const [recent, setRecent] = useState<CurrentScan[]>([]);
  const [typed, setTyped] = useState("");
  const [typedError, setTypedError] = useState<string | undefined>();
  const [refused, setRefused] = useState<string | null>(null);

  useEffect(
    () =>
      scanner.engine.onResult((result) => {
        if (result.type === "edited") return;
        const change = (scan: CurrentScan): CurrentScan => {
          if (result.type === "captured" && scan.clientId === result.clientId) return { ...scan, lead: result.lead, created: result.created, failure: null };
          if (result.type === "failed" && scan.clientId === result.item.id) return { ...scan, failure: result.item.failure ?? null };
          return scan;
        };
        setCurrent((scan) => scan && change(scan));
        setRecent((list) => list.map(change));
        if (result.type === "captured") navigator.vibrate?.(result.created ? 60 : [40, 60, 40]);
      }),
    [scanner],
  );

  const take = useCallback(
    async (text: string): Promise<boolean> => {
      if (!user) return false;
      if (!cardIdOf(text)) {
        setRefused(NOT_A_CARD);
        return false;
      }
      setRefused(null);
      const item = newCapture(user.sub, text);
      const scan: CurrentScan = { clientId: item.id, scan: item.scan, lead: null, created: null, failure: null };
      setCurrent(scan);
      setRecent((list) => [scan, ...list].slice(0, 10));
      await scanner.engine.enqueue(item);
      return true;
    },
    [scanner, user],
  );

  const submitTyped = async (event: FormEvent) => {
    event.preventDefault();
    if (!typed.trim() || !cardIdOf(typed)) {
      setTypedError(NOT_A_CARD);
      return;
    }
    setTypedError(undefined);
    if (await take(typed)) setTyped("");
  };

  const waiting = new Set(state.items.filter((i) => !i.failure).map((i) => i.id));

  return (
    <div className="scan-layout">
      <SyncBar state={state} persistent={scanner.persistent} onSync={() => void scanner.engine.syncNow()} />
      <div className="scan-capture">
        <Camera onCode={(text) => void take(text)} />
        {refused && (
          <p className="notice notice-warn" role="status">
            {refused}
          </p>
        )}
        <form className="form manual-entry" onSubmit={submitTyped} noValidate aria-label="Type a card">
          <TextField
            id="scan-typed"
            label="Card address or id"
            hint="No camera, or a damaged code? Type what is printed under the QR code."
            inputMode="url"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            autoComplete="off"
            value={typed}
            error={typedError}
            onChange={(e) => setTyped(e.target.value)}
          />
          <Button type="submit" variant="primary">
            Add the lead
          </Button>
        </form>
      </div>
      <div className="scan-result">
        {current ? (
          <CurrentScanPanel key={current.clientId} scan={current} waiting={waiting.has(current.clientId)} scanner={scanner} onSaved={(offline) => notify(offline ? "Saved on this device; sent when the network is back" : "Lead details saved")} />
        ) : (
          <div className="state state-empty scan-empty">
            <h2>Ready to scan</h2>
            <p>Start the camera and hold an attendee's card QR code in the frame, or type the card's address. Scans work without a network too.</p>
          </div>
        )}
        <OutboxPanel state={state} scanner={scanner} />
        {recent.length > 1 && (
          <section className="panel recent-scans" aria-labelledby="recent-title">
            <h2 id="recent-title">This visit</h2>
            <ul className="plain-list">
              {recent.slice(1).map((scan) => (
                <li key={scan.clientId}>
                  <span>{scan.lead?.name ?? <span className="muted">{shortScan(scan.scan)}</span>}</span> <ScanBadge scan={scan} waiting={waiting.has(scan.clientId)} />
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </div>
  );
}

function shortScan(text: string): string {
  const id = cardIdOf(text);
  return id ? `Card ${id.slice(0, 8)}…` : text.slice(0, 40);
}

function ScanBadge({ scan, waiting }: { scan: CurrentScan; waiting: boolean }) {
  if (scan.failure) return <Badge tone="bad">Not added</Badge>;
  if (scan.lead) return scan.created ? <Badge tone="good">New lead</Badge> : <Badge tone="info">Already captured</Badge>;
  return waiting ? <Badge tone="warn">Waiting to sync</Badge> : <Badge>Sending…</Badge>;
}

function CurrentScanPanel({ scan, waiting, scanner, onSaved }: { scan: CurrentScan; waiting: boolean; scanner: Scanner; onSaved: (offline: boolean) => void }) {
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const lead = scan.lead;
  const initial: LeadDetails = lead && !scan.created ? { notes: lead.notes ?? "", rating: lead.rating, tags: lead.tags } : BLANK;
  // A lead captured before brings its details into the form, unless the person started typing.
  const formKey = useRef("new");
  if (!touched) formKey.current = lead && !scan.created ? lead.lead_id : "new";
  const captured = lead ? new Date(lead.captured_at) : null;
  return (
    <section className="panel current-scan" aria-labelledby="current-scan-title" data-testid="current-scan">
      <div aria-live="polite">
        {lead ? (
          <>
            <h2 id="current-scan-title" className="scan-name">
              {lead.name}
            </h2>
            {(lead.title || lead.org_name) && <p className="scan-org">{[lead.title, lead.org_name].filter(Boolean).join(" · ")}</p>}
            <p>
              <ScanBadge scan={scan} waiting={waiting} />{" "}
              {!scan.created && captured && <span className="muted small">captured {captured.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</span>}
            </p>
          </>
        ) : scan.failure ? (
          <>
            <h2 id="current-scan-title">This scan was not added</h2>
            <p className="notice notice-bad" role="alert">
              {scan.failure.message} <code>{scan.failure.code}</code>
            </p>
          </>
        ) : (
          <>
            <h2 id="current-scan-title">{waiting && !navigator.onLine ? "Saved on this device" : "Adding the lead…"}</h2>
            <p className="muted">
              <ScanBadge scan={scan} waiting={waiting} /> {shortScan(scan.scan)}
              {waiting && " — the name shows once it is sent."}
            </p>
          </>
        )}
      </div>
      {!scan.failure && (
        <LeadDetailsForm
          key={formKey.current}
          initial={initial}
          onChange={() => setTouched(true)}
          busy={busy}
          submitLabel="Save the details"
          onSubmit={async (details) => {
            setBusy(true);
            try {
              await scanner.engine.saveDetails(scan.clientId, details, lead?.name ?? "");
              setTouched(true); // the form keeps what was saved
              onSaved(!scanner.engine.getState().online || scanner.engine.getState().lastError !== null);
            } finally {
              setBusy(false);
            }
          }}
        />
      )}
    </section>
  );
}
