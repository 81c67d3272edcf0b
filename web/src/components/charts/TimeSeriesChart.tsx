/** Several counts over time on one chart (uPlot, canvas, ~20 KB: loaded only with the pages
 * that draw it), with the numbers in a table beside it for screen readers and for reading. */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber } from "../../lib/time";

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface SeriesPoint {
  start: string;
  values: Record<string, number>;
}

export function TimeSeriesChart({ points, series, timeZone, interval, title }: { points: SeriesPoint[]; series: Series[]; timeZone: string; interval: "hour" | "day" | "week"; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || !points.length) return;
    const xs = points.map((p) => Date.parse(p.start) / 1000);
    const data: uPlot.AlignedData = [xs, ...series.map((s) => points.map((p) => p.values[s.key] ?? 0))];
    const width = () => Math.max(element.clientWidth, 280);
    const plot = new uPlot(
      {
        width: width(),
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(max, 4)] } },
        axes: [
          { stroke: "#475569", grid: { stroke: "#e2e8f0" } },
          { stroke: "#475569", grid: { stroke: "#e2e8f0" }, size: 56, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) },
        ],
        series: [{ label: interval === "hour" ? "Hour" : interval === "week" ? "Week" : "Day" }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: points.length < 40 } }))],
      },
      data,
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 260 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [points, series, timeZone, interval]);

  const bucket = new Intl.DateTimeFormat(undefined, interval === "hour" ? { dateStyle: "short", timeStyle: "short", timeZone } : { dateStyle: "medium", timeZone });
  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" aria-hidden="true" data-testid="timeseries-chart" />
      <figcaption className="visually-hidden">{title}</figcaption>
      <details className="chart-numbers">
        <summary>Show the numbers</summary>
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{interval === "hour" ? "Hour" : interval === "week" ? "Week of" : "Day"}</th>
                {series.map((s) => (
                  <th scope="col" key={s.key} className="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.start}>
                  <th scope="row">{bucket.format(new Date(p.start))}</th>
                  {series.map((s) => (
                    <td key={s.key} className="num">
                      {formatNumber(p.values[s.key] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

export default TimeSeriesChart;
