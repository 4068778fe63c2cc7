import { useEffect, useState } from 'react';
import { ApiError } from './api-client.js';
import { useSession } from './session-context.js';

/** A snapshot can be announced a moment before its upload lands: retry a 404 after these delays. */
const RETRY_404_MS = [1000, 3000, 8000];

export type BlobState = { status: 'none' } | { status: 'loading' } | { status: 'ready'; url: string } | { status: 'failed'; message: string };

/**
 * Fetches an authenticated file (snapshot, clip) into an object URL for <img>/<video>, which cannot
 * send a bearer header themselves. The URL is revoked when `path` or `version` change or on unmount.
 * @param version changes when the file behind the same path may have changed (the event's updatedAt)
 */
export function useBlobUrl(path: string | null, version: string | number = ''): BlobState {
  const { api } = useSession();
  const [state, setState] = useState<BlobState>({ status: path === null ? 'none' : 'loading' });

  useEffect(() => {
    if (path === null) {
      setState({ status: 'none' });
      return;
    }
    const abort = new AbortController();
    let objectUrl: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = async (n: number): Promise<void> => {
      try {
        const blob = await api.blob(path, abort.signal);
        objectUrl = URL.createObjectURL(blob);
        setState({ status: 'ready', url: objectUrl });
      } catch (err) {
        if (abort.signal.aborted) return;
        const delay = RETRY_404_MS[n];
        if (err instanceof ApiError && err.status === 404 && delay !== undefined) {
          timer = setTimeout(() => void attempt(n + 1), delay);
          return;
        }
        setState({ status: 'failed', message: err instanceof Error ? err.message : String(err) });
      }
    };
    // Keep showing the previous picture while a newer version loads: no flicker on every update.
    setState((s) => (s.status === 'ready' ? s : { status: 'loading' }));
    void attempt(0);
    return () => {
      abort.abort();
      clearTimeout(timer);
      if (objectUrl !== null) {
        // Revoke after the next picture had a chance to replace this one on screen.
        const url = objectUrl;
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      }
    };
  }, [api, path, version]);

  return state;
}
