import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecordingRequestItem } from '../../../../protocol/archive.js';
import { useSession } from '../api/session-context.js';
import { isAbort, pollUntil } from '../lib/poll.js';

/** How often a pending request is asked for the edge's upload progress. */
const POLL_MS = 1000;

/**
 * The longest range played in the browser. The file is fetched whole into a Blob (see below), so the
 * range is bounded: an hour of a 2–4 Mbit/s camera is one to two gigabytes at most and usually far
 * less for sub-streams; longer reviews are split, or exported.
 */
export const MAX_PLAYBACK_MS = 3600_000;

export type Playback =
  | { status: 'idle' }
  | { status: 'requesting'; item: RecordingRequestItem | null }
  | { status: 'downloading'; item: RecordingRequestItem }
  | { status: 'ready'; item: RecordingRequestItem; url: string }
  | { status: 'failed'; error: unknown; item: RecordingRequestItem | null };

/**
 * Plays a camera's range: `POST /api/cameras/:id/recordings/requests`, polls the request until the edge
 * has uploaded the MP4, then fetches the file into a Blob URL for the <video>.
 *
 * Why a Blob: the file URL needs the bearer token, and a <video src> sends no Authorization header
 * (nor can a Range request be made to carry one). A service worker adding the header, or a signed
 * URL, would allow streaming with seeking by Range; the cloud issues no signed recording URLs today,
 * and a service worker is a lot of machinery for one page. For ranges of at most an hour, one
 * authenticated fetch of the whole (faststart) file is acceptable, and the Blob then seeks locally.
 * The Blob URL is revoked when another range is played or the page is left.
 */
export function useRecordingPlayback(): { playback: Playback; play: (cameraId: string, from: number, to: number) => void; reset: () => void } {
  const { api } = useSession();
  const [playback, setPlayback] = useState<Playback>({ status: 'idle' });
  const abort = useRef<AbortController | null>(null);
  const objectUrl = useRef<string | null>(null);

  const release = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
    if (objectUrl.current !== null) URL.revokeObjectURL(objectUrl.current);
    objectUrl.current = null;
  }, []);
  useEffect(() => release, [release]);

  const play = useCallback(
    (cameraId: string, from: number, to: number) => {
      release();
      const ctrl = new AbortController();
      abort.current = ctrl;
      setPlayback({ status: 'requesting', item: null });
      const go = async (): Promise<void> => {
        let last: RecordingRequestItem | null = null;
        try {
          const created = await api.post<RecordingRequestItem>(`/api/cameras/${encodeURIComponent(cameraId)}/recordings/requests`, { from, to }, ctrl.signal);
          const item = await pollUntil(
            (signal) => api.get<RecordingRequestItem>(`/api/recordings/requests/${created.id}`, signal),
            (r) => r.state !== 'pending',
            (r) => {
              last = r;
              setPlayback({ status: 'requesting', item: r });
            },
            ctrl.signal,
            POLL_MS,
          );
          if (item.state !== 'ready' || item.url === null) {
            setPlayback({ status: 'failed', error: new Error(item.error ?? item.state), item });
            return;
          }
          setPlayback({ status: 'downloading', item });
          const blob = await api.blob(item.url, ctrl.signal);
          const url = URL.createObjectURL(blob.type === 'video/mp4' ? blob : new Blob([blob], { type: 'video/mp4' }));
          objectUrl.current = url;
          setPlayback({ status: 'ready', item, url });
        } catch (error) {
          if (!isAbort(error)) setPlayback({ status: 'failed', error, item: last });
        }
      };
      void go();
    },
    [api, release],
  );

  const reset = useCallback(() => {
    release();
    setPlayback({ status: 'idle' });
  }, [release]);

  return { playback, play, reset };
}
