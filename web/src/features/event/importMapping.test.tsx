import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors";
import type { ConsoleConfig } from "../../app/config";
import { ApiProvider } from "../../app/providers";
import { fakeFetch, idToken, type Recorded } from "../../test/fakeFetch";
import { AuthProvider } from "../auth/AuthProvider";
import { SESSION_KEY, makeSession } from "../auth/session";
import { ImportPanel } from "./ImportPanel";
import { choose, conflicts, countDataRows, currentMapping, LEAVE_OUT, mappingErrors, mappingOverrides, startMapping } from "./importMapping";

const DETECTED = { header: ["E-mail", "Name", "Company", "Notes"], mapping: { "E-mail": "email", Name: "first_name", Company: "org_name", Notes: null } as const };

describe("the import's column mapping", () => {
  it("starts from the detection, keeps only the organiser's changes, and drops a change undone", () => {
    const start = startMapping(DETECTED);
    expect(currentMapping(start)).toEqual({ "E-mail": "email", Name: "first_name", Company: "org_name", Notes: null });
    expect(mappingOverrides(start)).toBeNull();

    const changed = choose(choose(start, "Company", LEAVE_OUT), "Notes", "title");
    expect(currentMapping(changed)).toEqual({ "E-mail": "email", Name: "first_name", Company: null, Notes: "title" });
    expect(mappingOverrides(changed)).toEqual({ Company: null, Notes: "title" });

    const undone = choose(changed, "Company", "org_name");
    expect(mappingOverrides(undone)).toEqual({ Notes: "title" });
    expect(mappingOverrides(choose(undone, "Notes", LEAVE_OUT))).toBeNull();
    expect(start.chosen).toEqual({}); // never changed in place
  });

  it("says a field given by two columns at the column changed, or else at the later one", () => {
    const start = startMapping(DETECTED);
    expect(conflicts(start)).toEqual({});
    expect(conflicts(choose(start, "Notes", "first_name"))).toEqual({ Notes: expect.stringMatching(/^“Name” gives the first_name field already/) });
    expect(conflicts(choose(start, "E-mail", "first_name"))).toEqual({ "E-mail": expect.stringMatching(/^“Name” gives the first_name field already/) });
    const both = choose(choose(start, "Company", "title"), "Notes", "title");
    expect(conflicts(both)).toEqual({ Notes: expect.stringMatching(/^“Company” gives the title field already/) });
  });

  it("puts the API's mapping messages at their header, the rest under the mapping as a whole", () => {
    const error = new ApiError(400, "VALIDATION_ERROR", "The request is not valid", "c", [
      { field: "mapping.Company", reason: "'Name' is mapped to first_name already: map only one column to it" },
      { field: "query.mapping", reason: "not valid JSON" },
      { field: "filename", reason: "at most 255 characters" },
    ]);
    expect(mappingErrors(error, DETECTED.header)).toEqual({
      Company: "'Name' is mapped to first_name already: map only one column to it",
      "": "not valid JSON",
    });
    expect(mappingErrors(new Error("offline"), DETECTED.header)).toEqual({});
    expect(mappingErrors(null, DETECTED.header)).toEqual({});
  });

  it("counts the data rows as the import does: quoted line breaks, CRLF, a BOM and blank lines", () => {
    expect(countDataRows("email\na@x.org\nb@x.org\n")).toBe(2);
    expect(countDataRows("\uFEFFemail,notes\r\na@x.org,\"two\r\nlines\"\r\nb@x.org,\r\n\r\n\r\n")).toBe(2);
    expect(countDataRows("email\nlast@x.org")).toBe(1);
    expect(countDataRows("email\n")).toBe(0);
    expect(countDataRows("")).toBe(0);
  });
});

describe("the import panel", () => {
  const CONFIG: ConsoleConfig = { apiBaseUrl: "https://api.test", region: "eu-west-1", userPoolId: "eu-west-1_Pool1", userPoolClientId: "client-1", stage: "test" };
  const FIELDS = ["email", "first_name", "last_name", "full_name", "phone", "org_name", "title", "linkedin_url"];
  const CSV = "E-mail,Name,Company,Notes\nada@example.com,Ada,Engines,VIP\ngrace@example.com,Grace,Navy,\n";

  /** The preview as the API answers it: the detection overlaid with the mapping sent; a field
   * given by two columns refused (400 at the header when both are in the mapping sent, 422 when
   * one was detected). */
  function previewAnswer(request: Recorded) {
    const sent: Record<string, string | null> = JSON.parse(new URL(request.url).searchParams.get("mapping") ?? "{}");
    const mapping: Record<string, string | null> = { ...DETECTED.mapping, ...sent };
    const seen = new Map<string, string>();
    for (const [header, field] of Object.entries(mapping)) {
      if (field && seen.has(field)) {
        if (header in sent && seen.get(field)! in sent) {
          return { status: 400, body: { error: { code: "VALIDATION_ERROR", message: "The request is not valid", details: [{ field: `mapping.${header}`, reason: `'${seen.get(field)}' is mapped to ${field} already` }] } } };
        }
        return { status: 422, body: { error: { code: "CSV_DUPLICATE_COLUMN", message: `Two columns give the ${field} field` } } };
      }
      if (field) seen.set(field, header);
    }
    if (!seen.has("email")) return { status: 422, body: { error: { code: "CSV_MISSING_COLUMN", message: "No column gives the e-mail address" } } };
    const fieldOf = (name: string) => Object.keys(mapping).find((h) => mapping[h] === name);
    const rows = [["ada@example.com", "Ada", "Engines", "VIP"], ["grace@example.com", "Grace", "Navy", ""]].map((cells, index) => {
      const byHeader = Object.fromEntries(DETECTED.header.map((h, i) => [h, cells[i] || null]));
      const value = (name: string) => (fieldOf(name) ? byHeader[fieldOf(name)!] ?? null : null);
      return {
        row: index + 2,
        values: { email: value("email"), first_name: value("first_name"), last_name: null, phone: null, org_name: value("org_name"), title: value("title"), linkedin_url: null },
        needs_first_name: false,
        problems: [],
      };
    });
    return {
      body: {
        data: {
          encoding: "utf-8", delimiter: ",", header: DETECTED.header, mapping,
          fields: FIELDS.map((field) => ({ field, label: field === "email" ? "E-mail (required)" : field })),
          warnings: [], rows, limits: { max_bytes: 1, max_rows: 1, max_body_bytes: 1 },
        },
      },
    };
  }

  function renderPanel() {
    localStorage.setItem(SESSION_KEY, JSON.stringify(makeSession({ IdToken: idToken(), AccessToken: "a", RefreshToken: "r" }, CONFIG.userPoolClientId)));
    const api = fakeFetch((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/admin/events/ev-1/imports/preview") return previewAnswer(request);
      if (path === "/api/v1/admin/events/ev-1/imports") {
        return { status: 400, body: { error: { code: "VALIDATION_ERROR", message: "The request is not valid", details: [{ field: "mapping.Notes", reason: "refused here to see it at its field" }] } } };
      }
      return { status: 404, body: { error: { code: "NOT_FOUND", message: path } } };
    });
    const view = render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <AuthProvider config={CONFIG}>
          <ApiProvider config={CONFIG} fetcher={api.fetch}>
            <ImportPanel eventId="ev-1" />
          </ApiProvider>
        </AuthProvider>
      </QueryClientProvider>,
    );
    return { api, view };
  }

  it("shows the detected mapping and the first rows, previews a changed mapping, and imports with it", async () => {
    const user = userEvent.setup();
    const { api, view } = renderPanel();
    const input = view.container.querySelector<HTMLInputElement>("input[type=file]")!;
    await user.upload(input, new File([CSV], "people.csv", { type: "text/csv" }));

    const email = await screen.findByLabelText("E-mail");
    expect(email).toHaveValue("email");
    expect(screen.getByLabelText("Notes")).toHaveValue(LEAVE_OUT);
    const preview = api.calls.find((call) => call.url.includes("/imports/preview"))!;
    expect(preview.method).toBe("POST");
    expect(preview.headers.get("content-type")).toBe("text/csv");
    expect(new URL(preview.url).searchParams.get("partial")).toBe("false");
    expect(new URL(preview.url).searchParams.get("mapping")).toBeNull();
    const rows = screen.getByRole("table", { name: /first rows of people.csv/ });
    expect(within(rows).getByText("Engines")).toBeInTheDocument();

    // Company left out, Notes as the job title: previewed again with that mapping.
    await user.selectOptions(screen.getByLabelText("Company"), LEAVE_OUT);
    await user.selectOptions(screen.getByLabelText("Notes"), "title");
    await waitFor(() => expect(within(rows).queryByText("Engines")).not.toBeInTheDocument());
    expect(within(rows).getByText("VIP")).toBeInTheDocument();
    expect(new URL(api.calls.at(-1)!.url).searchParams.get("mapping")).toBe(JSON.stringify({ Company: null, Notes: "title" }));

    // A second column for first_name: said at the column changed, the API not asked, nothing to import.
    const asked = api.calls.length;
    await user.selectOptions(screen.getByLabelText("E-mail"), "first_name");
    expect(screen.getByLabelText("E-mail")).toHaveAccessibleDescription(/“Name” gives the first_name field already/);
    expect(screen.getByLabelText("E-mail")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("button", { name: "Import 2 rows" })).toBeDisabled();
    expect(api.calls.length).toBe(asked);
    await user.selectOptions(screen.getByLabelText("E-mail"), "email");
    await waitFor(() => expect(screen.getByRole("button", { name: "Import 2 rows" })).toBeEnabled());
    expect(screen.getByLabelText("E-mail")).not.toHaveAccessibleDescription(/first_name/);

    // A mapping the API refuses as a whole (no column left for the e-mail): its message, nothing to import.
    await user.selectOptions(screen.getByLabelText("E-mail"), LEAVE_OUT);
    expect(await screen.findByText(/No column gives the e-mail address/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Import 2 rows" })).toBeDisabled();
    await user.selectOptions(screen.getByLabelText("E-mail"), "email");
    await waitFor(() => expect(screen.getByRole("button", { name: "Import 2 rows" })).toBeEnabled());
    expect(screen.queryByText(/No column gives the e-mail address/)).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Import 2 rows" }));
    await waitFor(() => expect(api.calls.some((call) => new URL(call.url).pathname === "/api/v1/admin/events/ev-1/imports")).toBe(true));
    const started = api.calls.find((call) => new URL(call.url).pathname === "/api/v1/admin/events/ev-1/imports")!;
    expect(JSON.parse(new URL(started.url).searchParams.get("mapping")!)).toEqual({ Company: null, Notes: "title" });
    expect(started.headers.get("x-filename")).toBe("people.csv");
    // The start's refusal shows at its column, and the organiser may try again.
    expect(await screen.findByLabelText("Notes")).toHaveAccessibleDescription("refused here to see it at its field");
    expect(screen.getByRole("button", { name: "Import 2 rows" })).toBeEnabled();
  });
});
