import { describe, expect, it } from "vitest";
import { cardIdOf } from "./scanText";

const ID = "3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b";

describe("what counts as a card scan (the API's rule)", () => {
  it("finds the card id in a card's QR URL, a typed URL, a bare id and a vCard", () => {
    expect(cardIdOf(`https://cards.example.com/c/${ID}?src=qr`)).toBe(ID);
    expect(cardIdOf(`http://127.0.0.1:8000/c/${ID}`)).toBe(ID);
    expect(cardIdOf(`https://cards.example.com/c/${ID}/vcard`)).toBe(ID);
    expect(cardIdOf(`  ${ID.toUpperCase()}  `)).toBe(ID);
    expect(cardIdOf(`/c/${ID}`)).toBe(ID);
    expect(cardIdOf(`BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nURL:https://cards.example.com/c/${ID}\nEND:VCARD`)).toBe(ID);
  });

  it("refuses what is not a card", () => {
    for (const text of ["", "   ", "hello", "WIFI:S:venue;T:WPA;P:secret;;", "https://example.com/", `ftp://example.com/c/${ID}`, `https://example.com/x/${ID}`, `${ID}x`, "BEGIN:VCARD\nFN:Ada\nEND:VCARD", "https://[bad"]) {
      expect(cardIdOf(text), text).toBeNull();
    }
  });
});
