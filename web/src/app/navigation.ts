import type { Role } from "../features/auth/session";

export interface NavItem {
  to: string;
  label: string;
  roles: Role[];
}

/** What each role sees in the menu; the API enforces the same from the database. Exhibitors
 * (a sponsor's staff) scan leads, see their leads and the event they exhibit at. */
export const NAV: NavItem[] = [
  { to: "/scan", label: "Scan", roles: ["exhibitor"] },
  { to: "/leads", label: "Leads", roles: ["exhibitor"] },
  { to: "/events", label: "Event", roles: ["exhibitor"] },
  { to: "/", label: "Dashboard", roles: ["admin", "user"] },
  { to: "/events", label: "Events", roles: ["admin", "user"] },
  { to: "/analytics", label: "Analytics", roles: ["admin", "user"] },
  { to: "/brands", label: "Brands", roles: ["admin"] },
  { to: "/users", label: "Users", roles: ["admin"] },
  { to: "/feature-flags", label: "Feature flags", roles: ["admin"] },
  { to: "/audit-log", label: "Audit log", roles: ["admin"] },
];

export function navFor(role: Role): NavItem[] {
  return NAV.filter((item) => item.roles.includes(role));
}

export function homeFor(role: Role): string {
  return navFor(role)[0]?.to ?? "/events";
}

export const ROLE_LABELS: Record<Role, string> = { admin: "Admin", user: "Organiser", exhibitor: "Exhibitor" };
