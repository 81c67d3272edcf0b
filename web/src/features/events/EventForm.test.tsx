import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/errors";
import { EventForm, slugify, type EventFormValues } from "./EventForm";

function setDateTime(label: RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe("the event form", () => {
  it("makes a web address from the name", () => {
    expect(slugify("Zoë's Spring Summit — 2030!")).toBe("zoes-spring-summit-2030");
    expect(slugify("  --Hello  World--  ")).toBe("hello-world");
  });

  it("sends the dates as instants in the chosen time zone", async () => {
    const onSubmit = vi.fn(async (_: EventFormValues) => undefined);
    const user = userEvent.setup();
    render(<EventForm onSubmit={onSubmit} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Name/), "Spring Summit");
    expect(screen.getByLabelText(/^Web address/)).toHaveValue("spring-summit");
    await user.selectOptions(screen.getByLabelText("Time zone"), "Asia/Kolkata");
    setDateTime(/^Starts/, "2030-05-01T09:00");
    setDateTime(/^Ends/, "2030-05-02T18:30");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: "Spring Summit",
      slug: "spring-summit",
      timezone: "Asia/Kolkata",
      status: "draft",
      starts_at: "2030-05-01T09:00:00+05:30",
      ends_at: "2030-05-02T18:30:00+05:30",
    });
  });

  it("says what is missing before asking the API", async () => {
    const onSubmit = vi.fn();
    const user = userEvent.setup();
    render(<EventForm onSubmit={onSubmit} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Name/), "X");
    await user.clear(screen.getByLabelText(/^Web address/));
    await user.type(screen.getByLabelText(/^Web address/), "Not A Slug");
    setDateTime(/^Starts/, "2030-05-02T09:00");
    setDateTime(/^Ends/, "2030-05-01T09:00");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/^Web address/)).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText(/^Web address/)).toHaveAccessibleDescription(/lower-case letters, numbers and single dashes/);
    expect(screen.getByLabelText(/^Ends/)).toHaveAccessibleDescription("The end must be after the start.");
    expect(screen.getByLabelText(/^Web address/)).toHaveFocus();
  });

  it("shows the API's validation messages at their fields, with the error's code", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {
      throw new ApiError(400, "VALIDATION_ERROR", "The request is not valid", "corr-7", [{ field: "timezone", reason: "not an IANA time zone" }]);
    });
    render(<EventForm onSubmit={onSubmit} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Name/), "Expo");
    setDateTime(/^Starts/, "2030-05-01T09:00");
    setDateTime(/^Ends/, "2030-05-01T10:00");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    expect(await screen.findByLabelText("Time zone")).toHaveAccessibleDescription(/not an IANA time zone/);
    expect(screen.getByRole("alert")).toHaveTextContent("VALIDATION_ERROR");
    expect(screen.getByRole("alert")).toHaveTextContent("corr-7");
  });

  it("puts a taken web address (409) at its field", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => {
      throw new ApiError(409, "EVENT_SLUG_TAKEN", "An event with slug 'expo' already exists", "corr-8");
    });
    render(<EventForm onSubmit={onSubmit} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText(/^Name/), "Expo");
    setDateTime(/^Starts/, "2030-05-01T09:00");
    setDateTime(/^Ends/, "2030-05-01T10:00");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    expect(await screen.findByLabelText(/^Web address/)).toHaveAccessibleDescription(/already exists/);
    expect(screen.getByLabelText(/^Web address/)).toHaveFocus();
  });
});
