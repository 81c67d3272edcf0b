import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";

export type EventOut = Schemas["EventOut"];
export type EventStatus = EventOut["status"];

export const eventKeys = {
  all: ["events"] as const,
  list: (status: string, cursor: string | null) => ["events", "list", status, cursor] as const,
  picker: ["events", "picker"] as const,
  one: (id: string) => ["events", "one", id] as const,
};

export function useEventList(status: EventStatus | "", cursor: string | null) {
  const { api, call } = useApi();
  return useQuery({
    queryKey: eventKeys.list(status, cursor),
    queryFn: () =>
      call(api.GET("/api/v1/admin/events", { params: { query: { limit: 50, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } } })),
    placeholderData: (previous) => previous,
  });
}

/** Up to 200 events for pickers (dashboard, analytics), archived ones last. */
export function useEventPicker() {
  const { api, data } = useApi();
  return useQuery({
    queryKey: eventKeys.picker,
    queryFn: async () => {
      const events = await data(api.GET("/api/v1/admin/events", { params: { query: { limit: 200 } } }));
      return [...events].sort((a, b) => Number(a.status === "archived") - Number(b.status === "archived") || b.starts_at.localeCompare(a.starts_at));
    },
    staleTime: 60_000,
  });
}

export function useEvent(eventId: string, enabled = true) {
  const { api, data } = useApi();
  return useQuery({
    queryKey: eventKeys.one(eventId),
    queryFn: () => data(api.GET("/api/v1/admin/events/{event_id}", { params: { path: { event_id: eventId } } })),
    enabled: enabled && Boolean(eventId),
  });
}

export function useSaveEvent() {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ eventId, body }: { eventId?: string; body: Schemas["EventCreate"] | Schemas["EventUpdate"] }) =>
      eventId
        ? data(api.PATCH("/api/v1/admin/events/{event_id}", { params: { path: { event_id: eventId } }, body: body as Schemas["EventUpdate"] }))
        : data(api.POST("/api/v1/admin/events", { body: body as Schemas["EventCreate"] })),
    onSuccess: (event) => {
      client.setQueryData(eventKeys.one(event.event_id), event);
      void client.invalidateQueries({ queryKey: eventKeys.all });
    },
  });
}

export function useArchiveEvent() {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (eventId: string) => data(api.DELETE("/api/v1/admin/events/{event_id}", { params: { path: { event_id: eventId } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: eventKeys.all }),
  });
}

/** Brands for the event form's picker: only admins may list brands; others get the default. */
export function useBrandOptions(enabled: boolean) {
  const { api, data } = useApi();
  return useQuery({
    queryKey: ["brands", "options"],
    queryFn: () => data(api.GET("/api/v1/admin/brands", { params: { query: { limit: 200 } } })),
    enabled,
    staleTime: 60_000,
  });
}
