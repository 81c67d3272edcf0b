import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { SelectField } from "../../components/ui/Field";
import { Badge, PageHeader } from "../../components/ui/Page";
import { Pager, useCursorPages } from "../../components/ui/Pager";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { formatDateTime } from "../../lib/time";
import { useAuth } from "../auth/AuthProvider";
import { EventForm } from "./EventForm";
import { useArchiveEvent, useBrandOptions, useEventList, useSaveEvent, type EventOut, type EventStatus } from "./queries";

export const STATUS_TONE = { draft: "neutral", active: "good", archived: "warn" } as const;
export const STATUS_LABEL = { draft: "Draft", active: "Active", archived: "Archived" } as const;

export default function EventsPage() {
  const { user } = useAuth();
  const canEdit = user?.role === "admin" || user?.role === "user";
  const [status, setStatus] = useState<EventStatus | "">("");
  const pages = useCursorPages();
  const list = useEventList(status, pages.cursor);
  const [editing, setEditing] = useState<EventOut | "new" | null>(null);
  const [archiving, setArchiving] = useState<EventOut | null>(null);
  const brands = useBrandOptions(user?.role === "admin" && editing !== null);
  const save = useSaveEvent();
  const archive = useArchiveEvent();
  const { notify } = useToast();
  const navigate = useNavigate();

  const events = list.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Events"
        description="Each event has its attendees, their cards and its analytics."
        actions={
          canEdit && (
            <Button variant="primary" onClick={() => setEditing("new")}>
              New event
            </Button>
          )
        }
      />
      <div className="toolbar">
        <SelectField
          label="Show"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as EventStatus | "");
            pages.reset();
          }}
        >
          <option value="">All events</option>
          <option value="active">Active</option>
          <option value="draft">Drafts</option>
          <option value="archived">Archived</option>
        </SelectField>
      </div>
      {list.isPending ? (
        <Loading label="Loading events…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : events.length === 0 ? (
        <EmptyState
          title={status ? `No ${STATUS_LABEL[status].toLowerCase()} events` : "No events yet"}
          action={
            canEdit && !status ? (
              <Button variant="primary" onClick={() => setEditing("new")}>
                Create your first event
              </Button>
            ) : undefined
          }
        >
          {status ? "Choose “All events” to see the others." : canEdit ? "Create an event, then import its attendees and send them their cards." : "An organiser of your organisation creates events."}
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Events</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts</th>
                <th scope="col">Ends</th>
                <th scope="col">Time zone</th>
                <th scope="col">Status</th>
                {canEdit && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.event_id}>
                  <th scope="row">
                    <Link to={`/events/${event.event_id}`}>{event.name}</Link>
                    <span className="cell-sub">{event.slug}</span>
                  </th>
                  <td>{formatDateTime(event.starts_at, event.timezone)}</td>
                  <td>{formatDateTime(event.ends_at, event.timezone)}</td>
                  <td>{event.timezone.replace(/_/g, " ")}</td>
                  <td>
                    <Badge tone={STATUS_TONE[event.status]}>{STATUS_LABEL[event.status]}</Badge>
                  </td>
                  {canEdit && (
                    <td className="row-actions">
                      <Button variant="ghost" onClick={() => setEditing(event)} aria-label={`Edit ${event.name}`}>
                        Edit
                      </Button>
                      {event.status !== "archived" && (
                        <Button variant="ghost" onClick={() => setArchiving(event)} aria-label={`Archive ${event.name}`}>
                          Archive
                        </Button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pages.page} nextCursor={list.data?.meta.next_cursor} onNext={pages.next} onBack={pages.back} label="Events pages" />

      <Dialog open={editing !== null} title={editing === "new" ? "New event" : "Edit the event"} onClose={() => setEditing(null)}>
        {editing !== null && (
          <EventForm
            event={editing === "new" ? undefined : editing}
            brands={brands.data}
            onCancel={() => setEditing(null)}
            onSubmit={async (values) => {
              const saved = await save.mutateAsync({ eventId: editing === "new" ? undefined : editing.event_id, body: values });
              setEditing(null);
              notify(editing === "new" ? `Event “${saved.name}” created` : `Event “${saved.name}” saved`);
              if (editing === "new") navigate(`/events/${saved.event_id}`);
            }}
          />
        )}
      </Dialog>

      <Dialog
        open={archiving !== null}
        title="Archive the event?"
        onClose={() => setArchiving(null)}
        footer={
          <>
            <Button onClick={() => setArchiving(null)}>Keep it</Button>
            <Button
              variant="danger"
              busy={archive.isPending}
              onClick={() =>
                archiving &&
                archive.mutate(archiving.event_id, {
                  onSuccess: () => {
                    notify(`Event “${archiving.name}” archived`);
                    setArchiving(null);
                  },
                })
              }
            >
              Archive
            </Button>
          </>
        }
      >
        <p>“{archiving?.name}” moves to the archived events. Its cards and analytics stay.</p>
        <InlineError error={archive.error} />
      </Dialog>
    </>
  );
}
