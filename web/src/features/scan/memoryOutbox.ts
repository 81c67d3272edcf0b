/** The outbox in memory, for a browser without IndexedDB (some private modes): scans still wait
 * for the network, but not for a reload. */
import type { Outbox, OutboxItem } from "./outbox";

export function memoryOutbox(): Outbox {
  const items = new Map<string, OutboxItem>();
  return {
    put: async (item) => void items.set(item.id, structuredClone(item)),
    get: async (id) => structuredClone(items.get(id)),
    list: async (owner) => [...items.values()].filter((i) => i.owner === owner).sort((a, b) => a.queuedAt - b.queuedAt || a.id.localeCompare(b.id)).map((i) => structuredClone(i)),
    remove: async (id) => void items.delete(id),
    update: async (id, change) => {
      const next = change(structuredClone(items.get(id)));
      if (next === null) items.delete(id);
      else if (next !== undefined) items.set(id, structuredClone(next));
      return structuredClone(items.get(id));
    },
    close: () => undefined,
  };
}
