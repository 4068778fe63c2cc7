import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';

export interface AdminList<T> {
  items: readonly T[];
  loading: boolean;
  error: string | null;
  reload: () => void;
}

/** A `{items}` list of an admin API, reloadable after an edit. */
export function useAdminList<T>(path: string | null): AdminList<T> {
  const i18n = useI18n();
  const { api } = useSession();
  const [items, setItems] = useState<readonly T[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setLoading(true);
    api.get<{ items: T[] }>(path, abort.signal).then(
      (r) => {
        setItems(r.items);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setError(errorText(err, i18n));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [api, path, version, i18n]);
  return { items, loading, error, reload };
}

/** Busy flag and error text of one submit, so every admin form reports the cloud's refusal alike. */
export function useAction(): { busy: boolean; error: string | null; run: (fn: () => Promise<void>) => Promise<boolean>; clear: () => void } {
  const i18n = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(errorText(err, i18n));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}
