import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/errors";
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
  it("checks the address, sends the role, and puts a taken address at its field", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {
      throw new ApiError(409, "USER_EMAIL_TAKEN", "This e-mail address already has an OutreachPass account", "c");
    });
    render(<InviteForm onSubmit={onSubmit} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^E-mail address/), "not-an-address");
    await user.click(screen.getByRole("button", { name: "Send the invitation" }));
    expect(onSubmit).not.toHaveBeenCalled();
    await user.clear(screen.getByLabelText(/^E-mail address/));
    await user.type(screen.getByLabelText(/^E-mail address/), "grace@example.com");
    await user.selectOptions(screen.getByLabelText("Role"), "exhibitor");
    expect(screen.getByLabelText("Role")).toHaveAccessibleDescription(/sponsor/);
    await user.click(screen.getByRole("button", { name: "Send the invitation" }));
    expect(onSubmit).toHaveBeenCalledWith({ email: "grace@example.com", role: "exhibitor" });
    expect(await screen.findByLabelText(/^E-mail address/)).toHaveAccessibleDescription(/already has an OutreachPass account/);
  });
});

describe("job errors", () => {
  const job: JobOut = {
    job_id: "j1", kind: "import", status: "succeeded", event_id: "e1",
    counts: { total: 4, created: 2, updated: 0, skipped: 1, succeeded: 0, failed: 1 },
    errors: [{ row: 3, column: "email", reason: "not an e-mail address: =HYPERLINK(\"x\")" }],
    error: null, created_at: "", started_at: null, finished_at: null, updated_at: "",
  };

  it("counts what is processed and downloads the errors as formula-safe CSV", () => {
    expect(processed(job)).toBe(4);
    expect(errorsCsv(job)).toBe('row,column,reason\r\n3,email,"not an e-mail address: =HYPERLINK(""x"")"\r\n');
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("@cmd")).toBe("'@cmd");
    expect(toCsv(["a"], [[" padded "]])).toBe('a\r\n" padded "\r\n');
  });
});
