import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";
import { dayInZone } from "../../lib/time";

export type ExhibitorOut = Schemas["ExhibitorOut"];

export const exhibitorKeys = {
  all: ["exhibitors"] as const,
  list: (eventId: string) => ["exhibitors", "list", eventId] as const,
  one: (id: string) => ["exhibitors", "one", id] as const,
};

/** An event's exhibitors (up to 200, the API's page; events have tens). */
export function useExhibitors(eventId: string) {
  const { api, call } = useApi();
  return useQuery({
    queryKey: exhibitorKeys.list(eventId),
    queryFn: () => call(api.GET("/api/v1/admin/events/{event_id}/exhibitors", { params: { path: { event_id: eventId }, query: { limit: 200 } } })),
    enabled: Boolean(eventId),
  });
}

/** Exhibitors by id (the users list names each exhibitor user's exhibitor). */
export function useExhibitorNames(ids: string[]) {
  const { api, data } = useApi();
  const found = useQueries({
    queries: ids.map((id) => ({
      queryKey: exhibitorKeys.one(id),
      queryFn: () => data(api.GET("/api/v1/admin/exhibitors/{exhibitor_id}", { params: { path: { exhibitor_id: id } } })),
      staleTime: 60_000,
      retry: false,
    })),
  });
  const names: Record<string, string> = {};
  found.forEach((query, index) => {
    const id = ids[index];
    if (id && query.data) names[id] = query.data.name;
  });
  return names;
}

export function useSaveExhibitor(eventId: string) {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ exhibitorId, body }: { exhibitorId?: string; body: Schemas["ExhibitorCreate"] | Schemas["ExhibitorUpdate"] }) =>
      exhibitorId
        ? data(api.PATCH("/api/v1/admin/exhibitors/{exhibitor_id}", { params: { path: { exhibitor_id: exhibitorId } }, body: body as Schemas["ExhibitorUpdate"] }))
        : data(api.POST("/api/v1/admin/events/{event_id}/exhibitors", { params: { path: { event_id: eventId } }, body: body as Schemas["ExhibitorCreate"] })),
    onSuccess: () => void client.invalidateQueries({ queryKey: exhibitorKeys.all }),
  });
}

export function useDeleteExhibitor() {
  const { api, call } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (exhibitorId: string) => call(api.DELETE("/api/v1/admin/exhibitors/{exhibitor_id}", { params: { path: { exhibitor_id: exhibitorId } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: exhibitorKeys.all });
      void client.invalidateQueries({ queryKey: ["analytics"] });
    },
  });
}

/** Leads per exhibitor of the last 12 months (the longest range the analytics take at once). */
export function useLeadsByExhibitor(eventId: string, timeZone: string) {
  const { api, data } = useApi();
  const query = { event_id: eventId, from: dayInZone(timeZone, -364), to: dayInZone(timeZone), tz: timeZone };
  return useQuery({
    queryKey: ["analytics", "leads", query],
    queryFn: () => data(api.GET("/api/v1/admin/analytics/leads", { params: { query } })),
    enabled: Boolean(eventId),
  });
}

/** Invite a user who works for an exhibitor (role exhibitor). */
export function useInviteExhibitorUser() {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; full_name?: string; exhibitor_id: string }) => data(api.POST("/api/v1/admin/users", { body: { ...body, role: "exhibitor" } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["users"] }),
  });
}
