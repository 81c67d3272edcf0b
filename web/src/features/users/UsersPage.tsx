/** The organisation's users: invite, change role, disable and enable. */
import { useState } from "react";
import { ROLE_LABELS } from "../../app/navigation";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { SelectField } from "../../components/ui/Field";
import { Badge, PageHeader } from "../../components/ui/Page";
import { Pager, useCursorPages } from "../../components/ui/Pager";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { formatDate, browserTimeZone } from "../../lib/time";
import { useAuth } from "../auth/AuthProvider";
import type { Role } from "../auth/session";
import { ExhibitorPicker } from "../exhibitors/ExhibitorPicker";
import { useExhibitorNames } from "../exhibitors/queries";
import { InviteForm } from "./InviteForm";
import { useInviteUser, useUpdateUser, useUsers, type UserOut } from "./queries";

const STATUS_TONE = { invited: "info", active: "good", disabled: "bad" } as const;
const STATUS_LABEL = { invited: "Invited", active: "Active", disabled: "Disabled" } as const;

export default function UsersPage() {
  const { user: me } = useAuth();
  const [role, setRole] = useState("");
  const [status, setStatus] = useState("");
  const pages = useCursorPages();
  const users = useUsers(role, status, pages.cursor);
  const [inviting, setInviting] = useState(false);
  const [toggling, setToggling] = useState<UserOut | null>(null);
  const [placing, setPlacing] = useState<UserOut | null>(null);
  const [placeAt, setPlaceAt] = useState("");
  const invite = useInviteUser();
  const update = useUpdateUser();
  const { notify } = useToast();
  const zone = browserTimeZone();
  const list = users.data?.data ?? [];
  const exhibitorNames = useExhibitorNames([...new Set(list.map((u) => u.exhibitor_id).filter((id): id is string => Boolean(id)))]);

  const changeRole = (user: UserOut, next: Role) => {
    if (next === "exhibitor") {
      // An exhibitor user works for one exhibitor: ask which first.
      setPlaceAt("");
      setPlacing(user);
      return;
    }
    update.mutate({ userId: user.user_id, body: { role: next } }, { onSuccess: () => notify(`${user.email} is now ${ROLE_LABELS[next].toLowerCase()}`) });
  };

  return (
    <>
      <PageHeader
        title="Users"
        description="Who can sign in to your organisation, and what they can do."
        actions={
          <Button variant="primary" onClick={() => setInviting(true)}>
            Invite a user
          </Button>
        }
      />
      <div className="toolbar">
        <SelectField label="Role" value={role} onChange={(e) => (setRole(e.target.value), pages.reset())}>
          <option value="">All roles</option>
          {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Status" value={status} onChange={(e) => (setStatus(e.target.value), pages.reset())}>
          <option value="">Any status</option>
          <option value="active">Active</option>
          <option value="invited">Invited</option>
          <option value="disabled">Disabled</option>
        </SelectField>
      </div>
      <InlineError error={update.error} />
      {users.isPending ? (
        <Loading label="Loading users…" />
      ) : users.isError ? (
        <ErrorState error={users.error} retry={() => void users.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState title="Nobody matches" action={<Button onClick={() => (setRole(""), setStatus(""))}>Show everyone</Button>}>
          Change the filters, or invite someone.
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => {
                const isMe = u.email.toLowerCase() === me?.email.toLowerCase();
                return (
                  <tr key={u.user_id}>
                    <th scope="row">
                      {u.full_name || u.email}
                      {u.full_name && <span className="cell-sub">{u.email}</span>}
                      {isMe && <span className="cell-sub">(you)</span>}
                      {u.exhibitor_id && <span className="cell-sub">at {exhibitorNames[u.exhibitor_id] ?? "an exhibitor"}</span>}
                    </th>
                    <td>
                      <select aria-label={`Role of ${u.email}`} value={u.role} disabled={update.isPending} onChange={(e) => changeRole(u, e.target.value as Role)}>
                        {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
                          <option key={r} value={r}>
                            {ROLE_LABELS[r]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <Badge tone={STATUS_TONE[u.status]}>{STATUS_LABEL[u.status]}</Badge>
                    </td>
                    <td>{formatDate(u.created_at, zone)}</td>
                    <td className="row-actions">
                      <Button variant="ghost" onClick={() => setToggling(u)} aria-label={`${u.status === "disabled" ? "Enable" : "Disable"} ${u.email}`}>
                        {u.status === "disabled" ? "Enable" : "Disable"}
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pages.page} nextCursor={users.data?.meta.next_cursor} onNext={pages.next} onBack={pages.back} label="User pages" />

      <Dialog open={inviting} title="Invite a user" onClose={() => setInviting(false)}>
        {inviting && (
          <InviteForm
            onCancel={() => setInviting(false)}
            onSubmit={async (body) => {
              const made = await invite.mutateAsync(body);
              setInviting(false);
              notify(`Invitation sent to ${made.email}`);
            }}
          />
        )}
      </Dialog>
      <Dialog
        open={placing !== null}
        title="Which exhibitor do they work for?"
        onClose={() => setPlacing(null)}
        footer={
          <>
            <Button onClick={() => setPlacing(null)}>Cancel</Button>
            <Button
              variant="primary"
              busy={update.isPending}
              disabled={!placeAt}
              onClick={() =>
                placing &&
                update.mutate(
                  { userId: placing.user_id, body: { role: "exhibitor", exhibitor_id: placeAt } },
                  {
                    onSuccess: (u) => {
                      notify(`${u.email} is now exhibitor`);
                      setPlacing(null);
                    },
                  },
                )
              }
            >
              Make them exhibitor
            </Button>
          </>
        }
      >
        <p>{placing?.email} will see the Scan page and the leads of this exhibitor only.</p>
        {placing && <ExhibitorPicker value={placeAt} onChange={setPlaceAt} />}
        <InlineError error={update.error} />
      </Dialog>
      <Dialog
        open={toggling !== null}
        title={toggling?.status === "disabled" ? "Enable the user?" : "Disable the user?"}
        onClose={() => setToggling(null)}
        footer={
          <>
            <Button onClick={() => setToggling(null)}>Cancel</Button>
            <Button
              variant={toggling?.status === "disabled" ? "primary" : "danger"}
              busy={update.isPending}
              onClick={() =>
                toggling &&
                update.mutate(
                  { userId: toggling.user_id, body: { status: toggling.status === "disabled" ? "active" : "disabled" } },
                  {
                    onSuccess: (u) => {
                      notify(`${u.email} ${u.status === "disabled" ? "disabled" : "enabled"}`);
                      setToggling(null);
                    },
                  },
                )
              }
            >
              {toggling?.status === "disabled" ? "Enable" : "Disable"}
            </Button>
          </>
        }
      >
        <p>
          {toggling?.status === "disabled"
            ? `${toggling.email} can sign in again.`
            : `${toggling?.email} is signed out everywhere and cannot sign in until enabled again.`}
        </p>
        <InlineError error={update.error} />
      </Dialog>
    </>
  );
}
