import { describe, expect, it, vi } from "vitest";
import { fakeFetch } from "../test/fakeFetch";
import { createApi, unwrap, unwrapData } from "./client";
import { ApiError } from "./errors";

const tokens = (token: string | null = "id-token") => ({ idToken: vi.fn(async () => token), onUnauthorized: vi.fn() });

describe("the API client", () => {
  it("sends the session's id token and returns the envelope's data", async () => {
    const fake = fakeFetch(() => ({ body: { data: [{ event_id: "e1", name: "Expo" }], meta: { correlation_id: "c", timestamp: "t", next_cursor: null } } }));
    const source = tokens();
    const api = createApi("https://api.example.com", source, fake.fetch);
    const events = await unwrapData(api.GET("/api/v1/admin/events", { params: { query: { limit: 50, status: "active" } } }), source);
    expect(events).toEqual([{ event_id: "e1", name: "Expo" }]);
    expect(fake.calls[0]!.url).toBe("https://api.example.com/api/v1/admin/events?limit=50&status=active");
    expect(fake.calls[0]!.headers.get("authorization")).toBe("Bearer id-token");
  });

  it("turns the error envelope into an ApiError with its code, reference and field messages", async () => {
    const fake = fakeFetch(() => ({
      status: 400,
      body: { error: { code: "VALIDATION_ERROR", message: "The request is not valid", correlation_id: "corr-1", details: [{ field: "slug", reason: "use lower-case letters" }, { field: "attendee_ids.0", reason: "not a UUID" }, { field: "theme.primary_color", reason: "a colour like #1f2937" }] } },
    }));
    const source = tokens();
    const api = createApi("https://api.example.com", source, fake.fetch);
    const failure = await unwrap(api.POST("/api/v1/admin/events", { body: { name: "x", slug: "X", starts_at: "a", ends_at: "b" } as never }), source).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    const error = failure as ApiError;
    expect([error.status, error.code, error.message, error.correlationId]).toEqual([400, "VALIDATION_ERROR", "The request is not valid", "corr-1"]);
    expect(error.fieldErrors()).toEqual({
      slug: "use lower-case letters",
      attendee_ids: "not a UUID",
      "theme.primary_color": "a colour like #1f2937",
      primary_color: "a colour like #1f2937",
    });
    expect(source.onUnauthorized).not.toHaveBeenCalled();
  });

  it("ends the session on 401 and says so for network failures", async () => {
    const refused = fakeFetch(() => ({ status: 401, body: { error: { code: "USER_DISABLED", message: "Your account is disabled", correlation_id: "c2" } } }));
    const source = tokens();
    const api = createApi("https://api.example.com", source, refused.fetch);
    await expect(unwrap(api.GET("/api/v1/admin/users", {}), source)).rejects.toMatchObject({ status: 401, code: "USER_DISABLED" });
    expect(source.onUnauthorized).toHaveBeenCalledWith(expect.objectContaining({ code: "USER_DISABLED" }));

    const offline = createApi("https://api.example.com", source, (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch);
    await expect(unwrap(offline.GET("/api/v1/admin/users", {}), source)).rejects.toMatchObject({ status: 0, code: "NETWORK_ERROR" });
  });

  it("sends no Authorization header when signed out", async () => {
    const fake = fakeFetch(() => ({ body: { data: { status: "ok" }, meta: {} } }));
    const api = createApi("https://api.example.com", tokens(null), fake.fetch);
    await unwrap(api.GET("/health", {}));
    expect(fake.calls[0]!.headers.get("authorization")).toBeNull();
  });

  it("keeps the correlation id header when the body is not the envelope", async () => {
    const fake = fakeFetch(() => ({ status: 502, body: "Bad gateway", headers: { "content-type": "text/plain", "x-correlation-id": "edge-9" } }));
    const api = createApi("https://api.example.com", tokens(), fake.fetch);
    await expect(unwrap(api.GET("/health", {}))).rejects.toMatchObject({ status: 502, code: "HTTP_502", correlationId: "edge-9" });
  });
});
