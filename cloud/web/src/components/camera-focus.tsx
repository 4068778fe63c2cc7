import { useEffect, type ReactNode } from 'react';
import type { CameraDetail, CameraItem } from '../../../../protocol/rest.js';
import { useI18n } from '../i18n/i18n.js';
import { QualityBadge } from './badges.js';
import { CameraTile, type TileMode } from './camera-tile.js';
import type { LiveFailure } from './live-player.js';

/** One camera enlarged, with what the cloud knows of its health. Escape goes back to the grid. */
export function CameraFocus({
  camera,
  detail,
  mode,
  liveFailure,
  onLiveFailure,
  onClose,
}: {
  camera: CameraItem;
  detail: CameraDetail | undefined;
  mode: TileMode;
  liveFailure: string | null;
  onLiveFailure: (cameraId: string, failure: LiveFailure) => void;
  onClose: () => void;
}): ReactNode {
  const { t, time } = useI18n();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const analysis = detail?.analysis;
  return (
    <div className="focus" data-testid="camera-focus">
      <div className="focus-main">
        <CameraTile camera={camera} detail={detail} mode={mode} liveFailure={liveFailure} onLiveFailure={onLiveFailure} large />
      </div>
      <aside className="card focus-side">
        <button type="button" className="ghost" onClick={onClose}>
          ← {t('common.back')}
        </button>
        <h2>{camera.name}</h2>
        <dl className="facts">
          <dt>{t('field.id')}</dt>
          <dd className="mono">{camera.id}</dd>
          <dt>{t('field.edge')}</dt>
          <dd className="mono">{camera.edgeId}</dd>
          <dt>{t('field.state')}</dt>
          <dd>
            {t(`state.${camera.state}`)}
            {camera.stateSince !== null && <span className="muted"> · {time(camera.stateSince)}</span>}
          </dd>
          {detail?.reason && (
            <>
              <dt>{t('cameras.reason')}</dt>
              <dd>{detail.reason}</dd>
            </>
          )}
          <dt>{t('cameras.quality')}</dt>
          <dd>{detail === undefined ? '…' : detail.quality.length === 0 ? t('cameras.qualityOk') : detail.quality.map((q) => <QualityBadge key={q} kind={q} />)}</dd>
          <dt>{t('field.rule')}</dt>
          <dd>
            {analysis ? t(!analysis.enabled ? 'analysis.disabled' : analysis.running ? 'analysis.running' : 'analysis.stopped') : null}
            {camera.rules.length > 0 && <span className="muted mono"> · {camera.rules.join(', ')}</span>}
          </dd>
          <dt>{t('field.lastSeen')}</dt>
          <dd>{camera.lastSeenAt === null ? '—' : time(camera.lastSeenAt)}</dd>
        </dl>
        {liveFailure !== null && mode === 'live' && <p className="muted small">{t('cameras.liveFailed', { message: liveFailure })}</p>}
      </aside>
    </div>
  );
}
