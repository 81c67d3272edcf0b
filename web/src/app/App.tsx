import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { RouterProvider, createBrowserRouter } from "react-router";
import { ApiError } from "../api/errors";
import { ToastProvider } from "../components/ui/Toast";
import { AuthProvider, useAuth } from "../features/auth/AuthProvider";
import type { ConsoleConfig } from "./config";
import { ApiProvider } from "./providers";
import { routes } from "./routes";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache(),
    mutationCache: new MutationCache(),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Client errors (400-499) will not change by asking again; network and 5xx may.
        retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

/** Server state belongs to the session: a sign-out forgets everything fetched. */
function ForgetOnSignOut({ client }: { client: QueryClient }) {
  const { user } = useAuth();
  useEffect(() => {
    if (!user) client.clear();
  }, [user, client]);
  return null;
}

export function App({ config, basename = import.meta.env.BASE_URL.replace(/\/$/, "") }: { config: ConsoleConfig; basename?: string }) {
  const queryClient = useMemo(makeQueryClient, []);
  const router = useMemo(() => createBrowserRouter(routes, { basename }), [basename]);
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider config={config}>
        <ForgetOnSignOut client={queryClient} />
        <ApiProvider config={config}>
          <ToastProvider>
            <RouterProvider router={router} />
          </ToastProvider>
        </ApiProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
