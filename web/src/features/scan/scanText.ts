/** What a scan is: the card id in what the camera read or the person typed, by the API's own rule
 * (services/leads.card_id_from_scan): a card URL (…/c/<id>, with or without ?src=qr or a
 * sub-path), a bare card id, or a vCard that carries a card URL. Checked on the device too, so a
 * QR code that is not a card (a Wi-Fi code, a web site) is refused at once, even offline, instead
 * of waiting in the outbox for the API to refuse it. */
const UUID = "[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}";
const BARE = new RegExp(`^${UUID}$`);
const CARD_PATH = new RegExp(`/c/(${UUID})(?:/[^?#\\s]*)?$`);
const CARD_URL_IN_TEXT = new RegExp(`https?://[^\\s/]+(/c/${UUID})(?=[/?#\\s;]|$)`);

export function cardIdOf(text: string): string | null {
  let raw = text.trim();
  if (raw.toUpperCase().startsWith("BEGIN:VCARD")) raw = CARD_URL_IN_TEXT.exec(raw)?.[1] ?? "";
  if (!raw) return null;
  if (!raw.includes("/")) return BARE.test(raw) ? raw.toLowerCase() : null;
  let path = raw;
  if (raw.includes("://")) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return null;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
    path = parsed.pathname;
  } else {
    path = raw.split(/[?#]/)[0] ?? "";
  }
  const found = CARD_PATH.exec(path);
  return found?.[1] ? found[1].toLowerCase() : null;
}
