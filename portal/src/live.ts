// Data loading with live updates by polling: a page names what it loads and how often it refreshes;
// a refresh does not blank the page (the old data stays until the new arrives), a hidden tab does not
// poll, and `reload()` after an action shows its effect at once.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/client';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

export function useResource<T>(load: () => Promise<T>, deps: unknown[], opts: { everyMs?: number } = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const d = await loadRef.current();
      if (mine !== seq.current) return;
      setData(d);
      setError(undefined);
    } catch (e) {
      if (mine !== seq.current) return;
      setError(e instanceof ApiError ? e : new ApiError(0, 'client', (e as Error).message, null));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setLoading(true);
    setData(undefined);
    setError(undefined);
    void reload();
    if (!opts.everyMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, opts.everyMs);
    return () => clearInterval(timer);
  }, [...deps, opts.everyMs]);

  return { data, error, loading, reload };
}

/** Runs an action (a form submit, a button): pending while it runs, its ApiError kept for the form to show. */
export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [result, setResult] = useState<R | undefined>(undefined);
  const go = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setPending(true);
      setError(undefined);
      try {
        const r = await run(...args);
        setResult(r);
        return r;
      } catch (e) {
        setError(e instanceof ApiError ? e : new ApiError(0, 'client', (e as Error).message, null));
        setResult(undefined);
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [run],
  );
  return { go, pending, error, result, clear: () => setError(undefined) };
}
