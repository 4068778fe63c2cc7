import type { ReactNode } from 'react';
import type { CameraDetail, CameraItem } from '../../../../protocol/rest.js';
import { useI18n } from '../i18n/i18n.js';
import { useLatestSnapshot } from '../live/use-latest-snapshot.js';
import { CameraStateBadge, QualityBadge } from './badges.js';
import { LivePlayer, type LiveFailure } from './live-player.js';
import { SnapshotView } from './snapshot-view.js';

/** What a tile should try to show. */
export type TileMode = 'live' | 'snapshot';

/** The camera's newest snapshot with its time, or a placeholder. */
function LatestSnapshot({ camera }: { camera: CameraItem }): ReactNode {
  const { t, time } = useI18n();
  const latest = useLatestSnapshot(camera.id);
  if (!latest) {
    return (
      <div className="snapshot empty">
        <span>{t('cameras.noImage')}</span>
      </div>
    );
  }
  return (
    <>
      <SnapshotView path={latest.snapshotUrl} version={latest.updatedAt} alt={camera.name} />
      <span className="tile-caption">
        {t('cameras.snapshot')} · {time(latest.updatedAt)}
      </span>
    </>
  );
}

/**
 * One camera of the grid: name, health badges (state and quality issues), and live video when the
 * cloud can relay it, else the latest snapshot.
 */
export function CameraTile({
  camera,
  detail,
  mode,
  liveFailure,
  onLiveFailure,
  onOpen,
  large = false,
}: {
  camera: CameraItem;
  detail: CameraDetail | undefined;
  mode: TileMode;
  liveFailure: string | null;
  onLiveFailure: (cameraId: string, failure: LiveFailure) => void;
  onOpen?: () => void;
  large?: boolean;
}): ReactNode {
  const { t } = useI18n();
  // Only a streaming camera can be relayed; asking for the others would only wait for a timeout.
  const live = mode === 'live' && liveFailure === null && camera.state === 'streaming';
  const body = (
    <>
      <div className="tile-media">
        {live ? <LivePlayer cameraId={camera.id} onFailure={(f) => onLiveFailure(camera.id, f)} /> : <LatestSnapshot camera={camera} />}
      </div>
      <div className="tile-head">
        <span className="tile-name">{camera.name}</span>
        <CameraStateBadge state={camera.state} />
        {detail?.quality.map((q) => <QualityBadge key={q} kind={q} />)}
      </div>
      {liveFailure !== null && mode === 'live' && !large && <span className="tile-warn">{t('cameras.liveFailed', { message: liveFailure })}</span>}
    </>
  );
  if (!onOpen) return <div className={large ? 'tile large' : 'tile'} data-state={camera.state}>{body}</div>;
  return (
    <button type="button" className="tile" data-state={camera.state} data-camera-id={camera.id} data-testid="camera-tile" title={t('cameras.enlarge')} onClick={onOpen}>
      {body}
    </button>
  );
}
