import { Suspense, lazy, type ReactNode } from "react";
import { Navigate, useLocation, type RouteObject } from "react-router";
import { AppShell } from "../components/layout/AppShell";
import { EmptyState, Loading } from "../components/ui/States";
import { useAuth } from "../features/auth/AuthProvider";
import type { Role } from "../features/auth/session";
import { homeFor } from "./navigation";

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, previousSub } = useAuth();
  const location = useLocation();
  // The page is kept for whoever was signed in: after sign-in it is theirs to return to, nobody else's.
  if (!user) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search, sub: previousSub }} />;
  return <>{children}</>;
}

function RoleGate({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { user } = useAuth();
  if (!user) return null;
  if (!roles.includes(user.role)) {
    return (
      <EmptyState title="This page is not for your role">
        Ask an admin of your organisation if you need it. Your menu shows what you can use.
      </EmptyState>
    );
  }
  return <>{children}</>;
}

function Home() {
  const { user } = useAuth();
  if (user && user.role === "exhibitor") return <Navigate to={homeFor(user.role)} replace />;
  return <RoleGate roles={["admin", "user"]}>{<LazyDashboard />}</RoleGate>;
}

// Each page is its own chunk, fetched when first shown (or at start, see preloadPage).
const pages = {
  dashboard: () => import("../features/dashboard/DashboardPage"),
  events: () => import("../features/events/EventsPage"),
  event: () => import("../features/event/EventPage"),
  analytics: () => import("../features/analytics/AnalyticsPage"),
  brands: () => import("../features/brands/BrandsPage"),
  users: () => import("../features/users/UsersPage"),
  flags: () => import("../features/flags/FlagsPage"),
  audit: () => import("../features/audit/AuditPage"),
  scan: () => import("../features/scan/ScanPage"),
  leads: () => import("../features/leads/LeadsPage"),
};
const SignInPage = lazy(() => import("../features/auth/SignInPage").then((m) => ({ default: m.SignInPage })));
const DashboardPage = lazy(pages.dashboard);
const EventsPage = lazy(pages.events);
const EventPage = lazy(pages.event);
const AnalyticsPage = lazy(pages.analytics);
const BrandsPage = lazy(pages.brands);
const UsersPage = lazy(pages.users);
const FlagsPage = lazy(pages.flags);
const AuditPage = lazy(pages.audit);
const ScanPage = lazy(pages.scan);
const LeadsPage = lazy(pages.leads);

const PRELOAD: [RegExp, keyof typeof pages][] = [
  [/^\/$/, "dashboard"],
  [/^\/events\/?$/, "events"],
  [/^\/events\/[^/]+/, "event"],
  [/^\/analytics/, "analytics"],
  [/^\/brands/, "brands"],
  [/^\/users/, "users"],
  [/^\/feature-flags/, "flags"],
  [/^\/audit-log/, "audit"],
  [/^\/scan/, "scan"],
  [/^\/leads/, "leads"],
];

/** Start fetching the chunk of the page at `path` (below the base) while the app boots, instead
 * of after it has rendered (one round trip less on a slow network). */
export function preloadPage(path: string): void {
  const found = PRELOAD.find(([pattern]) => pattern.test(path));
  if (found) void pages[found[1]]().catch(() => undefined);
}

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function LazyDashboard() {
  return (
    <Page>
      <DashboardPage />
    </Page>
  );
}

function NotFound() {
  return (
    <EmptyState title="There is no such page">
      The address may be mistyped. Use the menu to find your way.
    </EmptyState>
  );
}

const ALL: Role[] = ["admin", "user", "exhibitor"];
const STAFF: Role[] = ["admin", "user"];
const ADMIN: Role[] = ["admin"];
const EXHIBITOR: Role[] = ["exhibitor"];

function gated(roles: Role[], element: ReactNode): ReactNode {
  return (
    <RoleGate roles={roles}>
      <Page>{element}</Page>
    </RoleGate>
  );
}

export const routes: RouteObject[] = [
  {
    path: "/sign-in",
    element: (
      <Page>
        <SignInPage />
      </Page>
    ),
  },
  {
    path: "/",
    element: (
      <RequireAuth>
        <AppShell />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Home /> },
      { path: "events", element: gated(ALL, <EventsPage />) },
      { path: "events/:eventId", element: gated(ALL, <EventPage />) },
      { path: "analytics", element: gated(STAFF, <AnalyticsPage />) },
      { path: "brands", element: gated(ADMIN, <BrandsPage />) },
      { path: "users", element: gated(ADMIN, <UsersPage />) },
      { path: "feature-flags", element: gated(ADMIN, <FlagsPage />) },
      { path: "audit-log", element: gated(ADMIN, <AuditPage />) },
      { path: "scan", element: gated(EXHIBITOR, <ScanPage />) },
      { path: "leads", element: gated(EXHIBITOR, <LeadsPage />) },
      { path: "*", element: <NotFound /> },
    ],
  },
];
