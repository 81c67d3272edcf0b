/** The signed-in frame: skip link, the menu for the user's role (a drawer at phone width), the
 * user and sign-out, and focus moved to each new page's heading. */
import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { ROLE_LABELS, navFor } from "../../app/navigation";
import { useAuth } from "../../features/auth/AuthProvider";
import { useApi } from "../../app/providers";
import { OutboxPill, ScannerProvider } from "../../features/scan/ScannerProvider";

export function AppShell() {
  const { user, signOut } = useAuth();
  const { config } = useApi();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);

  useEffect(() => {
    setMenuOpen(false);
    const heading = document.getElementById("page-title");
    if (heading && document.activeElement === document.body) heading.focus({ preventScroll: true });
  }, [location.pathname]);

  if (!user) return null;
  return (
    <ScannerProvider>
    <div className={`shell${menuOpen ? " menu-open" : ""}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="btn btn-ghost menu-toggle" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen((open) => !open)}>
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
        <span className="brand">
          OutreachPass {config.stage !== "prod" && <span className="stage">{config.stage}</span>}
        </span>
        <div className="topbar-user">
          <span className="user-email" title={user.email}>
            {user.email}
          </span>
          {user.role === "exhibitor" && <OutboxPill />}
          <span className="badge badge-info">{ROLE_LABELS[user.role]}</span>
          <button
            type="button"
            className="btn btn-secondary"
            disabled={signingOut}
            onClick={() => {
              setSigningOut(true);
              void signOut().finally(() => setSigningOut(false));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav id="sidebar" className="sidebar" aria-label="Main">
        <ul>
          {navFor(user.role).map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} end={item.to === "/"}>
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
        <p className="sidebar-foot">
          <a href="/docs" target="_blank" rel="noreferrer">
            API reference
          </a>
        </p>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
    </ScannerProvider>
  );
}
