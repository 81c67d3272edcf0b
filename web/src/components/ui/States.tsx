/** Loading, empty and error states: every page shows one of these instead of a blank. */
import type { ReactNode } from "react";
import { ApiError } from "../../api/errors";
import { Button } from "./Button";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h2>{title}</h2>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (error instanceof ApiError) {
    return (
      <>
        <p className="error-text">{error.message}</p>
        <p className="error-meta">
          Code <code>{error.code}</code>
          {error.status ? <> · HTTP {error.status}</> : null}
          {error.correlationId && (
            <>
              {" "}
              · reference <code>{error.correlationId}</code>
            </>
          )}
        </p>
        {error.details.length > 0 && (
          <ul className="error-details">
            {error.details.map((detail) => (
              <li key={`${detail.field}:${detail.reason}`}>
                <code>{detail.field}</code>: {detail.reason}
              </li>
            ))}
          </ul>
        )}
      </>
    );
  }
  return <p className="error-text">{error instanceof Error ? error.message : "Something went wrong."}</p>;
}

export function ErrorState({ error, retry, title = "This could not be loaded" }: { error: unknown; retry?: () => void; title?: string }) {
  return (
    <div className="state state-error" role="alert">
      <h2>{title}</h2>
      <ErrorMessage error={error} />
      {retry && <Button onClick={retry}>Try again</Button>}
    </div>
  );
}

export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="inline-error" role="alert">
      <ErrorMessage error={error} />
    </div>
  );
}
