/** Send the card e-mails (to everyone not yet sent, everyone, or the attendees selected in the
 * table) after a preview of the e-mail, and generate wallet passes; then follow each job. */
import { useState } from "react";
import type { Schemas } from "../../api/client";
import { ApiError } from "../../api/errors";
import { Button } from "../../components/ui/Button";
import { Dialog } from "../../components/ui/Dialog";
import { TextAreaField, TextField } from "../../components/ui/Field";
import { Section } from "../../components/ui/Page";
import { InlineError } from "../../components/ui/States";
import { formatDate } from "../../lib/time";
import type { EventOut } from "../events/queries";
import { JobProgress } from "./JobProgress";
import { attendeeKeys, useGeneratePasses, useSendEmails } from "./queries";
import { useQueryClient } from "@tanstack/react-query";

type Audience = "unsent" | "all" | "selected";

export function defaultSubject(event: EventOut): string {
  return `Your digital card for ${event.name}`;
}

export function EmailPreview({ event, subject, message, firstName }: { event: EventOut; subject: string; message: string; firstName?: string | null }) {
  const when = formatDate(event.starts_at, event.timezone);
  return (
    <article className="email-preview" aria-label="E-mail preview">
      <dl className="email-headers">
        <div>
          <dt>Subject</dt>
          <dd>{subject.trim() || defaultSubject(event)}</dd>
        </div>
        <div>
          <dt>To</dt>
          <dd>each attendee, at their own address</dd>
        </div>
      </dl>
      <div className="email-body">
        <p>{firstName ? `Hi ${firstName},` : "Hello,"}</p>
        <p>
          Your digital contact card for {event.name} ({when}) is ready. Show its QR code to the people you meet: one scan and they have your details.
        </p>
        {message.trim() && <p className="email-message">{message.trim()}</p>}
        <p className="email-buttons">
          <span className="email-button">Open my card</span>
          <span className="email-button secondary">Add to Apple Wallet</span>
          <span className="email-button secondary">Add to Google Wallet</span>
          <span className="email-button secondary">Download my contact</span>
        </p>
        <p className="muted small">Each attendee's e-mail carries their own card's QR code and links. You are receiving this email because you are registered for {event.name}.</p>
      </div>
    </article>
  );
}

export function SendPanel({ event, selected, sampleFirstName }: { event: EventOut; selected: string[]; sampleFirstName?: string | null }) {
  const [audience, setAudience] = useState<Audience>("unsent");
  const [subject, setSubject] = useState("");
  const [message, setMessage] = useState("");
  const [previewing, setPreviewing] = useState(false);
  const [emailJob, setEmailJob] = useState<string | null>(null);
  const [passJob, setPassJob] = useState<string | null>(null);
  const [platforms, setPlatforms] = useState({ apple: true, google: true });
  const [force, setForce] = useState(false);
  const send = useSendEmails(event.event_id);
  const client = useQueryClient();
  // Each attendee's status changes when a send finishes: the list is asked again.
  const refreshAttendees = () => void client.invalidateQueries({ queryKey: attendeeKeys.all(event.event_id) });
  const passes = useGeneratePasses(event.event_id);
  const fieldErrors = send.error instanceof ApiError ? send.error.fieldErrors() : {};
  const archived = event.status === "archived";

  const audienceText = audience === "unsent" ? "everyone not yet sent a card" : audience === "all" ? "every attendee (again)" : `the ${selected.length} selected attendee${selected.length === 1 ? "" : "s"}`;

  const doSend = () => {
    const body: Schemas["EmailSendRequest"] = audience === "selected" ? { audience: "selected", attendee_ids: selected } : { audience };
    if (subject.trim()) body.subject = subject.trim();
    if (message.trim()) body.message = message.trim();
    send.mutate(body, {
      onSuccess: (started) => {
        setPreviewing(false);
        setEmailJob(started.job.job_id);
      },
    });
  };

  const doPasses = () => {
    const chosen = (Object.keys(platforms) as ("apple" | "google")[]).filter((p) => platforms[p]);
    const body: Schemas["PassesGenerate"] = audience === "selected" && selected.length ? { platforms: chosen, force, all: false, attendee_ids: selected } : { platforms: chosen, force, all: true };
    passes.mutate(body, { onSuccess: (started) => setPassJob(started.job.job_id) });
  };

  return (
    <div className="send">
      {archived && <p className="notice notice-warn">This event is archived: its attendees can still be e-mailed, but consider making it active again first.</p>}
      <fieldset className="fieldset">
        <legend>Who</legend>
        <label className="radio">
          <input type="radio" name="audience" value="unsent" checked={audience === "unsent"} onChange={() => setAudience("unsent")} /> Everyone not yet sent a card
        </label>
        <label className="radio">
          <input type="radio" name="audience" value="all" checked={audience === "all"} onChange={() => setAudience("all")} /> Every attendee (sends again to those already sent)
        </label>
        <label className="radio">
          <input type="radio" name="audience" value="selected" checked={audience === "selected"} disabled={!selected.length} onChange={() => setAudience("selected")} /> The selected attendees ({selected.length})
          {!selected.length && <span className="muted"> — tick attendees in the Attendees tab first</span>}
        </label>
        <p className="muted small">Addresses that bounced or complained before, and attendees without an address, are skipped and counted.</p>
      </fieldset>

      <Section title="Card e-mail" id="emails">
        <TextField label="Subject" value={subject} placeholder={defaultSubject(event)} maxLength={200} error={fieldErrors.subject} hint="Leave empty for the default subject." onChange={(e) => setSubject(e.target.value)} />
        <TextAreaField label="A message to add (optional)" value={message} maxLength={2000} rows={3} error={fieldErrors.message} hint="A paragraph of plain text, shown above the card's buttons." onChange={(e) => setMessage(e.target.value)} />
        <div className="form-actions">
          <Button variant="primary" onClick={() => setPreviewing(true)}>
            Preview and send…
          </Button>
        </div>
        <InlineError error={!previewing ? send.error : null} />
        {emailJob && <JobProgress key={emailJob} jobId={emailJob} onFinished={refreshAttendees} />}
      </Section>

      <Section title="Wallet passes" id="passes">
        <p className="muted">Generates Apple and Google Wallet passes for {audience === "selected" && selected.length ? `the ${selected.length} selected attendees` : "every card of the event"}. Cards whose pass is up to date are skipped unless you regenerate.</p>
        <fieldset className="fieldset inline">
          <legend>Platforms</legend>
          <label className="checkbox">
            <input type="checkbox" checked={platforms.apple} onChange={(e) => setPlatforms({ ...platforms, apple: e.target.checked })} /> Apple Wallet
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={platforms.google} onChange={(e) => setPlatforms({ ...platforms, google: e.target.checked })} /> Google Wallet
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Regenerate passes that are up to date
          </label>
        </fieldset>
        <div className="form-actions">
          <Button onClick={doPasses} busy={passes.isPending} disabled={!platforms.apple && !platforms.google}>
            Generate passes
          </Button>
        </div>
        <InlineError error={passes.error} />
        {passJob && <JobProgress key={passJob} jobId={passJob} />}
      </Section>

      <Dialog
        open={previewing}
        wide
        title="Preview the card e-mail"
        onClose={() => setPreviewing(false)}
        footer={
          <>
            <Button onClick={() => setPreviewing(false)}>Back</Button>
            <Button variant="primary" busy={send.isPending} onClick={doSend}>
              Send to {audienceText}
            </Button>
          </>
        }
      >
        <p>
          This goes to <strong>{audienceText}</strong> of {event.name}.
        </p>
        <EmailPreview event={event} subject={subject} message={message} firstName={sampleFirstName} />
        <InlineError error={send.error} />
      </Dialog>
    </div>
  );
}
