/** An event's attendees: search (name, e-mail), sort, pages; add, edit, delete; each one's
 * card; and a selection the Send tab can e-mail. */
import { useEffect, useMemo, useState } from "react";
import { Button } from "../../components/ui/Button";
import { Badge } from "../../components/ui/Page";
import { Dialog } from "../../components/ui/Dialog";
import { SelectField, TextField } from "../../components/ui/Field";
import { Pager, useCursorPages } from "../../components/ui/Pager";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { formatDateTime } from "../../lib/time";
import type { EventOut } from "../events/queries";
import { AttendeeForm } from "./AttendeeForm";
import { CardPreview } from "./CardPreview";
import { useAttendees, useDeleteAttendee, useSaveAttendee, type AttendeeOut } from "./queries";

type SortKey = "name" | "email" | "org_name" | "created_at" | "stage";
type Stage = NonNullable<AttendeeOut["engagement"]>["stage"];

/** Where each attendee is with their card (the API's furthest stage), in the funnel's order. */
export const STAGES: Record<Stage, { label: string; tone: "neutral" | "good" | "warn" | "bad" | "info" }> = {
  not_sent: { label: "Not sent", tone: "neutral" },
  sent: { label: "Sent", tone: "info" },
  delivered: { label: "Delivered", tone: "info" },
  opened: { label: "Opened", tone: "good" },
  clicked: { label: "Clicked", tone: "good" },
  viewed: { label: "Viewed card", tone: "good" },
  wallet_added: { label: "In wallet", tone: "good" },
  exported: { label: "Saved contact", tone: "good" },
  bounced: { label: "Bounced", tone: "bad" },
};
const STAGE_ORDER = Object.keys(STAGES) as Stage[];

export function fullName(a: Pick<AttendeeOut, "first_name" | "last_name">): string {
  return [a.first_name, a.last_name].filter(Boolean).join(" ") || "—";
}

export function sortAttendees(list: AttendeeOut[], key: SortKey, ascending: boolean): AttendeeOut[] {
  const value = (a: AttendeeOut) =>
    key === "stage" ? String(STAGE_ORDER.indexOf(a.engagement?.stage ?? "not_sent")).padStart(2, "0") : (key === "name" ? fullName(a) : (a[key] ?? "")).toLocaleLowerCase();
  const sorted = [...list].sort((a, b) => value(a).localeCompare(value(b)));
  return ascending ? sorted : sorted.reverse();
}

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

export function AttendeesPanel({ event, canEdit, selected, onSelect, onGoTo }: { event: EventOut; canEdit: boolean; selected: Set<string>; onSelect: (ids: Set<string>) => void; onGoTo: (tab: string) => void }) {
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), 300);
  const [limit, setLimit] = useState(50);
  const pages = useCursorPages();
  const list = useAttendees(event.event_id, q, pages.cursor, limit);
  const [sort, setSort] = useState<{ key: SortKey; ascending: boolean }>({ key: "name", ascending: true });
  const [editing, setEditing] = useState<AttendeeOut | "new" | null>(null);
  const [deleting, setDeleting] = useState<AttendeeOut | null>(null);
  const [viewing, setViewing] = useState<AttendeeOut | null>(null);
  const save = useSaveAttendee(event.event_id);
  const remove = useDeleteAttendee(event.event_id);
  const { notify } = useToast();

  const { reset } = pages;
  useEffect(() => reset(), [q, limit, reset]);
  const rows = useMemo(() => sortAttendees(list.data?.data ?? [], sort.key, sort.ascending), [list.data, sort]);
  const allOnPage = rows.length > 0 && rows.every((a) => selected.has(a.attendee_id));

  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.ascending ? "ascending" : "descending") : "none"}>
      <button type="button" className="sort-button" onClick={() => setSort({ key, ascending: sort.key === key ? !sort.ascending : true })}>
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.ascending ? " ▲" : " ▼") : ""}</span>
      </button>
    </th>
  );

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };

  return (
    <div>
      <div className="toolbar">
        <TextField label="Search" type="search" placeholder="Name or e-mail" value={search} onChange={(e) => setSearch(e.target.value)} />
        <SelectField label="Per page" value={String(limit)} onChange={(e) => setLimit(Number(e.target.value))}>
          <option value="25">25</option>
          <option value="50">50</option>
          <option value="100">100</option>
          <option value="200">200</option>
        </SelectField>
        <div className="toolbar-end">
          {selected.size > 0 && (
            <>
              <span className="muted">{selected.size} selected</span>
              <Button onClick={() => onSelect(new Set())}>Clear</Button>
              <Button onClick={() => onGoTo("send")}>E-mail the selected…</Button>
            </>
          )}
          {canEdit && (
            <Button variant="primary" onClick={() => setEditing("new")}>
              Add attendee
            </Button>
          )}
        </div>
      </div>
      {list.isPending ? (
        <Loading label="Loading attendees…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        q ? (
          <EmptyState title={`Nobody matches “${q}”`}>Search looks at first and last names and e-mail addresses. Clear the search to see everyone.</EmptyState>
        ) : (
          <EmptyState
            title="No attendees yet"
            action={
              canEdit && (
                <div className="button-row">
                  <Button variant="primary" onClick={() => onGoTo("import")}>
                    Import a CSV
                  </Button>
                  <Button onClick={() => setEditing("new")}>Add one by hand</Button>
                </div>
              )
            }
          >
            Import your attendee list as a CSV, or add attendees one by one. Each gets a card.
          </EmptyState>
        )
      ) : (
        <div className="table-scroll">
          <table className="table" aria-busy={list.isFetching}>
            <caption className="visually-hidden">Attendees of {event.name}, sorted by {sort.key.replace("_", " ")}</caption>
            <thead>
              <tr>
                <th scope="col" className="check">
                  <input
                    type="checkbox"
                    aria-label="Select everyone on this page"
                    checked={allOnPage}
                    onChange={() => {
                      const next = new Set(selected);
                      for (const a of rows) if (allOnPage) next.delete(a.attendee_id);
                      else next.add(a.attendee_id);
                      onSelect(next);
                    }}
                  />
                </th>
                {header("name", "Name")}
                {header("email", "E-mail")}
                {header("org_name", "Organisation")}
                {header("stage", "Status")}
                {header("created_at", "Added")}
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.attendee_id} className={selected.has(a.attendee_id) ? "selected" : undefined}>
                  <td className="check">
                    <input type="checkbox" aria-label={`Select ${fullName(a)}`} checked={selected.has(a.attendee_id)} onChange={() => toggle(a.attendee_id)} />
                  </td>
                  <th scope="row">
                    {fullName(a)}
                    {a.title && <span className="cell-sub">{a.title}</span>}
                  </th>
                  <td className="break">{a.email ?? "—"}</td>
                  <td>{a.org_name ?? "—"}</td>
                  <td>
                    <Badge tone={STAGES[a.engagement?.stage ?? "not_sent"].tone}>{STAGES[a.engagement?.stage ?? "not_sent"].label}</Badge>
                    {a.engagement?.last_sent_at && <span className="cell-sub">sent {formatDateTime(a.engagement.last_sent_at, event.timezone)}</span>}
                  </td>
                  <td>{formatDateTime(a.created_at, event.timezone)}</td>
                  <td className="row-actions">
                    {a.card_id && (
                      <Button variant="ghost" onClick={() => setViewing(a)} aria-label={`Card of ${fullName(a)}`}>
                        Card
                      </Button>
                    )}
                    {canEdit && (
                      <>
                        <Button variant="ghost" onClick={() => setEditing(a)} aria-label={`Edit ${fullName(a)}`}>
                          Edit
                        </Button>
                        <Button variant="ghost" onClick={() => setDeleting(a)} aria-label={`Delete ${fullName(a)}`}>
                          Delete
                        </Button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pages.page} nextCursor={list.data?.meta.next_cursor} onNext={pages.next} onBack={pages.back} label="Attendee pages" />
      <p className="muted small">Sorting orders the page shown; the API returns attendees in the order they were added.</p>

      <Dialog open={editing !== null} title={editing === "new" ? "Add an attendee" : "Edit the attendee"} onClose={() => setEditing(null)}>
        {editing !== null && (
          <AttendeeForm
            attendee={editing === "new" ? undefined : editing}
            onCancel={() => setEditing(null)}
            onSubmit={async (body) => {
              const saved = await save.mutateAsync({ attendeeId: editing === "new" ? undefined : editing.attendee_id, body });
              setEditing(null);
              notify(editing === "new" ? `${fullName(saved)} added, with a card` : `${fullName(saved)} saved`);
            }}
          />
        )}
      </Dialog>
      <Dialog open={viewing !== null} title={viewing ? `Card of ${fullName(viewing)}` : "Card"} onClose={() => setViewing(null)}>
        {viewing?.card_id && <CardPreview cardId={viewing.card_id} />}
      </Dialog>
      <Dialog
        open={deleting !== null}
        title="Delete the attendee?"
        onClose={() => setDeleting(null)}
        footer={
          <>
            <Button onClick={() => setDeleting(null)}>Keep</Button>
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting.attendee_id, {
                  onSuccess: () => {
                    notify(`${fullName(deleting)} deleted`);
                    const next = new Set(selected);
                    next.delete(deleting.attendee_id);
                    onSelect(next);
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
        <p>{deleting && fullName(deleting)} and their card go away: the card's links stop working.</p>
        <InlineError error={remove.error} />
      </Dialog>
    </div>
  );
}
