/** Cursor paging (the API's meta.next_cursor): next, and back through the cursors seen. */
import { useCallback, useState } from "react";
import { Button } from "./Button";

export function useCursorPages() {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const cursor = stack[stack.length - 1] ?? null;
  const next = useCallback((value: string) => setStack((s) => [...s, value]), []);
  const back = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const reset = useCallback(() => setStack([null]), []);
  return { cursor, page: stack.length, next, back, reset };
}

export function Pager({ page, nextCursor, onNext, onBack, label }: { page: number; nextCursor: string | null | undefined; onNext: (cursor: string) => void; onBack: () => void; label: string }) {
  if (page === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={label}>
      <Button onClick={onBack} disabled={page === 1}>
        ← Previous
      </Button>
      <span>Page {page}</span>
      <Button onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        Next →
      </Button>
    </nav>
  );
}
