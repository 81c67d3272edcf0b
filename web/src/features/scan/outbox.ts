/** The scanner's outbox: every scan and every change to a lead is written here first (IndexedDB,
 * so it survives a dead network, a reload and a closed tab) and removed once the API has it
 * (sync.ts). Items belong to the user who made them: one phone may pass between a booth's staff.
 *
 * A capture's id is its `client_id`, a UUID made on the device: the API answers a repeated
 * client_id with the lead it already made, so sending an item twice (a lost answer, two tabs)
 * never makes two leads. */

export type Rating = "hot" | "warm" | "cold";

/** What a person adds to a lead after the scan; the form always sends all three. */
export interface LeadDetails {
  notes: string;
  rating: Rating | null;
  tags: string[];
}

export interface ItemFailure {
  status: number;
  code: string;
  message: string;
}

interface ItemBase {
  id: string;
  /** The signed-in user (Cognito sub) who made it. */
  owner: string;
  queuedAt: number;
  /** Raised by every local change, so a send that raced with one does not drop it. */
  version: number;
  attempts: number;
  /** Set when the API refused it for good (an unknown card, a bad value): kept to show, not re-sent. */
  failure?: ItemFailure;
}

export interface CaptureItem extends ItemBase {
  kind: "capture";
  /** What the camera read or the person typed. */
  scan: string;
  details: LeadDetails | null;
}

export interface EditItem extends ItemBase {
  kind: "edit";
  leadId: string;
  /** The lead's name, to show while the change waits. */
  name: string;
  details: LeadDetails;
}

export type OutboxItem = CaptureItem | EditItem;

export interface Outbox {
  put(item: OutboxItem): Promise<void>;
  get(id: string): Promise<OutboxItem | undefined>;
  /** The owner's items, oldest first. */
  list(owner: string): Promise<OutboxItem[]>;
  remove(id: string): Promise<void>;
  /** Read, change and write one item in one transaction: `change` returns the new item, null to
   * delete it, or undefined to leave it. Returns what is stored afterwards. */
  update(id: string, change: (item: OutboxItem | undefined) => OutboxItem | null | undefined): Promise<OutboxItem | undefined>;
  close(): void;
}

export const OUTBOX_DB = "outreachpass-scanner";
const STORE = "outbox";
const VERSION = 1;

export function editId(leadId: string): string {
  return `edit:${leadId}`;
}

/** A new capture of `scan`, with a fresh client_id. */
export function newCapture(owner: string, scan: string, now = Date.now(), uuid: () => string = () => crypto.randomUUID()): CaptureItem {
  return { kind: "capture", id: uuid(), owner, scan: scan.trim(), details: null, queuedAt: now, version: 1, attempts: 0 };
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export async function openOutbox(name = OUTBOX_DB, factory: IDBFactory = indexedDB): Promise<Outbox> {
  const open = factory.open(name, VERSION);
  open.onupgradeneeded = () => {
    const store = open.result.createObjectStore(STORE, { keyPath: "id" });
    store.createIndex("owner", "owner");
  };
  const db = await request(open);
  // Another tab opening a newer version asks this one to let go.
  db.onversionchange = () => db.close();

  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => Promise<T>): Promise<T> => {
    const tx = db.transaction(STORE, mode);
    const finished = done(tx);
    const value = await work(tx.objectStore(STORE));
    await finished;
    return value;
  };

  return {
    put: (item) => run("readwrite", (store) => request(store.put(item))).then(() => undefined),
    get: (id) => run("readonly", (store) => request(store.get(id) as IDBRequest<OutboxItem | undefined>)),
    list: async (owner) => {
      const items = await run("readonly", (store) => request(store.index("owner").getAll(owner) as IDBRequest<OutboxItem[]>));
      return items.sort((a, b) => a.queuedAt - b.queuedAt || a.id.localeCompare(b.id));
    },
    remove: (id) => run("readwrite", (store) => request(store.delete(id))).then(() => undefined),
    update: (id, change) =>
      run(
        "readwrite",
        (store) =>
          // Inside the get's callback, so the transaction is still active for the write.
          new Promise<OutboxItem | undefined>((resolve, reject) => {
            const read = store.get(id) as IDBRequest<OutboxItem | undefined>;
            read.onerror = () => reject(read.error);
            read.onsuccess = () => {
              let next: OutboxItem | null | undefined;
              try {
                next = change(read.result);
              } catch (error) {
                reject(error);
                return;
              }
              if (next === undefined) resolve(read.result);
              else if (next === null) store.delete(id).onsuccess = () => resolve(undefined);
              else store.put(next).onsuccess = () => resolve(next);
            };
          }),
      ),
    close: () => db.close(),
  };
}
