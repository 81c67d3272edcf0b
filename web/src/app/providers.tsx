import { createContext, useContext, useMemo, type ReactNode } from "react";
import { createApi, unwrap, unwrapData, type Api, type TokenSource } from "../api/client";
import type { ApiError } from "../api/errors";
import type { ConsoleConfig } from "./config";
import { useAuth } from "../features/auth/AuthProvider";

interface ApiContextValue {
  api: Api;
  config: ConsoleConfig;
  /** unwrap/unwrapData bound to the session (a 401 ends it). */
  call: <T>(request: Parameters<typeof unwrap<T>>[0]) => Promise<T>;
  data: <T>(request: Parameters<typeof unwrapData<T>>[0]) => Promise<T>;
}

const ApiContext = createContext<ApiContextValue | null>(null);

export function ApiProvider({ config, children, fetcher }: { config: ConsoleConfig; children: ReactNode; fetcher?: typeof fetch }) {
  const auth = useAuth();
  const value = useMemo<ApiContextValue>(() => {
    const tokens: TokenSource = {
      idToken: () => auth.getIdToken(),
      onUnauthorized: (error: ApiError) => auth.endSession(`${error.message} (${error.code}). Sign in again.`),
    };
    const api = createApi(config.apiBaseUrl, tokens, fetcher);
    return {
      api,
      config,
      call: (request) => unwrap(request, tokens),
      data: (request) => unwrapData(request, tokens),
    };
  }, [config, auth.getIdToken, auth.endSession, fetcher]);
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiContextValue {
  const value = useContext(ApiContext);
  if (!value) throw new Error("useApi outside ApiProvider");
  return value;
}
