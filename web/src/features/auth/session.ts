/** The signed-in session: Cognito's tokens, what the id token says about the user, and where
 * it is kept (localStorage, so a reload or a new tab stays signed in; the strict CSP keeps
 * other scripts off this origin). The API reads the id token (custom:tenant_id, custom:role). */

export type Role = "admin" | "user" | "exhibitor";

export interface Session {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** When the id token expires (ms since the epoch). */
  expiresAt: number;
  /** The app client the tokens belong to (a session of another stage is ignored). */
  clientId: string;
  user: SessionUser;
}

export interface SessionUser {
  sub: string;
  email: string;
  tenantId: string;
  role: Role;
}

export const SESSION_KEY = "outreachpass.session"; // local/api_reference.py reads it too

export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT");
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export function userOf(idToken: string): SessionUser {
  const claims = decodeJwt(idToken);
  const role = claims["custom:role"];
  return {
    sub: String(claims.sub ?? ""),
    email: String(claims.email ?? ""),
    tenantId: String(claims["custom:tenant_id"] ?? ""),
    role: role === "admin" || role === "exhibitor" ? role : "user",
  };
}

export function makeSession(tokens: { IdToken: string; AccessToken: string; RefreshToken?: string }, clientId: string, previousRefresh = ""): Session {
  const claims = decodeJwt(tokens.IdToken);
  const exp = typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + 3600_000;
  return {
    idToken: tokens.IdToken,
    accessToken: tokens.AccessToken,
    refreshToken: tokens.RefreshToken ?? previousRefresh,
    expiresAt: exp,
    clientId,
    user: userOf(tokens.IdToken),
  };
}

export function loadSession(clientId: string, storage: Storage = localStorage): Session | null {
  try {
    const saved = JSON.parse(storage.getItem(SESSION_KEY) ?? "null") as Session | null;
    if (!saved || saved.clientId !== clientId || !saved.idToken || !saved.refreshToken) return null;
    return { ...saved, user: userOf(saved.idToken) };
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null, storage: Storage = localStorage): void {
  try {
    if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
    else storage.removeItem(SESSION_KEY);
  } catch {
    /* storage full or blocked: the session lives in memory only */
  }
}
