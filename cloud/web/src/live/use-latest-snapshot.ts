import { useEffect, useState } from 'react';
import type { EventItem, EventListResponse } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { useLiveData } from './live-data.js';

/** Events of one camera looked at for a snapshot when the live feed holds none of it. */
const LOOKBACK = 20;

/**
 * The newest event of a camera that has a snapshot: what the camera last showed the analytics. From
 * the live feed when it holds one, else from the camera's recent events.
 */
export function useLatestSnapshot(cameraId: string): EventItem | null {
  const { api } = useSession();
  const { alerts } = useLiveData();
  const [fetched, setFetched] = useState<EventItem | null>(null);
  const fromFeed = alerts.find((a) => a.cameraId === cameraId && a.snapshotUrl !== null) ?? null;

  useEffect(() => {
    if (fromFeed) return;
    const abort = new AbortController();
    api
      .get<EventListResponse>(`/api/events?cameraId=${encodeURIComponent(cameraId)}&limit=${LOOKBACK}`, abort.signal)
      .then((page) => setFetched(page.items.find((e) => e.snapshotUrl !== null) ?? null))
      .catch((err: unknown) => {
        if (!abort.signal.aborted) console.warn('latest snapshot lookup failed', err);
      });
    return () => abort.abort();
  }, [api, cameraId, fromFeed]);

  if (fromFeed && fetched && fetched.startedAt > fromFeed.startedAt) return fetched;
  return fromFeed ?? fetched;
}
