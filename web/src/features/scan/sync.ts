/** Sends the outbox (outbox.ts) to the API, oldest first, one item at a time, and by itself:
 * when an item is added, when the browser says it is back online, when the page is shown again,
 * and after a failure with a growing delay (1 s, 2 s, 4 s … at most a minute, with jitter).
 *
 * What the API answers decides what happens to an item:
 * - 201 / 200 (a new lead, or one captured already: the same card, or this client_id replayed):
 *   the item goes. If the lead existed and the scan carried notes, a rating or tags, they are
 *   added to it without overwriting what is there (mergeDetails), as one more edit.
 * - no answer (offline, timeout), 408, 429, 5xx, 401 (the session is renewed or ends), 403 (the
 *   user's access changed): nothing is lost; the pass stops and is tried again later.
 * - any other 4xx (not a card, an unknown card, a lead since deleted): the item is marked failed
 *   with the API's message and kept for the person to read and discard; the others go on.
 *
 * A change made to an item while it was being sent (notes typed during the request) is kept: the
 * item is removed only if it is still the version that was sent. */
import { ApiError } from "../../api/errors";
import { editId, type CaptureItem, type EditItem, type LeadDetails, type Outbox, type OutboxItem, type Rating } from "./outbox";

export interface Lead {
  lead_id: string;
  name: string;
  org_name: string | null;
  title: string | null;
  notes: string | null;
  rating: Rating | null;
  tags: string[];
  captured_at: string;
}

export interface LeadChanges {
  notes?: string | null;
  rating?: Rating | null;
  tags?: string[] | null;
}

/** The lead routes, as the engine needs them (the app binds them to the signed-in session). */
export interface LeadApi<L extends Lead = Lead> {
  capture(body: { scan: string; client_id: string; notes?: string; rating?: Rating; tags?: string[] }): Promise<{ lead: L; created: boolean }>;
  update(leadId: string, changes: LeadChanges): Promise<L>;
}

export type SyncResult<L extends Lead = Lead> =
  | { type: "captured"; clientId: string; lead: L; created: boolean }
  | { type: "edited"; leadId: string; lead: L }
  | { type: "failed"; item: OutboxItem };

export interface SyncState {
  /** The owner's items, oldest first (failed ones included). */
  items: OutboxItem[];
  syncing: boolean;
  online: boolean;
  /** When the next attempt is due after a failure (ms since the epoch), else null. */
  retryAt: number | null;
  /** Why the last pass stopped (no network, a 5xx…), until a pass succeeds. */
  lastError: ApiError | null;
}

export interface SyncOptions<L extends Lead> {
  outbox: Outbox;
  owner: string;
  api: LeadApi<L>;
  now?: () => number;
  random?: () => number;
  isOnline?: () => boolean;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** A lock shared by the tabs of this browser (navigator.locks), so one tab sends at a time. */
  withLock?: (work: () => Promise<void>) => Promise<void>;
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;

/** The delay before attempt number `failures` (1, 2, …): doubling, capped, ±20 % jitter so a
 * room full of phones does not come back at the same instant. */
export function backoffDelay(failures: number, random: () => number = Math.random): number {
  const plain = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/** An answer worth waiting for (the next attempt may succeed) rather than a refusal of the item. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  const s = error.status;
  return s === 0 || s === 401 || s === 403 || s === 408 || s === 429 || s >= 500;
}

export function normalTags(tags: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim().slice(0, 40);
    if (tag && !seen.has(tag.toLowerCase())) {
      seen.add(tag.toLowerCase());
      out.push(tag);
    }
  }
  return out.slice(0, 20);
}

export function hasDetails(details: LeadDetails | null | undefined): details is LeadDetails {
  return Boolean(details && (details.notes.trim() || details.rating || details.tags.length));
}

/** The change that adds a scan's details to a lead captured before (by another device, or an
 * earlier scan): the rating if the lead has none, the tags it lacks, the notes appended unless
 * the lead already says them. Null when there is nothing to add (a replay of this very scan). */
export function mergeDetails(lead: Pick<Lead, "notes" | "rating" | "tags">, details: LeadDetails | null): LeadChanges | null {
  if (!hasDetails(details)) return null;
  const changes: LeadChanges = {};
  const notes = details.notes.trim();
  const had = (lead.notes ?? "").trim();
  if (notes && !had.includes(notes)) changes.notes = had ? `${had}\n${notes}` : notes;
  if (details.rating && !lead.rating) changes.rating = details.rating;
  const tags = normalTags([...lead.tags, ...details.tags]);
  if (tags.length > lead.tags.length) changes.tags = tags;
  return Object.keys(changes).length ? changes : null;
}

/** The PATCH body of a details form: all three, an empty note or rating cleared. */
export function changesOf(details: LeadDetails): LeadChanges {
  return { notes: details.notes.trim() || null, rating: details.rating, tags: normalTags(details.tags) };
}

function captureBody(item: CaptureItem) {
  const d = item.details;
  return {
    scan: item.scan,
    client_id: item.id,
    ...(d?.notes.trim() ? { notes: d.notes.trim() } : {}),
    ...(d?.rating ? { rating: d.rating } : {}),
    ...(d && normalTags(d.tags).length ? { tags: normalTags(d.tags) } : {}),
  };
}

function failureOf(error: unknown): NonNullable<OutboxItem["failure"]> {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  return { status: 0, code: "UNKNOWN", message: error instanceof Error ? error.message : String(error) };
}

export class SyncEngine<L extends Lead = Lead> {
  private readonly outbox: Outbox;
  readonly owner: string;
  private api: LeadApi<L>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly isOnline: () => boolean;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly withLock: (work: () => Promise<void>) => Promise<void>;
  private state: SyncState;
  private listeners = new Set<() => void>();
  private resultListeners = new Set<(result: SyncResult<L>) => void>();
  private failures = 0;
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** client_id → lead_id of the captures sent by this engine, for details typed just after. */
  private readonly sent = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(options: SyncOptions<L>) {
    this.outbox = options.outbox;
    this.owner = options.owner;
    this.api = options.api;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.isOnline = options.isOnline ?? (() => (typeof navigator === "undefined" ? true : navigator.onLine !== false));
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    this.withLock = options.withLock ?? ((work) => work());
    this.state = { items: [], syncing: false, online: this.isOnline(), retryAt: null, lastError: null };
  }

  // --- observing ------------------------------------------------------------------------------

  getState = (): SyncState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  onResult(listener: (result: SyncResult<L>) => void): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  private set(changes: Partial<SyncState>): void {
    this.state = { ...this.state, ...changes };
    for (const listener of this.listeners) listener();
  }

  private emit(result: SyncResult<L>): void {
    for (const listener of this.resultListeners) listener(result);
  }

  async refresh(): Promise<void> {
    this.set({ items: await this.outbox.list(this.owner) });
  }

  /** The lead a capture of this engine became, once sent. */
  leadIdOf(clientId: string): string | undefined {
    return this.sent.get(clientId);
  }

  setApi(api: LeadApi<L>): void {
    this.api = api;
  }

  // --- what the page does -----------------------------------------------------------------------

  /** Keep a scan, then send it (now if the network allows). */
  async enqueue(item: CaptureItem): Promise<void> {
    await this.outbox.put(item);
    await this.refresh();
    this.syncSoon();
  }

  /** The details of a scan: on the waiting capture if it is still here, else as an edit of the
   * lead it became. Returns false when neither is known (the scan was discarded). */
  async saveDetails(clientId: string, details: LeadDetails, name: string): Promise<boolean> {
    const clean = { ...details, tags: normalTags(details.tags) };
    const saved = await this.serial(async () => {
      const kept = await this.outbox.update(clientId, (item) =>
        item && item.kind === "capture" ? { ...item, details: clean, version: item.version + 1, failure: undefined } : undefined,
      );
      if (kept !== undefined) return true;
      const leadId = this.sent.get(clientId);
      if (!leadId) return false;
      await this.queueEdit(leadId, name, clean);
      return true;
    });
    await this.refresh();
    this.syncSoon();
    return saved;
  }

  /** Change a lead (its notes, rating and tags), through the outbox like everything else. */
  async editLead(leadId: string, details: LeadDetails, name: string): Promise<void> {
    await this.serial(() => this.queueEdit(leadId, name, { ...details, tags: normalTags(details.tags) }));
    await this.refresh();
    this.syncSoon();
  }

  async discard(id: string): Promise<void> {
    await this.outbox.remove(id);
    await this.refresh();
  }

  /** Try a failed item again (after the person fixed what was wrong elsewhere). */
  async retry(id: string): Promise<void> {
    await this.outbox.update(id, (item) => (item ? { ...item, failure: undefined, attempts: 0, version: item.version + 1 } : undefined));
    await this.refresh();
    this.syncNow();
  }

  // --- running ----------------------------------------------------------------------------------

  private readonly onOnline = () => {
    this.set({ online: true });
    this.syncNow();
  };

  private readonly onOffline = () => this.set({ online: false });

  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.syncNow();
  };

  /** Listen for the network and the page coming back, and send what is waiting. */
  start(target: Pick<Window, "addEventListener"> | null = typeof window === "undefined" ? null : window): Promise<void> {
    this.stopped = false;
    target?.addEventListener("online", this.onOnline);
    target?.addEventListener("offline", this.onOffline);
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", this.onVisible);
    return this.refresh().then(() => this.syncNow());
  }

  stop(target: Pick<Window, "removeEventListener"> | null = typeof window === "undefined" ? null : window): void {
    this.stopped = true;
    target?.removeEventListener("online", this.onOnline);
    target?.removeEventListener("offline", this.onOffline);
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", this.onVisible);
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  /** A pass now (a due retry is brought forward). Resolves when the outbox had its turn. */
  syncNow(): Promise<void> {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
      this.set({ retryAt: null });
    }
    return this.pass();
  }

  /** A pass unless one is waiting for its retry time (the backoff stands). */
  private syncSoon(): void {
    if (this.timer === null) void this.pass();
  }

  private pass(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true; // something changed during the pass: go round once more
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.withLock(() => this.sendAll());
        } while (this.again && !this.stopped && this.timer === null);
      } finally {
        this.running = null;
        this.set({ syncing: false });
      }
    })();
    return this.running;
  }

  private async sendAll(): Promise<void> {
    const items = (await this.outbox.list(this.owner)).filter((item) => !item.failure);
    this.set({ online: this.isOnline() });
    if (!items.length) {
      this.failures = 0;
      this.set({ lastError: null });
      return;
    }
    if (!this.isOnline()) {
      this.scheduleRetry(new ApiError(0, "OFFLINE", "You are offline: scans wait on this device and are sent when the network is back."));
      return;
    }
    this.set({ syncing: true });
    for (const item of items) {
      if (this.stopped) return;
      try {
        if (item.kind === "capture") await this.sendCapture(item);
        else await this.sendEdit(item);
      } catch (error) {
        if (isTransient(error)) {
          await this.outbox.update(item.id, (current) => (current ? { ...current, attempts: current.attempts + 1 } : undefined));
          await this.refresh();
          this.scheduleRetry(error instanceof ApiError ? error : new ApiError(0, "NETWORK_ERROR", String(error)));
          return;
        }
        const failed = await this.outbox.update(item.id, (current) => (current ? { ...current, failure: failureOf(error), attempts: current.attempts + 1 } : undefined));
        if (failed) this.emit({ type: "failed", item: failed });
      }
      await this.refresh();
    }
    this.failures = 0;
    this.set({ lastError: null, retryAt: null });
  }

  private async sendCapture(item: CaptureItem): Promise<void> {
    const { lead, created } = await this.api.capture(captureBody(item));
    await this.serial(async () => {
      this.sent.set(item.id, lead.lead_id);
      const current = await this.outbox.get(item.id);
      if (current?.kind === "capture" && current.version !== item.version && current.details) {
        // Details typed while the scan was on its way: they go to the lead as an edit.
        await this.queueEdit(lead.lead_id, lead.name, current.details);
      } else if (!created) {
        const merge = mergeDetails(lead, item.details);
        if (merge) await this.queueEdit(lead.lead_id, lead.name, { notes: merge.notes ?? lead.notes ?? "", rating: merge.rating ?? lead.rating, tags: merge.tags ?? lead.tags });
      }
      await this.outbox.remove(item.id);
    });
    this.emit({ type: "captured", clientId: item.id, lead, created });
  }

  /** Outbox changes of the page and of a finished send, one after the other (never interleaved). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async queueEdit(leadId: string, name: string, details: LeadDetails): Promise<void> {
    const id = editId(leadId);
    await this.outbox.update(id, (existing) => ({
      kind: "edit",
      id,
      owner: this.owner,
      leadId,
      name,
      details,
      queuedAt: existing?.queuedAt ?? this.now(),
      version: (existing?.version ?? 0) + 1,
      attempts: 0,
    }));
    this.again = true;
  }

  private async sendEdit(item: EditItem): Promise<void> {
    const lead = await this.api.update(item.leadId, changesOf(item.details));
    await this.serial(() => this.outbox.update(item.id, (current) => (current && current.version === item.version ? null : undefined)));
    this.emit({ type: "edited", leadId: item.leadId, lead });
  }

  private scheduleRetry(error: ApiError): void {
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.random);
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.set({ retryAt: null });
      void this.pass();
    }, delay);
    this.set({ lastError: error, retryAt: this.now() + delay });
  }
}
