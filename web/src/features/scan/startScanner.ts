/** The scanner's outbox and its sync for one signed-in exhibitor user (loaded only for them). */
import { openOutbox, type Outbox } from "./outbox";
import { memoryOutbox } from "./memoryOutbox";
import { SyncEngine, type Lead, type LeadApi } from "./sync";

export interface ScannerHandle<L extends Lead = Lead> {
  engine: SyncEngine<L>;
  /** False when the browser has no IndexedDB: waiting scans are lost with the tab. */
  persistent: boolean;
  stop(): void;
}

export async function startScanner<L extends Lead>(owner: string, api: LeadApi<L>): Promise<ScannerHandle<L>> {
  let outbox: Outbox;
  let persistent = true;
  try {
    outbox = await openOutbox();
  } catch {
    outbox = memoryOutbox();
    persistent = false;
  }
  const locks = "locks" in navigator ? navigator.locks : undefined;
  const engine = new SyncEngine<L>({
    outbox,
    owner,
    api,
    // One tab of this browser sends at a time (the API would not duplicate anyway).
    ...(locks
      ? {
          withLock: async (work: () => Promise<void>) => {
            await locks.request("outreachpass-outbox", work);
          },
        }
      : {}),
  });
  void engine.start();
  return {
    engine,
    persistent,
    stop: () => {
      engine.stop();
      outbox.close();
    },
  };
}
