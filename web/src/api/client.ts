/** The typed API client: openapi-fetch over the paths generated from docs/openapi.json
 * (schema.gen.ts, never edited by hand), with the signed-in user's id token on every call and
 * the API's error envelope turned into ApiError. */
import createClient from "openapi-fetch";
import { ApiError, toApiError } from "./errors";
import type { components, paths } from "./schema.gen";

export type Schemas = components["schemas"];
export type Api = ReturnType<typeof createApi>;

export interface TokenSource {
  /** A valid id token (refreshed first when it is about to expire), or null when signed out. */
  idToken(): Promise<string | null>;
  /** The API refused the token (401): the session is over. */
  onUnauthorized(error: ApiError): void;
}

export function createApi(baseUrl: string, tokens: TokenSource, fetcher?: typeof fetch) {
  const origin = baseUrl || (typeof window !== "undefined" ? window.location.origin : "");
  const client = createClient<paths>({ baseUrl: origin, fetch: fetcher ?? ((request: Request) => fetch(request)) });
  client.use({
    async onRequest({ request }) {
      const token = await tokens.idToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call; anything else thrown as an ApiError (network errors too). */
export async function unwrap<T>(call: Promise<Result<T>>, tokens?: Pick<TokenSource, "onUnauthorized">): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw toApiError(0, null);
  }
  if (!result.response.ok || result.error !== undefined) {
    const error = toApiError(result.response.status, result.error, result.response.headers);
    if (error.status === 401) tokens?.onUnauthorized(error);
    throw error;
  }
  return result.data as T;
}

/** The `data` of an enveloped answer ({"data": ..., "meta": ...}). */
export async function unwrapData<T>(call: Promise<Result<{ data: T }>>, tokens?: Pick<TokenSource, "onUnauthorized">): Promise<T> {
  return (await unwrap(call, tokens)).data;
}
