import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";
import { SAMPLE_BYTES } from "./importMapping";

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

/** Start an import with the organiser's mapping (only the headers changed from the detection; the
 * query parameter, since the route's body is either CSV or JSON and OpenAPI declares neither). */
export function useStartImport(eventId: string) {
  const { api, data } = useApi();
  return useMutation({
    mutationFn: ({ filename, mapping }: { filename?: string; mapping?: Record<string, string | null> | null } = {}) =>
      data(
        api.POST("/api/v1/admin/events/{event_id}/imports", {
          params: { path: { event_id: eventId }, query: mapping ? { mapping: JSON.stringify(mapping) } : {} },
          ...(filename ? { headers: { "x-filename": filename } } : {}),
        }),
      ),
  });
}

/** What a CSV would import as: the first 64 KiB of the file sent as text/csv (the route reads its
 * body itself, so OpenAPI declares none and the body is passed through as it is), asked again
 * whenever the mapping changes. */
export function useImportPreview(eventId: string, file: File | null, mapping: Record<string, string | null> | null, enabled = true) {
  const { api, data } = useApi();
  const mappingText = mapping ? JSON.stringify(mapping) : null;
  const fileKey = file ? `${file.name}:${file.size}:${file.lastModified}` : null;
  return useQuery({
    queryKey: ["imports", eventId, "preview", fileKey, mappingText],
    queryFn: () =>
      data(
        api.POST("/api/v1/admin/events/{event_id}/imports/preview", {
          params: {
            path: { event_id: eventId },
            query: { partial: file!.size > SAMPLE_BYTES, ...(mappingText ? { mapping: mappingText } : {}) },
          },
          body: file!.slice(0, SAMPLE_BYTES) as never,
          bodySerializer: (body: unknown) => body,
          headers: { "content-type": "text/csv" },
        }),
      ),
    enabled: Boolean(file) && enabled,
    retry: false,
    staleTime: Infinity,
    // While another mapping is previewed, the same file's last answer stays on screen.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[3] === fileKey ? previous : undefined),
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
