import { StrictMode, startTransition } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { loadConfig } from "./app/config";
import { preloadPage } from "./app/routes";
import "./styles/app.css";

const root = document.getElementById("root")!;
const base = import.meta.env.BASE_URL.replace(/\/$/, "");
if (localStorage.getItem("outreachpass.session")) preloadPage(window.location.pathname.slice(base.length) || "/");

loadConfig().then(
  (config) => {
    // A transition lets React render the first screen in slices, so a slow phone stays responsive.
    startTransition(() => {
      createRoot(root).render(
        <StrictMode>
          <App config={config} />
        </StrictMode>,
      );
    });
  },
  (error: unknown) => {
    const box = document.createElement("div");
    box.className = "state state-error boot-error";
    box.setAttribute("role", "alert");
    const heading = document.createElement("h1");
    heading.textContent = "The console could not start";
    const text = document.createElement("p");
    text.textContent = `${error instanceof Error ? error.message : String(error)}. Reload the page; if it keeps happening, the deployment's config.json is missing or wrong.`;
    box.append(heading, text);
    root.replaceChildren(box);
  },
);
