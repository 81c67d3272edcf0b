/** The organisation's feature flags: the product's closed list (the API refuses other names), each on
 * until switched off; saving sends the whole set (a flag left out goes back to its default, on). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";
import { Button } from "../../components/ui/Button";
import { PageHeader } from "../../components/ui/Page";
import { ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { browserTimeZone, formatDateTime } from "../../lib/time";

type FlagKey = keyof Schemas["FeatureFlags"];

/** What each flag switches (the OpenAPI document says it in full). */
const LABELS: Record<FlagKey, string> = {
  apple_wallet: "Apple Wallet passes on cards, in e-mails and their routes",
  google_wallet: "Google Wallet passes on cards, in e-mails and their routes",
  vcard_download: "The vCard download on cards and in e-mails",
  share_button: "The share button on card pages",
  email_open_tracking: "The open-tracking pixel in card e-mails",
  contact_share: "“Share my details” on card pages (visitors' details e-mailed to the card's owner)",
};
const KEYS = (Object.keys(LABELS) as FlagKey[]).sort();

export default function FlagsPage() {
  const { api, data } = useApi();
  const client = useQueryClient();
  const { notify } = useToast();
  const flags = useQuery({ queryKey: ["feature-flags"], queryFn: () => data(api.GET("/api/v1/admin/feature-flags")) });
  const [draft, setDraft] = useState<Partial<Record<FlagKey, boolean>>>({});
  useEffect(() => {
    if (flags.data) setDraft(Object.fromEntries(KEYS.map((key) => [key, flags.data[key].enabled])));
  }, [flags.data]);
  const save = useMutation({
    mutationFn: (body: Schemas["FeatureFlagsReplace"]) => data(api.PUT("/api/v1/admin/feature-flags", { body })),
    onSuccess: (saved) => {
      client.setQueryData(["feature-flags"], saved);
      notify("Feature flags saved");
    },
  });
  const changed = flags.data ? KEYS.some((key) => (draft[key] ?? true) !== flags.data[key].enabled) : false;
  const zone = browserTimeZone();

  return (
    <>
      <PageHeader title="Feature flags" description="Switch features on and off for your whole organisation. Every flag is on until you switch it off." />
      {flags.isPending ? (
        <Loading />
      ) : flags.isError ? (
        <ErrorState error={flags.error} retry={() => void flags.refetch()} />
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            // The flags the organisation set stay set; a default one is sent only when switched off.
            const body: Schemas["FeatureFlagsReplace"] = {};
            for (const key of KEYS) {
              const enabled = draft[key] ?? true;
              if (flags.data[key].source === "tenant" || !enabled) body[key] = { enabled };
            }
            save.mutate(body);
          }}
        >
          <ul className="flag-list">
            {KEYS.map((key) => {
              const state = flags.data[key];
              return (
                <li key={key}>
                  <label className="switch">
                    <input type="checkbox" role="switch" name={key} checked={draft[key] ?? true} onChange={(e) => setDraft({ ...draft, [key]: e.target.checked })} />
                    <span>
                      <code>{key}</code> <span className="muted">— {LABELS[key]}</span>
                      {state.source === "default" ? (
                        <span className="muted small"> (default: on)</span>
                      ) : (
                        state.updated_at && <span className="muted small"> · changed {formatDateTime(state.updated_at, zone)}</span>
                      )}
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
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
