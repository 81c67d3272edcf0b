/** Gives an exhibitor user's pages the scanner's outbox and sync (startScanner.ts, loaded only
 * for exhibitors), running for as long as they are signed in, whatever page is shown: scans made
 * offline are sent when the network is back even if the person went to the leads list. */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { Schemas } from "../../api/client";
import { useApi } from "../../app/providers";
import { useAuth } from "../auth/AuthProvider";
import type { ScannerHandle } from "./startScanner";
import type { LeadApi, SyncState } from "./sync";

export type LeadOut = Schemas["LeadOut"];
export type Scanner = ScannerHandle<LeadOut>;

const ScannerContext = createContext<Scanner | null>(null);

export function ScannerProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { api, data } = useApi();
  const client = useQueryClient();
  const bound = useRef({ api, data });
  bound.current = { api, data };
  const [scanner, setScanner] = useState<Scanner | null>(null);
  const owner = user?.role === "exhibitor" ? user.sub : null;

  useEffect(() => {
    if (!owner) return;
    let handle: Scanner | null = null;
    let cancelled = false;
    const leads: LeadApi<LeadOut> = {
      capture: async (body) => {
        let created = false;
        const { api: a, data: d } = bound.current;
        const lead = await d(
          a.POST("/api/v1/leads", { body }).then((result) => {
            created = result.response.status === 201;
            return result;
          }),
        );
        return { lead, created };
      },
      update: (leadId, changes) => bound.current.data(bound.current.api.PATCH("/api/v1/leads/{lead_id}", { params: { path: { lead_id: leadId } }, body: changes })),
    };
    void import("./startScanner").then(async ({ startScanner }) => {
      const started = await startScanner(owner, leads);
      if (cancelled) return started.stop();
      handle = started;
      started.engine.onResult((result) => {
        if (result.type !== "failed") void client.invalidateQueries({ queryKey: ["leads"] });
      });
      setScanner(started);
    });
    return () => {
      cancelled = true;
      handle?.stop();
      setScanner(null);
    };
  }, [owner, client]);

  return <ScannerContext.Provider value={scanner}>{children}</ScannerContext.Provider>;
}

/** The scanner of the signed-in exhibitor user; null while it opens (or for other roles). */
export function useScanner(): Scanner | null {
  return useContext(ScannerContext);
}

const NO_STATE: SyncState = { items: [], syncing: false, online: true, retryAt: null, lastError: null };
const noop = () => () => undefined;

/** The outbox and the sync as they are now, re-rendering on every change. */
export function useScannerState(scanner: Scanner | null): SyncState {
  return useSyncExternalStore(scanner ? scanner.engine.subscribe : noop, scanner ? scanner.engine.getState : () => NO_STATE);
}

/** The topbar's reminder, on every page, that scans wait on this device. */
export function OutboxPill() {
  const scanner = useScanner();
  const state = useScannerState(scanner);
  const waiting = state.items.filter((item) => !item.failure).length;
  if (!waiting) return null;
  return (
    <span className="badge badge-warn outbox-pill" title="Scans and changes waiting to sync">
      {waiting} waiting{state.online ? "" : <span className="pill-detail"> · offline</span>}
    </span>
  );
}
