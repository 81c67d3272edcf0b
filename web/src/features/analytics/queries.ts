import { useQueries, useQuery } from "@tanstack/react-query";
import { useApi } from "../../app/providers";
import type { AnalyticsQuery, Interval } from "./filters";

export function useOverview(query: AnalyticsQuery) {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["analytics", "overview", query], queryFn: () => data(api.GET("/api/v1/admin/analytics/overview", { params: { query } })) });
}

export function useEmailFunnel(query: AnalyticsQuery) {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["analytics", "email", query], queryFn: () => data(api.GET("/api/v1/admin/analytics/email", { params: { query } })) });
}

export function useViews(query: AnalyticsQuery) {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["analytics", "views", query], queryFn: () => data(api.GET("/api/v1/admin/analytics/views", { params: { query } })) });
}

export function useWallet(query: AnalyticsQuery) {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["analytics", "wallet", query], queryFn: () => data(api.GET("/api/v1/admin/analytics/wallet", { params: { query } })) });
}

export function useExports(query: AnalyticsQuery) {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["analytics", "exports", query], queryFn: () => data(api.GET("/api/v1/admin/analytics/exports", { params: { query } })) });
}

export function useLeadsReport(query: AnalyticsQuery) {
  const { api, data } = useApi();
  return useQuery({ queryKey: ["analytics", "leads", query], queryFn: () => data(api.GET("/api/v1/admin/analytics/leads", { params: { query } })) });
}

/** Several metrics over the same buckets, one request each. */
export function useTimeseries(query: AnalyticsQuery, metrics: string[], interval: Interval) {
  const { api, data } = useApi();
  return useQueries({
    queries: metrics.map((metric) => ({
      queryKey: ["analytics", "timeseries", query, metric, interval],
      queryFn: () => data(api.GET("/api/v1/admin/analytics/timeseries", { params: { query: { ...query, metric, interval } } })),
    })),
  });
}
