import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "../../api/errors";
import type { ConsoleConfig } from "../../app/config";
import { ApiProvider } from "../../app/providers";
import { fakeFetch, idToken } from "../../test/fakeFetch";
import { AuthProvider } from "../auth/AuthProvider";
import { SESSION_KEY, makeSession } from "../auth/session";
import { csvCell, toCsv } from "../../lib/download";
import { InviteForm } from "../users/InviteForm";
import { AttendeeForm, attendeeBody } from "./AttendeeForm";
import { sortAttendees } from "./AttendeesPanel";
import { errorsCsv, processed } from "./JobProgress";
import type { AttendeeOut, JobOut } from "./queries";

const ENGAGED = { stage: "sent" as const, sent: true, last_sent_at: null, delivered: false, opened: false, clicked: false, viewed: false, wallet_added: false, exported: false, bounced: false };
const ATTENDEE: AttendeeOut = {
  attendee_id: "a1", event_id: "e1", email: "ada@example.com", phone: null, first_name: "Ada", last_name: "Lovelace",
  org_name: "Engines", title: null, linkedin_url: null, card_id: "c1", flags: {}, created_at: "2030-01-01T00:00:00Z", updated_at: "2030-01-01T00:00:00Z",
};

describe("the attendee form", () => {
  it("sends only what changed when editing, null to clear", () => {
    const values = { first_name: "Ada", last_name: "King", email: "ada@example.com", phone: "", org_name: "", title: "Countess", linkedin_url: "" };
    expect(attendeeBody(values, ATTENDEE)).toEqual({ last_name: "King", org_name: null, title: "Countess" });
    expect(attendeeBody(values)).toEqual({ first_name: "Ada", last_name: "King", email: "ada@example.com", title: "Countess" });
  });

  it("needs a first name and shows the API's field messages", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {
      throw new ApiError(400, "VALIDATION_ERROR", "The request is not valid", "c", [{ field: "phone", reason: "use digits, spaces and + ( ) - . / only" }]);
    });
    render(<AttendeeForm onSubmit={onSubmit} onCancel={() => undefined} />);
    await user.click(screen.getByRole("button", { name: "Add attendee" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/^First name/)).toHaveAccessibleDescription(/first name is needed/);
    await user.type(screen.getByLabelText(/^First name/), "Grace");
    await user.type(screen.getByLabelText("Phone"), "call me");
    await user.click(screen.getByRole("button", { name: "Add attendee" }));
    expect(onSubmit).toHaveBeenCalledWith({ first_name: "Grace", phone: "call me" });
    expect(await screen.findByLabelText("Phone")).toHaveAccessibleDescription(/digits, spaces/);
  });

  it("sorts a page by name, organisation or date", () => {
    const b = { ...ATTENDEE, attendee_id: "a2", first_name: "Grace", last_name: "Hopper", org_name: "Navy", created_at: "2029-01-01T00:00:00Z" };
    expect(sortAttendees([b, ATTENDEE], "name", true).map((a) => a.first_name)).toEqual(["Ada", "Grace"]);
    expect(sortAttendees([ATTENDEE, b], "org_name", false).map((a) => a.org_name)).toEqual(["Navy", "Engines"]);
    expect(sortAttendees([ATTENDEE, b], "created_at", true).map((a) => a.first_name)).toEqual(["Grace", "Ada"]);
    const opened = { ...b, engagement: { ...ENGAGED, stage: "opened" as const } };
    expect(sortAttendees([opened, ATTENDEE], "stage", true).map((a) => a.first_name)).toEqual(["Ada", "Grace"]);
  });
});

describe("the invite form", () => {
  const CONFIG: ConsoleConfig = { apiBaseUrl: "https://api.test", region: "eu-west-1", userPoolId: "eu-west-1_Pool1", userPoolClientId: "client-1", stage: "test" };
  const EVENT = { event_id: "ev-1", name: "Expo 2030", status: "active", starts_at: "2030-05-01T09:00:00Z" };
  const BOOTH = { exhibitor_id: "ex-1", event_id: "ev-1", name: "Acme Booth" };

  /** The form inside the real auth and API providers, the API answered at the transport. */
  function renderForm(onSubmit: (body: unknown) => Promise<unknown>) {
    localStorage.setItem(SESSION_KEY, JSON.stringify(makeSession({ IdToken: idToken(), AccessToken: "a", RefreshToken: "r" }, CONFIG.userPoolClientId)));
    const api = fakeFetch((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/admin/events") return { body: { data: [EVENT], next_cursor: null } };
      if (path === "/api/v1/admin/events/ev-1/exhibitors") return { body: { data: [BOOTH], next_cursor: null } };
      return { status: 404, body: { error: { code: "NOT_FOUND", message: path } } };
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AuthProvider config={CONFIG}>
          <ApiProvider config={CONFIG} fetcher={api.fetch}>
            <InviteForm onSubmit={onSubmit} onCancel={() => undefined} />
          </ApiProvider>
        </AuthProvider>
      </QueryClientProvider>,
    );
    return api;
  }

  it("checks the address, sends the role, and puts a taken address at its field", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {
      throw new ApiError(409, "USER_EMAIL_TAKEN", "This e-mail address already has an OutreachPass account", "c");
    });
    renderForm(onSubmit);
    await user.type(screen.getByLabelText(/^E-mail address/), "not-an-address");
    await user.click(screen.getByRole("button", { name: "Send the invitation" }));
    expect(onSubmit).not.toHaveBeenCalled();
    await user.clear(screen.getByLabelText(/^E-mail address/));
    await user.type(screen.getByLabelText(/^E-mail address/), "grace@example.com");
    await user.selectOptions(screen.getByLabelText("Role"), "user");
    await user.click(screen.getByRole("button", { name: "Send the invitation" }));
    expect(onSubmit).toHaveBeenCalledWith({ email: "grace@example.com", role: "user" });
    expect(await screen.findByLabelText(/^E-mail address/)).toHaveAccessibleDescription(/already has an OutreachPass account/);
  });

  it("asks which exhibitor an exhibitor works for, and sends its id", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async (_body: unknown) => undefined);
    const api = renderForm(onSubmit);
    await user.type(screen.getByLabelText(/^E-mail address/), "grace@example.com");
    await user.selectOptions(screen.getByLabelText("Role"), "exhibitor");
    expect(screen.getByLabelText("Role")).toHaveAccessibleDescription(/sponsor/);
    expect(screen.getByLabelText(/^Exhibitor/)).toBeDisabled(); // an event first
    await user.click(screen.getByRole("button", { name: "Send the invitation" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/^Exhibitor/)).toHaveAccessibleDescription(/Choose the exhibitor this person works for/);

    await screen.findByRole("option", { name: "Expo 2030" });
    await user.selectOptions(screen.getByLabelText(/^Event/), "ev-1");
    await screen.findByRole("option", { name: "Acme Booth" });
    await user.selectOptions(screen.getByLabelText(/^Exhibitor/), "ex-1");
    await user.click(screen.getByRole("button", { name: "Send the invitation" }));
    expect(onSubmit).toHaveBeenCalledWith({ email: "grace@example.com", role: "exhibitor", exhibitor_id: "ex-1" });
    expect(api.calls.map((c) => new URL(c.url).pathname)).toContain("/api/v1/admin/events/ev-1/exhibitors");
  });
});

describe("job errors", () => {
  const job: JobOut = {
    job_id: "j1", kind: "import", status: "succeeded", event_id: "e1",
    counts: { total: 4, created: 2, updated: 0, skipped: 1, succeeded: 0, failed: 1, suppressed: 0 },
    errors: [{ row: 3, column: "email", reason: "not an e-mail address: =HYPERLINK(\"x\")" }],
    error: null, scheduled_for: null, created_at: "", started_at: null, finished_at: null, updated_at: "",
  };

  it("counts what is processed and downloads the errors as formula-safe CSV", () => {
    expect(processed(job)).toBe(4);
    expect(errorsCsv(job)).toBe('row,column,reason\r\n3,email,"not an e-mail address: =HYPERLINK(""x"")"\r\n');
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("@cmd")).toBe("'@cmd");
    expect(toCsv(["a"], [[" padded "]])).toBe('a\r\n" padded "\r\n');
  });
});
