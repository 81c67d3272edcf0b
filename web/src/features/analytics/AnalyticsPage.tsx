/** Every report with a chart and its numbers: e-mail funnel, card views by source, device,
 * browser and OS, wallet passes by platform, contact exports; each downloadable as CSV. */
import { useState } from "react";
import { BarList } from "../../components/charts/BarList";
import { LazyTimeSeriesChart } from "../../components/charts/LazyTimeSeriesChart";
import { Button } from "../../components/ui/Button";
import { PageHeader, Section, Stat } from "../../components/ui/Page";
import { ErrorState, InlineError, Loading } from "../../components/ui/States";
import { useApi } from "../../app/providers";
import { saveBlob } from "../../lib/download";
import { formatNumber, formatPercent } from "../../lib/time";
import { AnalyticsFilters, intervalFor, useAnalyticsFilters, type AnalyticsQuery } from "./filters";
import { useEmailFunnel, useExports, useLeadsReport, useTimeseries, useViews, useWallet } from "./queries";
import { ENGAGEMENT_SERIES, mergeSeries } from "./series";

type Report = "email" | "views" | "wallet" | "exports";
const STAGES: Record<string, string> = { sent: "Sent", delivered: "Delivered", opened: "Opened", clicked: "Clicked", bounced: "Bounced", complained: "Complained" };
const EXPORTS: Record<string, string> = { vcard_download: "vCard downloads", add_to_contacts: "Add to contacts", copy_email: "E-mail copied", share: "Shared" };
const WALLET_EVENTS = ["generated", "downloaded", "added", "removed", "updated", "email_clicked"] as const;
const WALLET_LABELS: Record<(typeof WALLET_EVENTS)[number], string> = { generated: "Generated", downloaded: "Downloaded", added: "Added", removed: "Removed", updated: "Updated", email_clicked: "Clicked in e-mail" };

function label(value: string): string {
  return value === "unknown" || value === "" ? "Unknown" : value.charAt(0).toUpperCase() + value.slice(1);
}

function CsvButton({ report, query }: { report: Report; query: AnalyticsQuery }) {
  const { api, call } = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <span className="csv-button">
      <Button
        busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            const blob = await call(api.GET("/api/v1/admin/analytics/export.csv", { params: { query: { ...query, report } }, parseAs: "blob" }));
            saveBlob(blob as Blob, `outreachpass-${report}-${query.from}-${query.to}.csv`);
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        Download CSV
      </Button>
      <InlineError error={error} />
    </span>
  );
}

export default function AnalyticsPage() {
  const filters = useAnalyticsFilters();
  const { query } = filters;
  const funnel = useEmailFunnel(query);
  const views = useViews(query);
  const wallet = useWallet(query);
  const exports = useExports(query);
  const leads = useLeadsReport(query);
  const interval = intervalFor(query.from, query.to);
  const series = useTimeseries(query, ENGAGEMENT_SERIES.map((s) => s.key), interval);
  const seriesError = series.find((s) => s.isError)?.error;
  const seriesReady = series.every((s) => s.isSuccess);

  return (
    <>
      <PageHeader title="Analytics" description="Bots and machine opens are left out of every number here and counted apart." />
      <AnalyticsFilters filters={filters} />

      <Section title="Over time" id="over-time">
        <div className="chart-slot">
        {seriesError ? (
          <ErrorState error={seriesError} />
        ) : !seriesReady ? (
          <Loading />
        ) : (
          <LazyTimeSeriesChart points={mergeSeries(series.map((s) => s.data!))} series={ENGAGEMENT_SERIES} timeZone={query.tz} interval={interval} title={`Engagement per ${interval}`} />
        )}
        </div>
      </Section>

      <Section title="E-mail funnel" id="email" actions={<CsvButton report="email" query={query} />}>
        {funnel.isPending ? (
          <Loading />
        ) : funnel.isError ? (
          <ErrorState error={funnel.error} retry={() => void funnel.refetch()} />
        ) : (
          <div className="report">
            <BarList label="Unique messages per stage" bars={funnel.data.stages.map((s) => ({ label: STAGES[s.stage] ?? s.stage, value: s.unique }))} total={funnel.data.stages.find((s) => s.stage === "sent")?.unique} emptyText="No card e-mails in this range." />
            <div className="table-scroll">
              <table className="table compact">
                <caption>Per stage</caption>
                <thead>
                  <tr>
                    <th scope="col">Stage</th>
                    <th scope="col" className="num">Unique</th>
                    <th scope="col" className="num">Total</th>
                    <th scope="col" className="num">Machines</th>
                  </tr>
                </thead>
                <tbody>
                  {funnel.data.stages.map((s) => (
                    <tr key={s.stage}>
                      <th scope="row">{STAGES[s.stage] ?? s.stage}</th>
                      <td className="num">{formatNumber(s.unique)}</td>
                      <td className="num">{formatNumber(s.total)}</td>
                      <td className="num">{formatNumber(s.bots)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <dl className="stats compact">
              {(
                [
                  ["Delivery rate", funnel.data.rates.delivery_rate],
                  ["Open rate", funnel.data.rates.open_rate],
                  ["Click rate", funnel.data.rates.click_rate],
                  ["Bounce rate", funnel.data.rates.bounce_rate],
                ] as const
              ).map(([name, rate]) => (
                <Stat key={name} label={name} value={rate === null ? "—" : formatPercent(rate, 1)} />
              ))}
            </dl>
          </div>
        )}
      </Section>

      <Section title="Card views" id="views" actions={<CsvButton report="views" query={query} />}>
        {views.isPending ? (
          <Loading />
        ) : views.isError ? (
          <ErrorState error={views.error} retry={() => void views.refetch()} />
        ) : (
          <>
            <dl className="stats compact">
              <Stat label="Views" value={formatNumber(views.data.total)} />
              <Stat label="Unique" value={formatNumber(views.data.unique)} />
              <Stat label="Bots (left out)" value={formatNumber(views.data.bots)} />
            </dl>
            <div className="report-grid">
              {(
                [
                  ["By source", views.data.by_source],
                  ["By device", views.data.by_device],
                  ["By browser", views.data.by_browser],
                  ["By operating system", views.data.by_os],
                ] as const
              ).map(([title, rows]) => (
                <div key={title}>
                  <h3>{title}</h3>
                  <BarList label={`Card views ${title.toLowerCase()}`} bars={rows.map((r) => ({ label: label(r.value), value: r.count }))} total={views.data.total} />
                </div>
              ))}
            </div>
          </>
        )}
      </Section>

      <Section title="Wallet passes" id="wallet" actions={<CsvButton report="wallet" query={query} />}>
        {wallet.isPending ? (
          <Loading />
        ) : wallet.isError ? (
          <ErrorState error={wallet.error} retry={() => void wallet.refetch()} />
        ) : (
          <div className="report">
            <BarList label="Passes added, by platform" bars={[{ label: "Apple Wallet", value: wallet.data.by_platform.apple.added }, { label: "Google Wallet", value: wallet.data.by_platform.google.added }]} emptyText="No pass was added to a wallet in this range." />
            <div className="table-scroll">
              <table className="table compact">
                <caption>By platform</caption>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col" className="num">Apple</th>
                    <th scope="col" className="num">Google</th>
                    <th scope="col" className="num">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {WALLET_EVENTS.map((key) => (
                    <tr key={key}>
                      <th scope="row">{WALLET_LABELS[key]}</th>
                      <td className="num">{formatNumber(wallet.data.by_platform.apple[key])}</td>
                      <td className="num">{formatNumber(wallet.data.by_platform.google[key])}</td>
                      <td className="num">{formatNumber(wallet.data.totals[key])}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </Section>

      <Section title="Contact exports" id="exports" actions={<CsvButton report="exports" query={query} />}>
        {exports.isPending ? (
          <Loading />
        ) : exports.isError ? (
          <ErrorState error={exports.error} retry={() => void exports.refetch()} />
        ) : (
          <>
            <BarList label="Contact exports by type" bars={Object.entries(exports.data.by_type).map(([key, value]) => ({ label: EXPORTS[key] ?? key, value }))} total={exports.data.total} emptyText="Nobody saved a card's contact in this range." />
            <p className="muted small">
              {formatNumber(exports.data.total)} in all; {formatNumber(exports.data.bots)} by bots left out.
            </p>
          </>
        )}
      </Section>

      <Section title="Leads by exhibitor" id="leads">
        {leads.isPending ? (
          <Loading />
        ) : leads.isError ? (
          <ErrorState error={leads.error} retry={() => void leads.refetch()} />
        ) : leads.data.by_exhibitor.length === 0 ? (
          <p className="muted">No exhibitors{query.event_id ? " at this event" : ""} yet: add them on an event's Exhibitors tab, and their staff scan attendees' cards.</p>
        ) : (
          <div className="report">
            <BarList label="Leads captured, by exhibitor" bars={leads.data.by_exhibitor.map((row) => ({ label: row.name, value: row.leads }))} total={leads.data.total} emptyText="No exhibitor captured a lead in this range." />
            <div className="table-scroll">
              <table className="table compact">
                <caption>By rating</caption>
                <thead>
                  <tr>
                    <th scope="col">Exhibitor</th>
                    <th scope="col" className="num">Leads</th>
                    <th scope="col" className="num">Hot</th>
                    <th scope="col" className="num">Warm</th>
                    <th scope="col" className="num">Cold</th>
                  </tr>
                </thead>
                <tbody>
                  {leads.data.by_exhibitor.map((row) => (
                    <tr key={row.exhibitor_id}>
                      <th scope="row">{row.name}</th>
                      <td className="num">{formatNumber(row.leads)}</td>
                      <td className="num">{formatNumber(row.hot)}</td>
                      <td className="num">{formatNumber(row.warm)}</td>
                      <td className="num">{formatNumber(row.cold)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        )}
      </Section>
    </>
  );
}
