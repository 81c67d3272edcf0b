/** The scanner's outbox (IndexedDB, through fake-indexeddb) and its sync: offline scans kept and
 * sent once the network is back, no duplicates when an answer is lost, backoff, refusals kept
 * for the person, details typed while a scan is on its way. The API is an in-memory server with
 * the real one's rules: one lead per card, a repeated client_id answers the lead it made. */
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors";
import { newCapture, openOutbox, type CaptureItem, type Outbox } from "./outbox";
import { BACKOFF_MAX_MS, SyncEngine, backoffDelay, changesOf, isTransient, mergeDetails, type Lead, type LeadApi, type LeadChanges, type SyncResult } from "./sync";

const OWNER = "sub-exhibitor";
const CARD_A = "11111111-1111-4111-8111-111111111111";
const CARD_B = "22222222-2222-4222-8222-222222222222";
const CARD_UNKNOWN = "99999999-9999-4999-8999-999999999999";
const url = (card: string) => `http://127.0.0.1:8000/c/${card}?src=qr`;

class FakeLeadServer implements LeadApi {
  leads = new Map<string, Lead & { card: string; client_id: string | null }>();
  calls: { op: string; body: unknown }[] = [];
  cards = new Map([
    [CARD_A, "Ada Lovelace"],
    [CARD_B, "Grace Hopper"],
  ]);
  /** Answers to give instead of the real one, in order: "network" (nothing reached the server),
   * "lost" (the server did it, the answer was lost), or an HTTP status. */
  script: ("network" | "lost" | number)[] = [];
  private next = 1;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  /** Hold the next capture until release() (a slow network). */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  private answer(): "lost" | null {
    const step = this.script.shift();
    if (step === undefined) return null;
    if (step === "network") throw new ApiError(0, "NETWORK_ERROR", "The API could not be reached.");
    if (step === "lost") return "lost";
    throw new ApiError(step, `HTTP_${step}`, `HTTP ${step}`);
  }

  async capture(body: { scan: string; client_id: string; notes?: string; rating?: Lead["rating"]; tags?: string[] }) {
    this.calls.push({ op: "capture", body });
    if (this.gate) await this.gate;
    const outcome = this.answer();
    const card = body.scan.match(/\/c\/([0-9a-f-]{36})/)?.[1] ?? body.scan;
    const leads = [...this.leads.values()];
    let lead = leads.find((l) => l.client_id === body.client_id) ?? leads.find((l) => l.card === card);
    let created = false;
    if (!lead) {
      const name = this.cards.get(card);
      if (!name) throw new ApiError(404, "CARD_NOT_FOUND", `Card ${card} not found`);
      lead = {
        lead_id: `lead-${this.next++}`, card, client_id: body.client_id, name, org_name: null, title: null,
        notes: body.notes ?? null, rating: body.rating ?? null, tags: body.tags ?? [], captured_at: new Date().toISOString(),
      };
      this.leads.set(lead.lead_id, lead);
      created = true;
    }
    if (outcome === "lost") throw new ApiError(0, "NETWORK_ERROR", "The connection dropped before the answer came.");
    return { lead: { ...lead }, created };
  }

  async update(leadId: string, changes: LeadChanges) {
    this.calls.push({ op: "update", body: { leadId, ...changes } });
    this.answer();
    const lead = this.leads.get(leadId);
    if (!lead) throw new ApiError(404, "LEAD_NOT_FOUND", "Lead not found");
    if (changes.notes !== undefined) lead.notes = changes.notes;
    if (changes.rating !== undefined) lead.rating = changes.rating;
    if (changes.tags !== undefined) lead.tags = changes.tags ?? [];
    return { ...lead };
  }
}

/** Timers the test fires by hand, with their delays recorded. */
class ManualTimers {
  pending: { callback: () => void; ms: number }[] = [];
  delays: number[] = [];
  set = (callback: () => void, ms: number) => {
    const timer = { callback, ms };
    this.pending.push(timer);
    this.delays.push(ms);
    return timer;
  };
  clear = (handle: unknown) => {
    this.pending = this.pending.filter((t) => t !== handle);
  };
  async fire(): Promise<void> {
    const due = this.pending.shift();
    if (!due) throw new Error("no timer is pending");
    due.callback();
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

const opened: Outbox[] = [];
afterEach(() => {
  for (const box of opened.splice(0)) box.close();
});

async function outbox(factory = new IDBFactory()): Promise<Outbox> {
  const box = await openOutbox("test-outbox", factory);
  opened.push(box);
  return box;
}

function engine(box: Outbox, server: LeadApi, options: { online?: () => boolean; timers?: ManualTimers } = {}) {
  const timers = options.timers ?? new ManualTimers();
  const sync = new SyncEngine({
    outbox: box, owner: OWNER, api: server, isOnline: options.online ?? (() => true),
    setTimer: timers.set, clearTimer: timers.clear, random: () => 0.5,
  });
  const results: SyncResult[] = [];
  sync.onResult((result) => results.push(result));
  return { sync, results, timers };
}

function capture(scan: string, queuedAt: number, id: string = crypto.randomUUID()): CaptureItem {
  return newCapture(OWNER, scan, queuedAt, () => id);
}

describe("the outbox (IndexedDB)", () => {
  it("keeps items across closing and opening the database, oldest first, per user", async () => {
    const factory = new IDBFactory();
    const first = await outbox(factory);
    await first.put(capture(url(CARD_B), 20, "b"));
    await first.put(capture(url(CARD_A), 10, "a"));
    await first.put({ ...capture(url(CARD_A), 5, "other"), owner: "sub-someone-else" });
    first.close();

    const again = await outbox(factory);
    const items = await again.list(OWNER);
    expect(items.map((i) => i.id)).toEqual(["a", "b"]);
    expect(items[0]).toMatchObject({ kind: "capture", scan: url(CARD_A), details: null, version: 1, attempts: 0 });
    expect((await again.list("sub-someone-else")).map((i) => i.id)).toEqual(["other"]);
  });

  it("changes, deletes and leaves an item in one transaction", async () => {
    const box = await outbox();
    await box.put(capture("x", 1, "one"));
    const changed = await box.update("one", (item) => (item ? { ...item, version: item.version + 1 } : undefined));
    expect(changed?.version).toBe(2);
    expect((await box.get("one"))?.version).toBe(2);
    expect(await box.update("missing", () => undefined)).toBeUndefined();
    expect(await box.update("one", () => null)).toBeUndefined();
    expect(await box.get("one")).toBeUndefined();
  });

  it("makes a fresh client_id (a UUID) for every scan", () => {
    const a = newCapture(OWNER, "  " + url(CARD_A) + " ");
    const b = newCapture(OWNER, url(CARD_A));
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.scan).toBe(url(CARD_A));
  });
});

describe("syncing", () => {
  it("sends a scan at once when online and says whether the lead is new", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    const { sync, results } = engine(box, server);
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_A), 1, "c-1"));
    await settle();
    await sync.enqueue(capture(url(CARD_A), 2, "c-2")); // the same card again
    await settle();

    expect(server.calls.map((c) => c.body)).toEqual([
      { scan: url(CARD_A), client_id: "c-1" },
      { scan: url(CARD_A), client_id: "c-2" },
    ]);
    expect(results.map((r) => r.type === "captured" && [r.clientId, r.lead.name, r.created])).toEqual([
      ["c-1", "Ada Lovelace", true],
      ["c-2", "Ada Lovelace", false],
    ]);
    expect(server.leads.size).toBe(1);
    expect(await box.list(OWNER)).toEqual([]);
    expect(sync.getState().items).toEqual([]);
    sync.stop(null);
  });

  it("keeps scans made offline, counts them, and sends each exactly once when the network is back", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    let online = false;
    const window = new EventTarget();
    const { sync, results, timers } = engine(box, server, { online: () => online });
    await sync.start(window as unknown as Window);
    await sync.enqueue(capture(url(CARD_A), 1));
    await sync.enqueue(capture(url(CARD_B), 2));
    await settle();

    expect(server.calls).toEqual([]);
    expect(sync.getState().items).toHaveLength(2);
    expect(sync.getState().online).toBe(false);
    expect(sync.getState().lastError?.code).toBe("OFFLINE");
    expect(sync.getState().retryAt).not.toBeNull();

    // A retry while still offline sends nothing and waits longer.
    await timers.fire();
    expect(server.calls).toEqual([]);
    expect(timers.delays).toEqual([1000, 2000]);

    online = true;
    window.dispatchEvent(new Event("online"));
    await settle();
    expect(server.calls.map((c) => (c.body as { scan: string }).scan)).toEqual([url(CARD_A), url(CARD_B)]);
    expect([...server.leads.values()].map((l) => l.name).sort()).toEqual(["Ada Lovelace", "Grace Hopper"]);
    expect(results.filter((r) => r.type === "captured")).toHaveLength(2);
    expect(sync.getState()).toMatchObject({ items: [], online: true, lastError: null, retryAt: null });
    expect(timers.pending).toEqual([]); // the pending retry was cancelled by the online event

    // Another online event or pass sends nothing more.
    window.dispatchEvent(new Event("online"));
    await sync.syncNow();
    expect(server.calls).toHaveLength(2);
    sync.stop(window as unknown as Window);
  });

  it("makes no duplicate when the server saved a scan but its answer was lost", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    server.script = ["lost"];
    const { sync, results, timers } = engine(box, server);
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_A), 1, "the-scan"));
    await settle();
    expect(server.leads.size).toBe(1); // saved on the server …
    expect(sync.getState().items.map((i) => [i.id, i.attempts])).toEqual([["the-scan", 1]]); // … but still waiting here

    await timers.fire(); // the retry sends the same client_id
    expect(server.calls.map((c) => (c.body as { client_id: string }).client_id)).toEqual(["the-scan", "the-scan"]);
    expect(server.leads.size).toBe(1);
    expect(results).toMatchObject([{ type: "captured", clientId: "the-scan", created: false }]);
    expect(sync.getState().items).toEqual([]);
  });

  it("retries after network errors and 5xx with a growing delay, and forgets it after a success", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    server.script = ["network", 503, 500, "network"];
    const { sync, timers } = engine(box, server);
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_A), 1));
    await settle();
    expect(sync.getState().lastError?.code).toBe("NETWORK_ERROR");
    await timers.fire();
    expect(sync.getState().lastError?.status).toBe(503);
    await timers.fire();
    await timers.fire();
    await timers.fire();
    expect(timers.delays).toEqual([1000, 2000, 4000, 8000]);
    expect(server.leads.size).toBe(1);
    expect(sync.getState()).toMatchObject({ items: [], lastError: null, retryAt: null });

    // The next failure starts from the shortest delay again.
    server.script = ["network"];
    await sync.enqueue(capture(url(CARD_B), 2));
    await settle();
    expect(timers.delays.at(-1)).toBe(1000);
  });

  it("keeps a scan the API refuses (not a card, an unknown card) with its message, and goes on with the others", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    const { sync, results } = engine(box, server);
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_UNKNOWN), 1, "unknown"));
    await sync.enqueue(capture(url(CARD_B), 2, "grace"));
    await settle();

    const [kept] = sync.getState().items;
    expect(sync.getState().items).toHaveLength(1);
    expect(kept).toMatchObject({ id: "unknown", failure: { status: 404, code: "CARD_NOT_FOUND" } });
    expect(results.map((r) => r.type)).toEqual(["failed", "captured"]);
    expect(server.leads.size).toBe(1);

    // A failed item is not sent again by the next passes …
    await sync.syncNow();
    expect(server.calls.filter((c) => (c.body as { client_id: string }).client_id === "unknown")).toHaveLength(1);
    // … until the person retries it (the card exists now) or discards it.
    server.cards.set(CARD_UNKNOWN, "Alan Turing");
    await sync.retry("unknown");
    await settle();
    expect([...server.leads.values()].map((l) => l.name).sort()).toEqual(["Alan Turing", "Grace Hopper"]);
    expect(sync.getState().items).toEqual([]);

    server.script = [400];
    await sync.enqueue(capture("garbage", 3, "garbage"));
    await settle();
    expect(sync.getState().items[0]?.failure?.status).toBe(400);
    await sync.discard("garbage");
    expect(await box.list(OWNER)).toEqual([]);
  });

  it("sends notes, rating and tags typed before the scan went, with the capture", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    let online = false;
    const { sync } = engine(box, server, { online: () => online });
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_A), 1, "c"));
    expect(await sync.saveDetails("c", { notes: " Wants a demo ", rating: "hot", tags: ["ai", " AI", "", "cloud"] }, "")).toBe(true);
    online = true;
    await sync.syncNow();
    expect(server.calls.map((c) => c.body)).toEqual([{ scan: url(CARD_A), client_id: "c", notes: "Wants a demo", rating: "hot", tags: ["ai", "cloud"] }]);
    expect([...server.leads.values()][0]).toMatchObject({ notes: "Wants a demo", rating: "hot", tags: ["ai", "cloud"] });
  });

  it("turns details typed while the scan is on its way into an edit of the new lead", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    server.hold();
    const { sync, results } = engine(box, server);
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_A), 1, "c"));
    await settle();
    expect(server.calls).toHaveLength(1); // sent, no answer yet
    await sync.saveDetails("c", { notes: "Call in May", rating: "warm", tags: ["partner"] }, "");
    server.release();
    await settle();

    expect(server.calls.map((c) => c.op)).toEqual(["capture", "update"]);
    expect(server.calls[1]?.body).toEqual({ leadId: "lead-1", notes: "Call in May", rating: "warm", tags: ["partner"] });
    expect(results.map((r) => r.type)).toEqual(["captured", "edited"]);
    expect(sync.getState().items).toEqual([]);

    // Details saved after the capture went: an edit of the lead it became.
    await sync.saveDetails("c", { notes: "", rating: null, tags: [] }, "Ada Lovelace");
    await settle();
    expect(server.calls.at(-1)?.body).toEqual({ leadId: "lead-1", notes: null, rating: null, tags: [] });
    expect(server.leads.get("lead-1")).toMatchObject({ notes: null, rating: null, tags: [] });
    expect(await sync.saveDetails("never-scanned", { notes: "x", rating: null, tags: [] }, "")).toBe(false);
  });

  it("adds a repeated scan's details to the lead already captured, without overwriting it", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    const { sync } = engine(box, server);
    await sync.start(null);
    await sync.enqueue({ ...capture(url(CARD_A), 1, "first"), details: { notes: "Met at the keynote", rating: "cold", tags: ["ml"] } });
    await settle();
    // A colleague's phone scans the same card, offline, with its own notes.
    await sync.enqueue({ ...capture(url(CARD_A), 2, "second"), details: { notes: "Budget in Q3", rating: "hot", tags: ["ML", "budget"] } });
    await settle();

    expect(server.leads.size).toBe(1);
    expect(server.leads.get("lead-1")).toMatchObject({ notes: "Met at the keynote\nBudget in Q3", rating: "cold", tags: ["ml", "budget"] });
    expect(sync.getState().items).toEqual([]);
  });

  it("keeps an edit while offline and sends the latest version once", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    await server.capture({ scan: url(CARD_B), client_id: "x" });
    server.calls = [];
    let online = false;
    const { sync } = engine(box, server, { online: () => online });
    await sync.start(null);
    await sync.editLead("lead-1", { notes: "first", rating: "warm", tags: [] }, "Grace Hopper");
    await sync.editLead("lead-1", { notes: "second", rating: "hot", tags: ["navy"] }, "Grace Hopper");
    expect(sync.getState().items).toMatchObject([{ kind: "edit", leadId: "lead-1", name: "Grace Hopper", version: 2 }]);
    online = true;
    await sync.syncNow();
    expect(server.calls.map((c) => c.body)).toEqual([{ leadId: "lead-1", notes: "second", rating: "hot", tags: ["navy"] }]);
    expect(sync.getState().items).toEqual([]);
  });

  it("waits (keeps the scans) while the API refuses the session", async () => {
    const box = await outbox();
    const server = new FakeLeadServer();
    server.script = [401];
    const { sync, timers } = engine(box, server);
    await sync.start(null);
    await sync.enqueue(capture(url(CARD_A), 1));
    await settle();
    expect(sync.getState().items).toHaveLength(1);
    expect(sync.getState().items[0]?.failure).toBeUndefined();
    expect(timers.pending).toHaveLength(1);
    sync.stop(null);
    expect(timers.pending).toHaveLength(0);
  });
});

describe("the rules", () => {
  it("doubles the delay up to a minute, with jitter of a fifth either way", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, () => 0.5)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(1, () => 0)).toBe(800);
    expect(backoffDelay(1, () => 1)).toBe(1200);
  });

  it("waits on no answer, 401, 403, 408, 429 and 5xx; gives up an item on other 4xx", () => {
    for (const status of [0, 401, 403, 408, 429, 500, 503]) expect(isTransient(new ApiError(status, "X", "x"))).toBe(true);
    for (const status of [400, 404, 409, 413, 422]) expect(isTransient(new ApiError(status, "X", "x"))).toBe(false);
    expect(isTransient(new TypeError("Failed to fetch"))).toBe(true);
  });

  it("merges details into a lead without overwriting it", () => {
    const lead = { notes: "Met at the keynote", rating: "warm" as const, tags: ["ml"] };
    expect(mergeDetails(lead, null)).toBeNull();
    expect(mergeDetails(lead, { notes: "", rating: null, tags: [] })).toBeNull();
    expect(mergeDetails(lead, { notes: "Met at the keynote", rating: "hot", tags: ["ML"] })).toBeNull();
    expect(mergeDetails({ notes: null, rating: null, tags: [] }, { notes: "hi", rating: "hot", tags: ["a"] })).toEqual({ notes: "hi", rating: "hot", tags: ["a"] });
    expect(mergeDetails(lead, { notes: "Budget", rating: null, tags: ["b"] })).toEqual({ notes: "Met at the keynote\nBudget", tags: ["ml", "b"] });
  });

  it("sends a form's empty note and rating as cleared", () => {
    expect(changesOf({ notes: "  ", rating: null, tags: [" x ", "X"] })).toEqual({ notes: null, rating: null, tags: ["x"] });
  });
});
