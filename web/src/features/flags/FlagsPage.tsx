/** The organisation's feature flags: switch each one, add one by name, save the whole set. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";
import { Button } from "../../components/ui/Button";
import { TextField } from "../../components/ui/Field";
import { PageHeader } from "../../components/ui/Page";
import { EmptyState, ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { browserTimeZone, formatDateTime } from "../../lib/time";

/** What the product's flags do (issue 12 defines them); others are shown by name. */
const KNOWN: Record<string, string> = {
  apple_wallet: "Apple Wallet passes on cards, in e-mails and their routes",
  google_wallet: "Google Wallet passes on cards, in e-mails and their routes",
  vcard_download: "The vCard download on cards and in e-mails",
  share_button: "The share button on card pages",
  email_open_tracking: "The open-tracking pixel in card e-mails",
};

export default function FlagsPage() {
  const { api, data } = useApi();
  const client = useQueryClient();
  const { notify } = useToast();
  const flags = useQuery({ queryKey: ["feature-flags"], queryFn: () => data(api.GET("/api/v1/admin/feature-flags")) });
  const [draft, setDraft] = useState<Record<string, boolean>>({});
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();
  useEffect(() => {
    if (flags.data) setDraft(Object.fromEntries(Object.entries(flags.data).map(([key, flag]) => [key, flag.enabled])));
  }, [flags.data]);
  const save = useMutation({
    mutationFn: (body: Schemas["FeatureFlagsReplace"]) => data(api.PUT("/api/v1/admin/feature-flags", { body })),
    onSuccess: (saved) => {
      client.setQueryData(["feature-flags"], saved);
      notify("Feature flags saved");
    },
  });
  const keys = [...new Set([...Object.keys(KNOWN), ...Object.keys(draft)])].sort();
  const changed = flags.data ? keys.some((k) => (draft[k] ?? true) !== (flags.data[k]?.enabled ?? true)) || Object.keys(draft).length !== Object.keys(flags.data).length : false;
  const zone = browserTimeZone();

  return (
    <>
      <PageHeader title="Feature flags" description="Switch features on and off for your whole organisation. A flag not set counts as on." />
      {flags.isPending ? (
        <Loading />
      ) : flags.isError ? (
        <ErrorState error={flags.error} retry={() => void flags.refetch()} />
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            const body: Schemas["FeatureFlagsReplace"] = {};
            for (const [key, enabled] of Object.entries(draft)) body[key] = { enabled, value: flags.data[key]?.value ?? null };
            save.mutate(body);
          }}
        >
          {keys.length === 0 ? (
            <EmptyState title="No flags set">Every feature is on. Add a flag below to switch one off.</EmptyState>
          ) : (
            <ul className="flag-list">
              {keys.map((key) => {
                const enabled = draft[key] ?? true;
                return (
                  <li key={key}>
                    <label className="switch">
                      <input type="checkbox" role="switch" checked={enabled} onChange={(e) => setDraft({ ...draft, [key]: e.target.checked })} />
                      <span>
                        <code>{key}</code> {KNOWN[key] && <span className="muted">— {KNOWN[key]}</span>}
                        {!(key in draft) && <span className="muted small"> (not set: on)</span>}
                        {flags.data[key] && <span className="muted small"> · changed {formatDateTime(flags.data[key].updated_at, zone)}</span>}
                      </span>
                    </label>
                  </li>
                );
              })}
            </ul>
          )}
          <div className="form-row align-end">
            <TextField label="Add a flag" value={name} placeholder="e.g. beta_scanner" error={nameError} onChange={(e) => setName(e.target.value)} />
            <Button
              onClick={() => {
                if (!/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/.test(name)) return setNameError("Start with a letter; letters, numbers, _ . : - only.");
                setNameError(undefined);
                setDraft({ ...draft, [name]: true });
                setName("");
              }}
            >
              Add
            </Button>
          </div>
          <InlineError error={save.error} />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={save.isPending} disabled={!changed}>
              Save flags
            </Button>
          </div>
        </form>
      )}
    </>
  );
}
