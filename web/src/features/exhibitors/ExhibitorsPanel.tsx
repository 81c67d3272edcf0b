/** An event's exhibitors (its sponsors and booths), for organisers: add, rename, delete, the
 * leads each captured, and inviting their staff (exhibitor users scan leads with their phones
 * and see nothing else of the event). */
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { TextField } from "../../components/ui/Field";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { formatNumber } from "../../lib/time";
import type { EventOut } from "../events/queries";
import { useDeleteExhibitor, useExhibitors, useInviteExhibitorUser, useLeadsByExhibitor, useSaveExhibitor, type ExhibitorOut } from "./queries";

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function ExhibitorsPanel({ event }: { event: EventOut }) {
  const list = useExhibitors(event.event_id);
  const leads = useLeadsByExhibitor(event.event_id, event.timezone);
  const save = useSaveExhibitor(event.event_id);
  const remove = useDeleteExhibitor();
  const [editing, setEditing] = useState<ExhibitorOut | "new" | null>(null);
  const [inviting, setInviting] = useState<ExhibitorOut | null>(null);
  const [deleting, setDeleting] = useState<ExhibitorOut | null>(null);
  const { notify } = useToast();
  const exhibitors = list.data?.data ?? [];
  const counts = new Map((leads.data?.by_exhibitor ?? []).map((row) => [row.exhibitor_id, row]));

  return (
    <div className="exhibitors">
      <div className="panel-header">
        <p className="muted">Sponsors and booths at this event. Their staff sign in to scan attendees' cards and see only their own leads.</p>
        <Button variant="primary" onClick={() => setEditing("new")}>
          Add an exhibitor
        </Button>
      </div>
      {list.isPending ? (
        <Loading label="Loading exhibitors…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : exhibitors.length === 0 ? (
        <EmptyState
          title="No exhibitors yet"
          action={
            <Button variant="primary" onClick={() => setEditing("new")}>
              Add the first exhibitor
            </Button>
          }
        >
          Add each sponsor or booth, then invite their staff: they scan attendees' cards with their phones.
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Exhibitors of {event.name}</caption>
            <thead>
              <tr>
                <th scope="col">Exhibitor</th>
                <th scope="col" className="num">
                  Leads <span className="muted small">(12 months)</span>
                </th>
                <th scope="col">Hot · warm · cold</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {exhibitors.map((exhibitor) => {
                const row = counts.get(exhibitor.exhibitor_id);
                return (
                  <tr key={exhibitor.exhibitor_id}>
                    <th scope="row">
                      {exhibitor.name}
                      {exhibitor.contact_email && <span className="cell-sub">{exhibitor.contact_email}</span>}
                    </th>
                    <td className="num">{leads.isPending ? "…" : formatNumber(row?.leads ?? 0)}</td>
                    <td>{row ? `${formatNumber(row.hot)} · ${formatNumber(row.warm)} · ${formatNumber(row.cold)}` : "—"}</td>
                    <td className="row-actions">
                      <Button variant="ghost" onClick={() => setInviting(exhibitor)} aria-label={`Invite staff of ${exhibitor.name}`}>
                        Invite staff
                      </Button>
                      <Button variant="ghost" onClick={() => setEditing(exhibitor)} aria-label={`Edit ${exhibitor.name}`}>
                        Edit
                      </Button>
                      <Button variant="ghost" onClick={() => setDeleting(exhibitor)} aria-label={`Delete ${exhibitor.name}`}>
                        Delete
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <InlineError error={leads.error} />

      <Dialog open={editing !== null} title={editing === "new" ? "Add an exhibitor" : "Edit the exhibitor"} onClose={() => setEditing(null)}>
        {editing !== null && (
          <ExhibitorForm
            exhibitor={editing === "new" ? undefined : editing}
            onCancel={() => setEditing(null)}
            onSubmit={async (body) => {
              const saved = await save.mutateAsync({ exhibitorId: editing === "new" ? undefined : editing.exhibitor_id, body });
              setEditing(null);
              notify(editing === "new" ? `Exhibitor “${saved.name}” added` : `Exhibitor “${saved.name}” saved`);
            }}
          />
        )}
      </Dialog>
      <Dialog open={inviting !== null} title={inviting ? `Invite staff of ${inviting.name}` : "Invite staff"} onClose={() => setInviting(null)}>
        {inviting && (
          <InviteStaffForm
            exhibitor={inviting}
            onCancel={() => setInviting(null)}
            onDone={(email) => {
              setInviting(null);
              notify(`Invitation sent to ${email}`);
            }}
          />
        )}
      </Dialog>
      <Dialog
        open={deleting !== null}
        title="Delete the exhibitor?"
        onClose={() => setDeleting(null)}
        footer={
          <>
            <Button onClick={() => setDeleting(null)}>Keep it</Button>
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting.exhibitor_id, {
                  onSuccess: () => {
                    notify(`Exhibitor “${deleting.name}” deleted`);
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
        <p>
          “{deleting?.name}” and its {formatNumber(deleting ? (counts.get(deleting.exhibitor_id)?.leads ?? 0) : 0)} leads are deleted, and its staff can no longer
          scan. This cannot be undone.
        </p>
        <InlineError error={remove.error} />
      </Dialog>
    </div>
  );
}

export function ExhibitorForm({ exhibitor, onSubmit, onCancel }: { exhibitor?: ExhibitorOut; onSubmit: (body: { name: string; contact_email: string | null }) => Promise<unknown>; onCancel: () => void }) {
  const [name, setName] = useState(exhibitor?.name ?? "");
  const [email, setEmail] = useState(exhibitor?.contact_email ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = "Enter the exhibitor's name, e.g. the sponsor's company.";
    if (email.trim() && !EMAIL.test(email.trim())) found.contact_email = "Enter an e-mail address such as booth@example.com, or leave it empty.";
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await onSubmit({ name: name.trim(), contact_email: email.trim() || null });
    } catch (error) {
      if (error instanceof ApiError && error.details.length) setErrors(error.fieldErrors());
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={exhibitor ? "Edit the exhibitor" : "Add an exhibitor"}>
      <TextField label="Name" required maxLength={200} value={name} error={errors.name} onChange={(e) => setName(e.target.value)} />
      <TextField label="Contact e-mail (optional)" type="email" maxLength={254} value={email} error={errors.contact_email} hint="For the organisers; never shown to attendees." onChange={(e) => setEmail(e.target.value)} />
      <InlineError error={failure} />
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          {exhibitor ? "Save" : "Add the exhibitor"}
        </Button>
      </div>
    </form>
  );
}

function InviteStaffForm({ exhibitor, onDone, onCancel }: { exhibitor: ExhibitorOut; onDone: (email: string) => void; onCancel: () => void }) {
  const invite = useInviteExhibitorUser();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!EMAIL.test(email.trim())) {
      setErrors({ email: "Enter an e-mail address such as staff@sponsor.example." });
      return;
    }
    setErrors({});
    try {
      const made = await invite.mutateAsync({ email: email.trim(), exhibitor_id: exhibitor.exhibitor_id, ...(name.trim() ? { full_name: name.trim() } : {}) });
      onDone(made.email);
    } catch (error) {
      if (error instanceof ApiError && error.details.length) setErrors(error.fieldErrors());
      else if (error instanceof ApiError && error.code === "USER_EMAIL_TAKEN") setErrors({ email: error.message });
    }
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Invite staff">
      <TextField label="E-mail address" type="email" required autoComplete="off" value={email} error={errors.email} onChange={(e) => setEmail(e.target.value)} />
      <TextField label="Full name (optional)" maxLength={200} value={name} error={errors.full_name} onChange={(e) => setName(e.target.value)} />
      <p className="muted small">
        They get an e-mail with a temporary password. Signed in, they see the Scan page and the leads of {exhibitor.name}, nothing else of the event.
      </p>
      <InlineError error={invite.error} />
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={invite.isPending}>
          Send the invitation
        </Button>
      </div>
    </form>
  );
}
