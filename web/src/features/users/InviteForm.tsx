import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { ROLE_LABELS } from "../../app/navigation";
import { Button } from "../../components/ui/Button";
import { SelectField, TextField } from "../../components/ui/Field";
import { InlineError } from "../../components/ui/States";
import type { Role } from "../auth/session";
import { ExhibitorPicker } from "../exhibitors/ExhibitorPicker";

export const ROLE_HELP: Record<Role, string> = {
  admin: "Everything, including users, brands, feature flags and the audit log.",
  user: "Events, attendees, cards, sending and analytics.",
  exhibitor: "A sponsor's staff at one exhibitor: scans leads and sees only its own leads and its event.",
};

export function InviteForm({ onSubmit, onCancel }: { onSubmit: (body: { email: string; full_name?: string; role: Role; exhibitor_id?: string }) => Promise<unknown>; onCancel: () => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("user");
  const [exhibitorId, setExhibitorId] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) {
      setErrors({ email: "Enter an e-mail address such as ada@example.com." });
      document.getElementById("invite-email")?.focus();
      return;
    }
    if (role === "exhibitor" && !exhibitorId) {
      setErrors({ exhibitor_id: "Choose the exhibitor this person works for." });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSubmit({ email: email.trim(), role, ...(name.trim() ? { full_name: name.trim() } : {}), ...(role === "exhibitor" ? { exhibitor_id: exhibitorId } : {}) });
    } catch (error) {
      if (error instanceof ApiError && error.details.length) setErrors(error.fieldErrors());
      else if (error instanceof ApiError && error.code === "USER_EMAIL_TAKEN") setErrors({ email: error.message });
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Invite a user">
      <TextField id="invite-email" label="E-mail address" type="email" required autoComplete="off" value={email} error={errors.email} onChange={(e) => setEmail(e.target.value)} />
      <TextField id="invite-name" label="Full name (optional)" value={name} maxLength={200} error={errors.full_name} onChange={(e) => setName(e.target.value)} />
      <SelectField id="invite-role" label="Role" value={role} error={errors.role} hint={ROLE_HELP[role]} onChange={(e) => setRole(e.target.value as Role)}>
        {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </SelectField>
      {role === "exhibitor" && <ExhibitorPicker value={exhibitorId} onChange={setExhibitorId} error={errors.exhibitor_id} />}
      <p className="muted small">They get an e-mail with a temporary password, and choose their own at the first sign-in.</p>
      <InlineError error={failure} />
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          Send the invitation
        </Button>
      </div>
    </form>
  );
}
