import type { Series, SeriesPoint } from "../../components/charts/TimeSeriesChart";

export const ENGAGEMENT_SERIES: Series[] = [
  { key: "card_views", label: "Card views", color: "#1d4ed8" },
  { key: "emails_opened", label: "E-mail opens", color: "#0f766e" },
  { key: "emails_clicked", label: "E-mail clicks", color: "#b45309" },
  { key: "wallet_added", label: "Wallet adds", color: "#7c3aed" },
  { key: "contact_exports", label: "Contact exports", color: "#be123c" },
];

/** One row per bucket with every metric's value, from one answer per metric. */
export function mergeSeries(results: { metric: string; points: { start: string; value: number }[] }[]): SeriesPoint[] {
  const rows = new Map<string, SeriesPoint>();
  for (const result of results) {
    for (const point of result.points) {
      const row = rows.get(point.start) ?? { start: point.start, values: {} };
      row.values[result.metric] = point.value;
      rows.set(point.start, row);
    }
  }
  return [...rows.values()].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}
