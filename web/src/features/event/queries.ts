import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";

export type AttendeeOut = Schemas["AttendeeOut"];
export type JobOut = Schemas["JobOut"];
export type CardOut = Schemas["CardOut"];

export const attendeeKeys = {
  all: (eventId: string) => ["attendees", eventId] as const,
  list: (eventId: string, q: string, cursor: string | null, limit: number) => ["attendees", eventId, "list", q, cursor, limit] as const,
};

export function useAttendees(eventId: string, q: string, cursor: string | null, limit: number) {
  const { api, call } = useApi();
  return useQuery({
    queryKey: attendeeKeys.list(eventId, q, cursor, limit),
    queryFn: () =>
      call(
        api.GET("/api/v1/admin/events/{event_id}/attendees", {
          params: { path: { event_id: eventId }, query: { limit, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
}

export function useSaveAttendee(eventId: string) {
  const { api, data } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ attendeeId, body }: { attendeeId?: string; body: Schemas["AttendeeCreate"] | Schemas["AttendeeUpdate"] }) =>
      attendeeId
        ? data(api.PATCH("/api/v1/admin/attendees/{attendee_id}", { params: { path: { attendee_id: attendeeId } }, body: body as Schemas["AttendeeUpdate"] }))
        : data(api.POST("/api/v1/admin/events/{event_id}/attendees", { params: { path: { event_id: eventId } }, body: body as Schemas["AttendeeCreate"] })),
    onSuccess: () => void client.invalidateQueries({ queryKey: attendeeKeys.all(eventId) }),
  });
}

export function useDeleteAttendee(eventId: string) {
  const { api, call } = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (attendeeId: string) => call(api.DELETE("/api/v1/admin/attendees/{attendee_id}", { params: { path: { attendee_id: attendeeId } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: attendeeKeys.all(eventId) }),
  });
}

export function useCard(cardId: string | null) {
  const { api, data } = useApi();
  return useQuery({
    queryKey: ["cards", cardId],
    queryFn: () => data(api.GET("/api/v1/admin/cards/{card_id}", { params: { path: { card_id: cardId! } } })),
    enabled: Boolean(cardId),
  });
}

const FINISHED = new Set(["succeeded", "succeeded_with_errors", "failed", "cancelled"]);

export function isFinished(job: { status: string } | undefined): boolean {
  return Boolean(job && FINISHED.has(job.status));
}

/** A job, asked again every second until it has finished. */
export function useJob(jobId: string | null, onFinished?: (job: JobOut) => void) {
  const { api, data } = useApi();
  return useQuery({
    queryKey: ["jobs", jobId],
    queryFn: async () => {
      const job = await data(api.GET("/api/v1/admin/jobs/{job_id}", { params: { path: { job_id: jobId! } } }));
      if (isFinished(job)) onFinished?.(job);
      return job;
    },
    enabled: Boolean(jobId),
    refetchInterval: (query) => (isFinished(query.state.data) ? false : 1000),
    staleTime: 0,
  });
}

export function useStartImport(eventId: string) {
  const { api, data } = useApi();
  return useMutation({
    mutationFn: () => data(api.POST("/api/v1/admin/events/{event_id}/imports", { params: { path: { event_id: eventId } } })),
  });
}

export function useSendEmails(eventId: string) {
  const { api, data } = useApi();
  return useMutation({
    mutationFn: (body: Schemas["EmailSendRequest"]) => data(api.POST("/api/v1/admin/events/{event_id}/emails", { params: { path: { event_id: eventId } }, body })),
  });
}

export function useGeneratePasses(eventId: string) {
  const { api, data } = useApi();
  return useMutation({
    mutationFn: (body: Schemas["PassesGenerate"]) => data(api.POST("/api/v1/admin/events/{event_id}/passes", { params: { path: { event_id: eventId } }, body })),
  });
}
