import { useEffect, useState } from 'react';
import { useSession } from './session-context.js';

/** A GET in flight, answered, or refused (with what was thrown: usually an ApiError). */
export type Fetched<T> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'failed'; error: unknown };

/**
 * GETs a JSON resource as the signed-in user whenever `path` changes (null: nothing to fetch). While a
 * new path loads, the previous answer stays on screen (no flicker when a filter changes).
 */
export function useApiGet<T>(path: string | null): Fetched<T> {
  const { api } = useSession();
  const [state, setState] = useState<Fetched<T>>({ status: 'loading' });
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    api.get<T>(path, abort.signal).then(
      (data) => setState({ status: 'ready', data }),
      (error: unknown) => {
        if (!abort.signal.aborted) setState({ status: 'failed', error });
      },
    );
    return () => abort.abort();
  }, [api, path]);
  return state;
}
