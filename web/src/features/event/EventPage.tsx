import { Suspense, lazy, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { Badge, PageHeader } from "../../components/ui/Page";
import { ErrorState, Loading } from "../../components/ui/States";
import { Tabs } from "../../components/ui/Tabs";
import { useToast } from "../../components/ui/Toast";
import { formatDateTime } from "../../lib/time";
import { useAuth } from "../auth/AuthProvider";
import { EventForm } from "../events/EventForm";
import { STATUS_LABEL, STATUS_TONE } from "../events/EventsPage";
import { useBrandOptions, useEvent, useSaveEvent, type EventOut } from "../events/queries";
import { AttendeesPanel } from "./AttendeesPanel";

// The attendees show first; importing and sending load when their tab is opened.
const ImportPanel = lazy(() => import("./ImportPanel").then((m) => ({ default: m.ImportPanel })));
const SendPanel = lazy(() => import("./SendPanel").then((m) => ({ default: m.SendPanel })));
const ExhibitorsPanel = lazy(() => import("../exhibitors/ExhibitorsPanel").then((m) => ({ default: m.ExhibitorsPanel })));
import { attendeeKeys } from "./queries";
import { useQueryClient } from "@tanstack/react-query";

export default function EventPage() {
  const { eventId = "" } = useParams();
  const { user } = useAuth();
  const canEdit = user?.role === "admin" || user?.role === "user";
  const event = useEvent(eventId);
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") ?? "attendees";
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState(false);
  const brands = useBrandOptions(user?.role === "admin" && editing);
  const save = useSaveEvent();
  const { notify } = useToast();
  const client = useQueryClient();

  if (event.isPending) return <Loading label="Loading the event…" />;
  if (event.isError) return <ErrorState error={event.error} retry={() => void event.refetch()} title="This event could not be loaded" />;
  const e = event.data;
  const goTo = (next: string) => setParams(next === "attendees" ? {} : { tab: next }, { replace: true });
  const firstSelected = [...selected][0];
  const sample = firstSelected
    ? (client.getQueriesData<{ data: { attendee_id: string; first_name: string | null }[] }>({ queryKey: attendeeKeys.all(eventId) })
        .flatMap(([, page]) => page?.data ?? [])
        .find((a) => a.attendee_id === firstSelected)?.first_name ?? null)
    : null;
  const tabs = [
    { id: "attendees", label: "Attendees" },
    ...(canEdit ? [{ id: "import", label: "Import" }, { id: "send", label: "Send cards & passes" }, { id: "exhibitors", label: "Exhibitors" }] : []),
  ];
  if (!canEdit) return <ExhibitorEvent event={e} />;

  return (
    <>
      <p className="breadcrumb">
        <Link to="/events">Events</Link> /
      </p>
      <PageHeader
        title={e.name}
        description={
          <>
            {formatDateTime(e.starts_at, e.timezone)} – {formatDateTime(e.ends_at, e.timezone)} · {e.timezone.replace(/_/g, " ")} <Badge tone={STATUS_TONE[e.status]}>{STATUS_LABEL[e.status]}</Badge>
          </>
        }
        actions={
          <>
            <Link className="btn btn-secondary" to={`/analytics?event=${e.event_id}`}>
              Analytics
            </Link>
            {canEdit && <Button onClick={() => setEditing(true)}>Edit event</Button>}
          </>
        }
      />
      <Tabs items={tabs} selected={tabs.some((t) => t.id === tab) ? tab : "attendees"} onSelect={goTo} label="Event sections">
        <Suspense fallback={<Loading />}>
        {tab === "import" && canEdit ? (
          <ImportPanel eventId={e.event_id} />
        ) : tab === "send" && canEdit ? (
          <SendPanel event={e} selected={[...selected]} sampleFirstName={sample} />
        ) : tab === "exhibitors" && canEdit ? (
          <ExhibitorsPanel event={e} />
        ) : (
          <AttendeesPanel event={e} canEdit={canEdit} selected={selected} onSelect={setSelected} onGoTo={goTo} />
        )}
        </Suspense>
      </Tabs>
      <Dialog open={editing} title="Edit the event" onClose={() => setEditing(false)}>
        {editing && (
          <EventForm
            event={e}
            brands={brands.data}
            onCancel={() => setEditing(false)}
            onSubmit={async (values) => {
              const saved = await save.mutateAsync({ eventId: e.event_id, body: values });
              setEditing(false);
              notify(`Event “${saved.name}” saved`);
            }}
          />
        )}
      </Dialog>
    </>
  );
}

/** The event as an exhibitor's staff see it: when and where, and their way to the scanner (the
 * attendees are not theirs to list). */
function ExhibitorEvent({ event }: { event: EventOut }) {
  const venue = event.venue;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/events">Event</Link> /
      </p>
      <PageHeader
        title={event.name}
        description={
          <>
            {formatDateTime(event.starts_at, event.timezone)} – {formatDateTime(event.ends_at, event.timezone)} · {event.timezone.replace(/_/g, " ")}{" "}
            <Badge tone={STATUS_TONE[event.status]}>{STATUS_LABEL[event.status]}</Badge>
          </>
        }
        actions={
          <>
            <Link className="btn btn-primary" to="/scan">
              Scan
            </Link>
            <Link className="btn btn-secondary" to="/leads">
              Leads
            </Link>
          </>
        }
      />
      {venue && (venue.name || venue.address) ? (
        <section className="panel" aria-labelledby="venue-title">
          <h2 id="venue-title">Venue</h2>
          {venue.name && <p>{venue.name}</p>}
          {venue.address && <p className="muted">{venue.address}</p>}
        </section>
      ) : null}
      <p className="muted">Scan attendees' cards at your booth: each lead is yours alone, with your notes, rating and tags, and downloadable as CSV.</p>
    </>
  );
}
