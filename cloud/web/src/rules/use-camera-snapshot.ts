import { useEffect, useState } from 'react';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';

/** A failed picture is asked for again after this long: an edge that just connected has no frame yet. */
const RETRY_MS = 5000;

export type CameraSnapshot = { status: 'loading' } | { status: 'ready'; url: string } | { status: 'failed'; message: string; url: string | null };

/**
 * A current picture of a camera from its edge (`GET /api/cameras/:id/snapshot`, bearer auth) as an
 * object URL. A refusal (edge offline, no frame captured yet) is shown and asked again every few
 * seconds, keeping the last good picture; `version` asks for a new one now.
 */
export function useCameraSnapshot(cameraId: string | null, version: number): CameraSnapshot {
  const i18n = useI18n();
  const { api } = useSession();
  const [state, setState] = useState<CameraSnapshot>({ status: 'loading' });

  // Another camera: nothing of the previous one.
  useEffect(() => setState({ status: 'loading' }), [cameraId]);

  useEffect(() => {
    if (cameraId === null) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const urls: string[] = [];
    const attempt = async (): Promise<void> => {
      try {
        const blob = await api.blob(`/api/cameras/${encodeURIComponent(cameraId)}/snapshot`, abort.signal);
        const url = URL.createObjectURL(blob);
        urls.push(url);
        setState({ status: 'ready', url });
      } catch (err) {
        if (abort.signal.aborted) return;
        setState((s) => ({ status: 'failed', message: errorText(err, i18n), url: s.status === 'loading' ? null : s.url }));
        timer = setTimeout(() => void attempt(), RETRY_MS);
      }
    };
    void attempt();
    return () => {
      abort.abort();
      clearTimeout(timer);
      // Revoke after the next picture had a chance to replace these on screen.
      setTimeout(() => urls.forEach((u) => URL.revokeObjectURL(u)), 1000);
    };
  }, [api, cameraId, version, i18n]);

  return state;
}
