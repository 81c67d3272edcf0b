import { describe, expect, it } from "vitest";
import { dayInZone, formatOffset, fromWallTime, offsetMinutes, toWallTime } from "./time";

describe("time zones", () => {
  it("knows each zone's offset at an instant, DST included", () => {
    expect(offsetMinutes(Date.parse("2030-07-01T12:00:00Z"), "Europe/Berlin")).toBe(120);
    expect(offsetMinutes(Date.parse("2030-01-01T12:00:00Z"), "Europe/Berlin")).toBe(60);
    expect(offsetMinutes(Date.parse("2030-01-01T12:00:00Z"), "Asia/Kolkata")).toBe(330);
    expect(offsetMinutes(Date.parse("2030-01-01T12:00:00Z"), "America/Los_Angeles")).toBe(-480);
    expect(formatOffset(330)).toBe("+05:30");
    expect(formatOffset(-480)).toBe("-08:00");
  });

  it("turns a wall-clock time of the event's zone into an instant and back", () => {
    expect(fromWallTime("2030-05-01T09:00", "Europe/Berlin")).toBe("2030-05-01T09:00:00+02:00");
    expect(fromWallTime("2030-12-01T09:30", "Asia/Kolkata")).toBe("2030-12-01T09:30:00+05:30");
    expect(fromWallTime("2030-05-01T09:00", "UTC")).toBe("2030-05-01T09:00:00+00:00");
    expect(toWallTime("2030-05-01T07:00:00Z", "Europe/Berlin")).toBe("2030-05-01T09:00");
    expect(toWallTime("2030-05-01T07:00:00Z", "America/New_York")).toBe("2030-05-01T03:00");
  });

  it("moves a time in a DST gap forward and takes the earlier instant of an overlap", () => {
    // Europe/Berlin skips 02:00-03:00 on 2030-03-31 and repeats 02:00-03:00 on 2030-10-27.
    expect(Date.parse(fromWallTime("2030-03-31T02:30", "Europe/Berlin"))).toBe(Date.parse("2030-03-31T01:30:00Z"));
    expect(fromWallTime("2030-10-27T02:30", "Europe/Berlin")).toBe("2030-10-27T02:30:00+02:00");
  });

  it("gives today's date in a zone", () => {
    const now = Date.parse("2030-05-01T23:30:00Z");
    expect(dayInZone("UTC", 0, now)).toBe("2030-05-01");
    expect(dayInZone("Asia/Tokyo", 0, now)).toBe("2030-05-02");
    expect(dayInZone("Asia/Tokyo", -29, now)).toBe("2030-04-03");
  });
});
