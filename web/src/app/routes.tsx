import { Suspense, lazy, type ReactNode } from "react";
import { Navigate, useLocation, type RouteObject } from "react-router";
import { AppShell } from "../components/layout/AppShell";
import { EmptyState, Loading } from "../components/ui/States";
import { useAuth } from "../features/auth/AuthProvider";
import { SignInPage } from "../features/auth/SignInPage";
import type { Role } from "../features/auth/session";
import { homeFor } from "./navigation";

function RequireAuth({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
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

const DashboardPage = lazy(() => import("../features/dashboard/DashboardPage"));
const EventsPage = lazy(() => import("../features/events/EventsPage"));
const EventPage = lazy(() => import("../features/event/EventPage"));
const AnalyticsPage = lazy(() => import("../features/analytics/AnalyticsPage"));
const BrandsPage = lazy(() => import("../features/brands/BrandsPage"));
const UsersPage = lazy(() => import("../features/users/UsersPage"));
const FlagsPage = lazy(() => import("../features/flags/FlagsPage"));
const AuditPage = lazy(() => import("../features/audit/AuditPage"));

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

function gated(roles: Role[], element: ReactNode): ReactNode {
  return (
    <RoleGate roles={roles}>
      <Page>{element}</Page>
    </RoleGate>
  );
}

export const routes: RouteObject[] = [
  { path: "/sign-in", element: <SignInPage /> },
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
      { path: "*", element: <NotFound /> },
    ],
  },
];
