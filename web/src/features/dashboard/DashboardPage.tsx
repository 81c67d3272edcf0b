/** The dashboard: headline numbers for the range, the engagement over time, and the e-mail
 * funnel, for one event or all of them, in the chosen time zone. Each section asks for its own
 * data, so an answer re-draws only its section. */
import { memo } from "react";
import { Link, useLocation } from "react-router";
import { BarList } from "../../components/charts/BarList";
import { LazyTimeSeriesChart } from "../../components/charts/LazyTimeSeriesChart";
import { PageHeader, Section, Stat } from "../../components/ui/Page";
import { EmptyState, ErrorState, Loading } from "../../components/ui/States";
import { formatNumber, formatPercent } from "../../lib/time";
import { AnalyticsFilters, intervalFor, useAnalyticsFilters, type AnalyticsQuery } from "../analytics/filters";
import { useEmailFunnel, useOverview, useTimeseries } from "../analytics/queries";
import { ENGAGEMENT_SERIES, mergeSeries } from "../analytics/series";

const STAGE_LABELS: Record<string, string> = { sent: "Sent", delivered: "Delivered", opened: "Opened", clicked: "Clicked", bounced: "Bounced", complained: "Complained" };
const STAT_LABELS = ["Attendees", "E-mails sent", "Opened", "Card views", "Wallet adds", "Contact exports", "Leads"];

const Overview = memo(function Overview({ query }: { query: AnalyticsQuery }) {
  const overview = useOverview(query);
  return (
    <section aria-labelledby="overview-title" className="panel">
      <h2 id="overview-title" className="visually-hidden">
        Overview
      </h2>
      {overview.isPending ? (
        <dl className="stats" aria-busy="true">
          {STAT_LABELS.map((label) => (
            <Stat key={label} label={label} value="…" hint="loading" />
          ))}
        </dl>
      ) : overview.isError ? (
        <ErrorState error={overview.error} retry={() => void overview.refetch()} />
      ) : (
        <dl className="stats">
          <Stat label="Attendees" value={formatNumber(overview.data.attendees)} hint={`${formatNumber(overview.data.cards)} live cards`} />
          <Stat label="E-mails sent" value={formatNumber(overview.data.emails.sent)} hint={`${formatNumber(overview.data.emails.delivered)} delivered`} />
          <Stat label="Opened" value={formatNumber(overview.data.emails.opened)} hint={`${formatNumber(overview.data.emails.clicked)} clicks`} />
          <Stat label="Card views" value={formatNumber(overview.data.card_views)} hint={`${formatNumber(overview.data.unique_viewers)} unique`} />
          <Stat label="Wallet adds" value={formatNumber(overview.data.wallet_added.total)} hint={`${formatNumber(overview.data.wallet_added.apple)} Apple · ${formatNumber(overview.data.wallet_added.google)} Google`} />
          <Stat label="Contact exports" value={formatNumber(overview.data.contact_exports)} hint="vCards, saves, shares" />
          <Stat label="Leads" value={formatNumber(overview.data.leads)} hint="captured by exhibitors" />
        </dl>
      )}
    </section>
  );
});

const Engagement = memo(function Engagement({ query }: { query: AnalyticsQuery }) {
  const interval = intervalFor(query.from, query.to);
  const series = useTimeseries(query, ENGAGEMENT_SERIES.map((s) => s.key), interval);
  const error = series.find((s) => s.isError)?.error;
  const pending = series.some((s) => s.isPending);
  const points = pending || error ? [] : mergeSeries(series.map((s) => s.data!));
  const anyActivity = points.some((p) => Object.values(p.values).some((v) => v > 0));
  return (
    <Section title="Engagement over time" id="engagement">
      <div className="chart-slot">
        {pending ? (
          <Loading label="Loading the chart…" />
        ) : error ? (
          <ErrorState error={error} retry={() => series.forEach((s) => void s.refetch())} />
        ) : !anyActivity ? (
          <EmptyState title="No activity in this range">
            Send the cards of an event (<Link to="/events">Events</Link> → an event → Send cards) and views, opens and wallet adds appear here. Or widen the dates.
          </EmptyState>
        ) : (
          <LazyTimeSeriesChart points={points} series={ENGAGEMENT_SERIES} timeZone={query.tz} interval={interval} title={`Engagement per ${interval}`} />
        )}
      </div>
    </Section>
  );
});

const Funnel = memo(function Funnel({ query, search }: { query: AnalyticsQuery; search: string }) {
  const funnel = useEmailFunnel(query);
  return (
    <Section title="E-mail funnel" id="funnel" actions={<Link to={`/analytics${search}`}>All reports →</Link>}>
      <div className="funnel-slot">
        {funnel.isPending ? (
          <Loading />
        ) : funnel.isError ? (
          <ErrorState error={funnel.error} retry={() => void funnel.refetch()} />
        ) : (
          <>
            <BarList
              label="Messages per stage (unique, machines excluded)"
              bars={funnel.data.stages.filter((s) => ["sent", "delivered", "opened", "clicked"].includes(s.stage)).map((s) => ({ label: STAGE_LABELS[s.stage] ?? s.stage, value: s.unique }))}
              total={funnel.data.stages.find((s) => s.stage === "sent")?.unique}
              emptyText="No card e-mails in this range. Send an event's cards to start the funnel."
            />
            <p className="muted small">
              Open rate {funnel.data.rates.open_rate === null ? "—" : formatPercent(funnel.data.rates.open_rate, 1)} · click rate{" "}
              {funnel.data.rates.click_rate === null ? "—" : formatPercent(funnel.data.rates.click_rate, 1)} · bounces{" "}
              {formatNumber(funnel.data.stages.find((s) => s.stage === "bounced")?.unique ?? 0)}
            </p>
          </>
        )}
      </div>
    </Section>
  );
});

export default function DashboardPage() {
  const filters = useAnalyticsFilters();
  const { query } = filters;
  const { search } = useLocation();
  return (
    <>
      <PageHeader title="Dashboard" description={`${filters.event ? filters.event.name : "All events"}, in ${query.tz.replace(/_/g, " ")}`} />
      <AnalyticsFilters filters={filters} />
      <Overview query={query} />
      <Engagement query={query} />
      <Funnel query={query} search={search} />
    </>
  );
}
