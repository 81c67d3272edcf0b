import { Suspense, lazy, type ComponentProps } from "react";
import { Loading } from "../ui/States";
import type TimeSeriesChartType from "./TimeSeriesChart";

// uPlot stays out of the first load: only pages with a time series fetch it.
const Chart = lazy(() => import("./TimeSeriesChart"));

export function LazyTimeSeriesChart(props: ComponentProps<typeof TimeSeriesChartType>) {
  return (
    <Suspense fallback={<Loading label="Loading the chart…" />}>
      <Chart {...props} />
    </Suspense>
  );
}
