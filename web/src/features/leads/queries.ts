import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useApi } from "../../app/providers";

export const leadKeys = {
  all: ["leads"] as const,
  summary: ["leads", "summary"] as const,
  list: (q: string, cursor: string | null) => ["leads", "list", q, cursor] as const,
};

/** The caller's exhibitor (name, event) and its lead counts. */
export function useLeadSummary() {
  const { api, data } = useApi();
  return useQuery({ queryKey: leadKeys.summary, queryFn: () => data(api.GET("/api/v1/leads/summary")), staleTime: 10_000 });
}

export function useLeads(q: string, cursor: string | null) {
  const { api, call } = useApi();
  return useQuery({
    queryKey: leadKeys.list(q, cursor),
    queryFn: () => call(api.GET("/api/v1/leads", { params: { query: { limit: 50, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) } } })),
    placeholderData: (previous) => previous,
  });
}

export function useDeleteLead() {
  const { api, call } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (leadId: string) => call(api.DELETE("/api/v1/leads/{lead_id}", { params: { path: { lead_id: leadId } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: leadKeys.all }),
  });
}

/** The leads as the API's CSV (formula-safe, UTF-8 with BOM for spreadsheets). */
export function useLeadsCsv() {
  const { api, call } = useApi();
  return useMutation({ mutationFn: async () => (await call(api.GET("/api/v1/leads/export.csv", { parseAs: "blob" }))) as unknown as Blob });
}
