/** The exhibitor's leads: the counts by rating, search, each lead's contact and notes, editing
 * (through the scanner's outbox, so it works offline too), deleting, and the CSV download. */
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { TextField } from "../../components/ui/Field";
import { Badge, PageHeader, Stat } from "../../components/ui/Page";
import { Pager, useCursorPages } from "../../components/ui/Pager";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { saveBlob } from "../../lib/download";
import { browserTimeZone, formatDateTime, formatNumber } from "../../lib/time";
import { useEvent } from "../events/queries";
import { useScanner, useScannerState, type LeadOut } from "../scan/ScannerProvider";
import { waitingCounts, waitingText } from "../scan/SyncStatus";
import { LeadDetailsForm } from "./LeadDetailsForm";
import { useDeleteLead, useLeadSummary, useLeads, useLeadsCsv } from "./queries";

const RATING_TONE = { hot: "bad", warm: "warn", cold: "info" } as const;
const RATING_LABEL = { hot: "Hot", warm: "Warm", cold: "Cold" } as const;

export function RatingBadge({ rating }: { rating: LeadOut["rating"] }) {
  return rating ? <Badge tone={RATING_TONE[rating]}>{RATING_LABEL[rating]}</Badge> : <span className="muted">—</span>;
}

function useDebounced(value: string, ms = 300): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export default function LeadsPage() {
  const summary = useLeadSummary();
  const event = useEvent(summary.data?.exhibitor.event_id ?? "", Boolean(summary.data));
  const zone = event.data?.timezone ?? browserTimeZone();
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim());
  const pages = useCursorPages();
  const leads = useLeads(q, pages.cursor);
  const scanner = useScanner();
  const outbox = useScannerState(scanner);
  const waiting = waitingCounts(outbox.items);
  const csv = useLeadsCsv();
  const remove = useDeleteLead();
  const [editing, setEditing] = useState<LeadOut | null>(null);
  const [deleting, setDeleting] = useState<LeadOut | null>(null);
  const { notify } = useToast();
  const list = leads.data?.data ?? [];
  const counts = summary.data?.leads;
  const exhibitor = summary.data?.exhibitor;

  const resetPages = pages.reset;
  useEffect(() => resetPages(), [q, resetPages]);

  const download = () =>
    csv.mutate(undefined, {
      onSuccess: (blob) => saveBlob(blob, `leads-${(exhibitor?.name ?? "exhibitor").toLowerCase().replace(/[^a-z0-9]+/g, "-")}.csv`),
    });

  return (
    <>
      <PageHeader
        title="Leads"
        description={exhibitor ? `The attendees ${exhibitor.name} met${event.data ? ` at ${event.data.name}` : ""}.` : "The attendees whose cards you scanned."}
        actions={
          <>
            <Link className="btn btn-primary" to="/scan">
              Scan
            </Link>
            <Button onClick={download} busy={csv.isPending} disabled={!counts?.total}>
              Download CSV
            </Button>
          </>
        }
      />
      <InlineError error={csv.error} />
      {counts && (
        <dl className="stats compact">
          <Stat label="Leads" value={formatNumber(counts.total)} />
          <Stat label="Hot" value={formatNumber(counts.hot)} />
          <Stat label="Warm" value={formatNumber(counts.warm)} />
          <Stat label="Cold" value={formatNumber(counts.cold)} />
          <Stat label="Not rated" value={formatNumber(counts.unrated)} />
        </dl>
      )}
      {waiting.scans + waiting.edits > 0 && (
        <p className="notice notice-warn" role="status">
          {waitingText(waiting)} on this device: they appear here once sent. <Link to="/scan">See them on the Scan page</Link>.
        </p>
      )}
      <div className="toolbar">
        <TextField label="Search" type="search" placeholder="Name, organisation, e-mail, notes, tags" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <InlineError error={remove.error} />
      {leads.isPending ? (
        <Loading label="Loading leads…" />
      ) : leads.isError ? (
        <ErrorState error={leads.error} retry={() => void leads.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState
          title={q ? "No lead matches" : "No leads yet"}
          action={
            q ? (
              <Button onClick={() => setSearch("")}>Show every lead</Button>
            ) : (
              <Link className="btn btn-primary" to="/scan">
                Scan a card
              </Link>
            )
          }
        >
          {q ? "Try another name, organisation or tag." : "Scan an attendee's card QR code on the Scan page: the lead appears here."}
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table leads-table">
            <caption className="visually-hidden">Leads</caption>
            <thead>
              <tr>
                <th scope="col">Attendee</th>
                <th scope="col">Contact</th>
                <th scope="col">Rating</th>
                <th scope="col">Tags and notes</th>
                <th scope="col">Captured</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((lead) => (
                <tr key={lead.lead_id}>
                  <th scope="row">
                    {lead.name}
                    {(lead.title || lead.org_name) && <span className="cell-sub">{[lead.title, lead.org_name].filter(Boolean).join(" · ")}</span>}
                  </th>
                  <td>
                    {lead.email && (
                      <a className="break" href={`mailto:${lead.email}`}>
                        {lead.email}
                      </a>
                    )}
                    {lead.phone && (
                      <span className="cell-sub">
                        <a href={`tel:${lead.phone.replace(/[^+\d]/g, "")}`}>{lead.phone}</a>
                      </span>
                    )}
                    {lead.linkedin_url && (
                      <span className="cell-sub">
                        <a href={lead.linkedin_url} target="_blank" rel="noreferrer noopener">
                          LinkedIn
                        </a>
                      </span>
                    )}
                  </td>
                  <td>
                    <RatingBadge rating={lead.rating} />
                  </td>
                  <td>
                    {lead.tags.length > 0 && (
                      <span className="tags">
                        {lead.tags.map((tag) => (
                          <Badge key={tag}>{tag}</Badge>
                        ))}
                      </span>
                    )}
                    {lead.notes && <span className="cell-sub lead-notes">{lead.notes}</span>}
                  </td>
                  <td>{formatDateTime(lead.captured_at, zone)}</td>
                  <td className="row-actions">
                    <Button variant="ghost" onClick={() => setEditing(lead)} disabled={!scanner} aria-label={`Edit ${lead.name}`}>
                      Edit
                    </Button>
                    <Button variant="ghost" onClick={() => setDeleting(lead)} aria-label={`Delete ${lead.name}`}>
                      Delete
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pages.page} nextCursor={leads.data?.meta.next_cursor} onNext={pages.next} onBack={pages.back} label="Lead pages" />

      <Dialog open={editing !== null} title={editing ? `Lead: ${editing.name}` : "Lead"} onClose={() => setEditing(null)}>
        {editing && (
          <LeadDetailsForm
            initial={{ notes: editing.notes ?? "", rating: editing.rating, tags: editing.tags }}
            submitLabel="Save"
            onSubmit={async (details) => {
              if (!scanner) return;
              await scanner.engine.editLead(editing.lead_id, details, editing.name);
              const state = scanner.engine.getState();
              notify(!state.online || state.lastError ? `Saved on this device; sent when the network is back` : `${editing.name} saved`);
              setEditing(null);
            }}
          />
        )}
      </Dialog>
      <Dialog
        open={deleting !== null}
        title="Delete the lead?"
        onClose={() => setDeleting(null)}
        footer={
          <>
            <Button onClick={() => setDeleting(null)}>Keep it</Button>
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting.lead_id, {
                  onSuccess: () => {
                    notify(`${deleting.name} deleted`);
                    setDeleting(null);
                  },
                })
              }
            >
              Delete
            </Button>
          </>
        }
      >
        <p>{deleting?.name} and your notes about them are deleted. Scanning their card again captures them as a new lead.</p>
        <InlineError error={remove.error} />
      </Dialog>
    </>
  );
}
