/** Short confirmations ("Event created"), read out by screen readers (aria-live). */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

interface ToastValue {
  notify(message: string): void;
}

const ToastContext = createContext<ToastValue>({ notify: () => undefined });

export function ToastProvider({ children }: { children: ReactNode }) {
  const [messages, setMessages] = useState<{ id: number; text: string }[]>([]);
  const notify = useCallback((text: string) => {
    const id = Date.now() + Math.random();
    setMessages((list) => [...list.slice(-2), { id, text }]);
    setTimeout(() => setMessages((list) => list.filter((m) => m.id !== id)), 5000);
  }, []);
  const value = useMemo(() => ({ notify }), [notify]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {messages.map((m) => (
          <div key={m.id} className="toast">
            {m.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastValue {
  return useContext(ToastContext);
}
