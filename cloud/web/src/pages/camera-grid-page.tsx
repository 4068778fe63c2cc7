import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../api/api-client.js';
import { errorText } from '../api/error-text.js';
import { useApiGet } from '../api/use-api-get.js';
import { CameraFocus } from '../components/camera-focus.js';
import { CameraTile, type TileMode } from '../components/camera-tile.js';
import type { LiveFailure } from '../components/live-player.js';
import { useI18n } from '../i18n/i18n.js';
import { useLiveData } from '../live/live-data.js';
import { useCameraDetails } from '../live/use-camera-details.js';
import { useLocation } from '../router/location.js';

const LAYOUTS = [1, 4, 9, 16] as const;
type Layout = (typeof LAYOUTS)[number];

function parseLayout(v: string | null): Layout {
  return LAYOUTS.find((l) => String(l) === v) ?? 4;
}

/**
 * 摄像机: the camera wall in 1/4/9/16 tiles, paged, each with its health; a click enlarges a camera
 * with its details. Layout, page and the enlarged camera live in the URL.
 */
export default function CameraGridPage(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { cameras } = useLiveData();
  const { query, navigate, path } = useLocation();
  const layout = parseLayout(query.get('layout'));
  const focusId = query.get('camera');
  const [mode, setMode] = useState<TileMode>('live');
  // Per camera: why its live view failed, in the camera state it failed in (a new state, such as the
  // camera streaming again, gets a new try). A cloud without a media server turns live off for all.
  const [liveFailures, setLiveFailures] = useState<ReadonlyMap<string, { message: string; stateSince: number | null }>>(new Map());
  const [liveDisabled, setLiveDisabled] = useState<string | null>(null);

  const list = useMemo(() => [...cameras.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)), [cameras]);
  const pages = Math.max(1, Math.ceil(list.length / layout));
  const page = Math.min(pages, Math.max(1, Number(query.get('page') ?? '1') || 1));
  const shown = list.slice((page - 1) * layout, page * layout);
  const focused = focusId === null ? undefined : cameras.get(focusId);
  const details = useCameraDetails(focused ? [focused] : shown);
  // A camera in the URL that the live list does not hold: ask the cloud, which answers 404 for a
  // camera out of this user's scope exactly as for one that does not exist.
  const missing = useApiGet<unknown>(focusId !== null && !focused ? `/api/cameras/${encodeURIComponent(focusId)}` : null);

  const setQuery = useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(query);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) next.delete(k);
        else next.set(k, v);
      }
      const qs = next.toString();
      navigate(qs ? `${path}?${qs}` : path, { replace: true });
    },
    [query, navigate, path],
  );

  const onLiveFailure = useCallback(
    (cameraId: string, failure: LiveFailure) => {
      if (failure.scope === 'disabled') setLiveDisabled(failure.message);
      else setLiveFailures((m) => new Map(m).set(cameraId, { message: failure.message, stateSince: cameras.get(cameraId)?.stateSince ?? null }));
    },
    [cameras],
  );
  const liveFailureOf = (id: string): string | null => {
    const f = liveFailures.get(id);
    return f && f.stateSince === (cameras.get(id)?.stateSince ?? null) ? f.message : null;
  };

  const effectiveMode: TileMode = liveDisabled === null ? mode : 'snapshot';
  return (
    <section className="camera-grid-page">
      <div className="toolbar">
        <h1>
          {t('cameras.title')} <span className="count">{t('cameras.count', { n: list.length })}</span>
        </h1>
        <div className="segmented" role="group" aria-label={t('cameras.layout')}>
          <span className="seg-label">{t('cameras.layout')}</span>
          {LAYOUTS.map((l) => (
            <button key={l} type="button" className={l === layout ? 'active' : ''} aria-pressed={l === layout} onClick={() => setQuery({ layout: String(l), page: null })}>
              {l}
            </button>
          ))}
        </div>
        <label className="switch">
          <input type="checkbox" checked={effectiveMode === 'live'} disabled={liveDisabled !== null} onChange={(e) => setMode(e.target.checked ? 'live' : 'snapshot')} data-testid="live-toggle" />
          <span>{t('cameras.live')}</span>
        </label>
        {liveDisabled !== null && (
          <span className="muted small" title={liveDisabled} data-testid="live-off">
            {t('cameras.liveOff')}
          </span>
        )}
        {pages > 1 && (
          <div className="pager">
            <button type="button" className="ghost" disabled={page <= 1} onClick={() => setQuery({ page: String(page - 1) })}>
              {t('cameras.prev')}
            </button>
            <span>{t('cameras.page', { page, pages })}</span>
            <button type="button" className="ghost" disabled={page >= pages} onClick={() => setQuery({ page: String(page + 1) })}>
              {t('cameras.next')}
            </button>
          </div>
        )}
      </div>
      {focusId !== null && !focused ? (
        <div className="pad">
          {missing.status === 'failed' ? (
            <p className="error notice" data-testid="camera-not-found">
              {missing.error instanceof ApiError && missing.error.status === 404 ? t('cameras.notFound') : errorText(missing.error, i18n)}
            </p>
          ) : (
            <p className="muted">{t('common.loading')}</p>
          )}
          <button type="button" className="ghost" onClick={() => setQuery({ camera: null })}>
            ← {t('common.back')}
          </button>
        </div>
      ) : focused ? (
        <CameraFocus
          camera={focused}
          detail={details.get(focused.id)}
          mode={effectiveMode}
          liveFailure={liveFailureOf(focused.id)}
          onLiveFailure={onLiveFailure}
          onClose={() => setQuery({ camera: null })}
        />
      ) : list.length === 0 ? (
        <p className="muted pad">{t('cameras.empty')}</p>
      ) : (
        <div className="tiles" data-layout={layout}>
          {shown.map((c) => (
            <CameraTile
              key={c.id}
              camera={c}
              detail={details.get(c.id)}
              mode={effectiveMode}
              liveFailure={liveFailureOf(c.id)}
              onLiveFailure={onLiveFailure}
              onOpen={() => setQuery({ camera: c.id })}
            />
          ))}
        </div>
      )}
    </section>
  );
}
