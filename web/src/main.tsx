import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { loadConfig } from "./app/config";
import "./styles/app.css";

const root = document.getElementById("root")!;

loadConfig().then(
  (config) => {
    createRoot(root).render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    );
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
