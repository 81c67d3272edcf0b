/** A horizontal bar chart that is also its own table of numbers: each row says its label, its
 * count and its share, so it reads the same to a screen reader as on screen. */
import { formatNumber, formatPercent } from "../../lib/time";

export interface Bar {
  label: string;
  value: number;
}

export function BarList({ bars, label, total, emptyText = "Nothing in this range yet." }: { bars: Bar[]; label: string; total?: number; emptyText?: string }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const sum = total ?? bars.reduce((n, b) => n + b.value, 0);
  if (!bars.length || max === 0) return <p className="muted">{emptyText}</p>;
  return (
    <table className="barlist" aria-label={label}>
      <thead className="visually-hidden">
        <tr>
          <th scope="col">{label}</th>
          <th scope="col">Count</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {bars.map((bar) => (
          <tr key={bar.label}>
            <th scope="row">
              <span className="barlist-label">{bar.label}</span>
              <span className="barlist-track" aria-hidden="true">
                <span className="barlist-fill" style={{ width: `${(bar.value / max) * 100}%` }} />
              </span>
            </th>
            <td className="num">{formatNumber(bar.value)}</td>
            <td className="num muted">{formatPercent(bar.value, sum)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
