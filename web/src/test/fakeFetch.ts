/** A fetch that answers from a handler, recording each request (method, URL, headers, JSON body). */
export interface Recorded {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

export type Handler = (request: Recorded) => { status?: number; body?: unknown; headers?: Record<string, string> } | Promise<{ status?: number; body?: unknown; headers?: Record<string, string> }>;

export function fakeFetch(handler: Handler) {
  const calls: Recorded[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const text = await request.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    const recorded = { method: request.method, url: request.url, headers: request.headers, body };
    calls.push(recorded);
    const answer = await handler(recorded);
    const status = answer.status ?? 200;
    const payload = answer.body === undefined || status === 204 ? null : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    return new Response(payload, { status, headers: { "content-type": "application/json", ...(answer.headers ?? {}) } });
  };
  return { fetch: fetcher as typeof fetch, calls };
}

/** An unsigned JWT with these claims (the console only reads tokens; the API verifies them). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "none" })}.${encode(claims)}.sig`;
}

export function idToken(overrides: Record<string, unknown> = {}): string {
  return fakeJwt({
    sub: "sub-1",
    email: "ada@example.com",
    "custom:tenant_id": "tenant-1",
    "custom:role": "admin",
    token_use: "id",
    exp: Math.floor(Date.now() / 1000) + 3600,
    ...overrides,
  });
}
