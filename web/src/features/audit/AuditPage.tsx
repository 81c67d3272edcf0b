/** Who changed what in the organisation, newest first, with each change's before and after. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../app/providers";
import { TextField } from "../../components/ui/Field";
import { PageHeader } from "../../components/ui/Page";
import { Pager, useCursorPages } from "../../components/ui/Pager";
import { EmptyState, ErrorState, Loading } from "../../components/ui/States";
import { browserTimeZone, formatDateTime } from "../../lib/time";

export default function AuditPage() {
  const { api, call } = useApi();
  const [entity, setEntity] = useState("");
  const [action, setAction] = useState("");
  const pages = useCursorPages();
  const zone = browserTimeZone();
  const log = useQuery({
    queryKey: ["audit-log", entity, action, pages.cursor],
    queryFn: () =>
      call(api.GET("/api/v1/admin/audit-log", { params: { query: { limit: 50, ...(entity ? { entity_type: entity } : {}), ...(action ? { action } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) } } })),
    placeholderData: (previous) => previous,
  });
  const rows = log.data?.data ?? [];
  return (
    <>
      <PageHeader title="Audit log" description={`Every change by your organisation's users and by the platform team, kept two years. Times in ${zone.replace(/_/g, " ")}.`} />
      <form className="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Audit log filters">
        <TextField label="Entity type" placeholder="e.g. event, user" value={entity} onChange={(e) => (setEntity(e.target.value.trim()), pages.reset())} />
        <TextField label="Action" placeholder="e.g. user.invite" value={action} onChange={(e) => (setAction(e.target.value.trim()), pages.reset())} />
      </form>
      {log.isPending ? (
        <Loading />
      ) : log.isError ? (
        <ErrorState error={log.error} retry={() => void log.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title="Nothing recorded">{entity || action ? "Nothing matches these filters: clear them to see everything." : "Changes to events, users, brands and flags show up here."}</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Audit log</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">What</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((entry) => (
                <tr key={entry.audit_id}>
                  <td>{formatDateTime(entry.occurred_at, zone)}</td>
                  <td className="break">{entry.actor_email ?? entry.actor_sub ?? "platform"}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td className="break">
                    {entry.entity_type}
                    {entry.entity_id && <span className="cell-sub">{entry.entity_id}</span>}
                  </td>
                  <td>
                    {entry.before || entry.after ? (
                      <details>
                        <summary>Show</summary>
                        <pre className="json">{JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}</pre>
                      </details>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pages.page} nextCursor={log.data?.meta.next_cursor} onNext={pages.next} onBack={pages.back} label="Audit log pages" />
    </>
  );
}
