import { useEffect, useState } from 'react';
import type { CameraDetail, CameraItem } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';

/** Quality issues are not pushed with camera changes: poll the details of the shown cameras. */
const POLL_MS = 15_000;

/**
 * Details (reason, quality issues, analysis) of the given cameras, refreshed on every pushed state
 * change of one of them and every {@link POLL_MS}.
 */
export function useCameraDetails(cameras: readonly CameraItem[]): ReadonlyMap<string, CameraDetail> {
  const { api } = useSession();
  const [details, setDetails] = useState<ReadonlyMap<string, CameraDetail>>(new Map());
  // A key that changes when a shown camera's pushed state does.
  const key = cameras.map((c) => `${c.id}:${c.state}:${c.stateSince ?? ''}`).join('|');

  useEffect(() => {
    const ids = key === '' ? [] : key.split('|').map((k) => k.slice(0, k.indexOf(':')));
    const abort = new AbortController();
    const load = async (): Promise<void> => {
      const results = await Promise.allSettled(ids.map((id) => api.get<CameraDetail>(`/api/cameras/${encodeURIComponent(id)}`, abort.signal)));
      if (abort.signal.aborted) return;
      setDetails((old) => {
        const next = new Map(old);
        for (const r of results) if (r.status === 'fulfilled') next.set(r.value.id, r.value);
        return next;
      });
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [api, key]);

  return details;
}
