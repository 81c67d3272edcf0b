/** The session for the whole app: who is signed in, their tokens kept fresh (renewed five
 * minutes before the id token expires, and before any call made with less than a minute
 * left), sign-out, and the same session in every tab of the browser. */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { cognitoEndpoint, type ConsoleConfig } from "../../app/config";
import { AuthClient } from "./authClient";
import { CognitoError, cognitoClient } from "./cognito";
import { SESSION_KEY, loadSession, saveSession, type Session, type SessionUser } from "./session";

const RENEW_BEFORE_MS = 5 * 60_000;
const MIN_LEFT_MS = 60_000;

export interface AuthValue {
  session: Session | null;
  user: SessionUser | null;
  /** Why the last session ended, when it was not the user's choice. */
  notice: string | null;
  /** Who was signed in before the session ended: a page kept for after sign-in is theirs only. */
  previousSub: string | null;
  client: AuthClient;
  getIdToken(): Promise<string | null>;
  signedIn(session: Session): void;
  signOut(everywhere?: boolean): Promise<void>;
  endSession(reason: string): void;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ config, children, fetcher, now = Date.now }: { config: ConsoleConfig; children: ReactNode; fetcher?: typeof fetch; now?: () => number }) {
  const clientId = config.userPoolClientId;
  const client = useMemo(
    () => new AuthClient(cognitoClient(cognitoEndpoint(config), fetcher), config.userPoolId, clientId),
    [config, clientId, fetcher],
  );
  const [session, setSessionState] = useState<Session | null>(() => loadSession(clientId));
  const [notice, setNotice] = useState<string | null>(null);
  const [previousSub, setPreviousSub] = useState<string | null>(null);
  const current = useRef<Session | null>(session);
  const renewing = useRef<Promise<Session | null> | null>(null);

  const setSession = useCallback((next: Session | null) => {
    if (!next && current.current) setPreviousSub(current.current.user.sub);
    current.current = next;
    saveSession(next);
    setSessionState(next);
  }, []);

  const endSession = useCallback(
    (reason: string) => {
      if (!current.current) return;
      setSession(null);
      setNotice(reason);
    },
    [setSession],
  );

  const renew = useCallback((): Promise<Session | null> => {
    if (renewing.current) return renewing.current;
    const before = current.current;
    if (!before) return Promise.resolve(null);
    renewing.current = client
      .refresh(before)
      .then(
        (next) => {
          if (current.current === before) setSession(next);
          return next;
        },
        (error: unknown) => {
          if (error instanceof CognitoError && error.kind !== "NetworkError") {
            endSession("Your session has ended (signed out elsewhere, disabled, or expired). Sign in again.");
            return null;
          }
          throw error;
        },
      )
      .finally(() => {
        renewing.current = null;
      });
    return renewing.current;
  }, [client, endSession, setSession]);

  useEffect(() => {
    if (!session) return;
    const delay = Math.max(session.expiresAt - now() - RENEW_BEFORE_MS, 0);
    const timer = setTimeout(() => void renew().catch(() => undefined), delay);
    return () => clearTimeout(timer);
  }, [session, renew, now]);

  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key !== SESSION_KEY) return;
      const next = loadSession(clientId);
      if (!next && current.current) setPreviousSub(current.current.user.sub);
      current.current = next;
      setSessionState(next);
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [clientId]);

  const getIdToken = useCallback(async () => {
    const found = current.current;
    if (!found) return null;
    if (found.expiresAt - now() > MIN_LEFT_MS) return found.idToken;
    return (await renew())?.idToken ?? null;
  }, [renew, now]);

  const signedIn = useCallback(
    (next: Session) => {
      setNotice(null);
      setSession(next);
    },
    [setSession],
  );

  const signOut = useCallback(
    async (everywhere = false) => {
      const found = current.current;
      setSession(null);
      setNotice(null);
      if (found) await client.signOut(found, everywhere);
    },
    [client, setSession],
  );

  const value = useMemo<AuthValue>(
    () => ({ session, user: session?.user ?? null, notice, previousSub, client, getIdToken, signedIn, signOut, endSession }),
    [session, notice, previousSub, client, getIdToken, signedIn, signOut, endSession],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
