/** The API's error envelope, as a thrown error the UI can show: message, code (for support),
 * correlation id and the field details of a 400 VALIDATION_ERROR. */
export interface FieldDetail {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly correlationId: string | null;
  readonly details: FieldDetail[];

  constructor(status: number, code: string, message: string, correlationId: string | null = null, details: FieldDetail[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.correlationId = correlationId;
    this.details = details;
  }

  /** Messages by form field, under the field's dotted path without list indexes
   * ("theme.primary_color", "attendee_ids") and under its last name ("primary_color"). */
  fieldErrors(): Record<string, string> {
    const found: Record<string, string> = {};
    for (const detail of this.details) {
      const parts = detail.field.split(".").filter((part) => !["body", "query", "path"].includes(part) && !/^\d+$/.test(part));
      for (const key of [parts.join("."), parts[parts.length - 1]]) {
        if (key && !(key in found)) found[key] = detail.reason;
      }
    }
    return found;
  }
}

/** Turn whatever a failed call produced into an ApiError. */
export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  const correlation = headers?.get("x-correlation-id") ?? null;
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === "object" && error !== null) {
      const e = error as Record<string, unknown>;
      const details = Array.isArray(e.details)
        ? e.details.filter(
            (d): d is FieldDetail =>
              typeof d === "object" && d !== null && typeof (d as FieldDetail).field === "string" && typeof (d as FieldDetail).reason === "string",
          )
        : [];
      return new ApiError(
        status,
        typeof e.code === "string" ? e.code : `HTTP_${status}`,
        typeof e.message === "string" ? e.message : `The request failed (HTTP ${status})`,
        typeof e.correlation_id === "string" ? e.correlation_id : correlation,
        details,
      );
    }
  }
  if (status === 0) return new ApiError(0, "NETWORK_ERROR", "The API could not be reached. Check your connection and try again.", correlation);
  return new ApiError(status, `HTTP_${status}`, `The request failed (HTTP ${status})`, correlation);
}
