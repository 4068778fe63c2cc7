import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { LiveViewResponse, LIVE_PATH } from '../../../../protocol/rest.js';
import { ApiError } from '../api/api-client.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';

/** Typed against the protocol's constant without importing its module (and TypeBox) at run time. */
const LIVE: typeof LIVE_PATH = '/api/live';
/** A stalled or dropped stream is reopened with a fresh signed URL after this pause. */
const REOPEN_MS = 3000;

/** Why live video cannot play: `disabled` for the whole cloud (no media server), `failed` for this camera. */
export interface LiveFailure {
  scope: 'disabled' | 'failed';
  message: string;
}

/**
 * Plays a camera live: asks the cloud for a signed HTTP-FLV URL (the cloud has the edge push the
 * camera to its media server first), then plays it with mpegts.js into a muted <video>. A media
 * error reopens the stream with a new URL, since signed URLs expire and an edge push can restart.
 */
export function LivePlayer({ cameraId, onFailure }: { cameraId: string; onFailure: (failure: LiveFailure) => void }): ReactNode {
  const { api } = useSession();
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  const failureRef = useRef(onFailure);
  failureRef.current = onFailure;

  useEffect(() => {
    const abort = new AbortController();
    let destroy: (() => void) | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const open = async (): Promise<void> => {
      let view: LiveViewResponse;
      try {
        view = await api.post<LiveViewResponse>(`${LIVE}/${encodeURIComponent(cameraId)}`, undefined, abort.signal);
      } catch (err) {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        // 503: the cloud runs without a media server; 504/409 and the rest concern this camera.
        failureRef.current({ scope: err instanceof ApiError && err.status === 503 ? 'disabled' : 'failed', message });
        return;
      }
      const { default: mpegts } = await import('mpegts.js');
      const el = video.current;
      if (abort.signal.aborted || !el) return;
      if (!mpegts.isSupported()) {
        failureRef.current({ scope: 'disabled', message: 'Media Source Extensions are not available in this browser' });
        return;
      }
      const player = mpegts.createPlayer(
        { type: 'flv', isLive: true, url: view.url, hasAudio: false },
        // Live monitoring wants the newest frame, not smoothness: no stash, chase the live edge.
        { enableStashBuffer: false, liveBufferLatencyChasing: true, lazyLoad: false },
      );
      player.attachMediaElement(el);
      const onPlaying = (): void => setPlaying(true);
      el.addEventListener('playing', onPlaying);
      player.on(mpegts.Events.ERROR, () => {
        setPlaying(false);
        destroy?.();
        destroy = null;
        if (!abort.signal.aborted) timer = setTimeout(() => void open(), REOPEN_MS);
      });
      destroy = () => {
        el.removeEventListener('playing', onPlaying);
        player.pause();
        player.unload();
        player.detachMediaElement();
        player.destroy();
      };
      player.load();
      // Autoplay of a muted video is allowed; a refusal leaves the first frame showing.
      void Promise.resolve(player.play()).catch(() => undefined);
    };

    void open();
    return () => {
      abort.abort();
      clearTimeout(timer);
      destroy?.();
    };
  }, [api, cameraId]);

  return (
    <div className="live" data-playing={playing}>
      <video ref={video} muted playsInline autoPlay data-testid="live-video" />
      {playing ? <span className="live-badge">{t('conn.live')}</span> : <span className="live-note">{t('cameras.liveConnecting')}</span>}
    </div>
  );
}
