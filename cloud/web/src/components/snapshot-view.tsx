import type { ReactNode } from 'react';
import type { Detection } from '../../../../protocol/edge-messages.js';
import { useBlobUrl } from '../api/use-blob-url.js';
import { useI18n } from '../i18n/i18n.js';
import { labelName } from '../lib/event-names.js';

/**
 * An event snapshot, optionally with the event's detections drawn over it. The boxes are normalised
 * (0..1), so an SVG with a unit viewBox stretched over the image places them at any size.
 */
export function SnapshotView({
  path,
  version,
  alt,
  detections,
  showBoxes = false,
  className,
}: {
  path: string | null;
  version: string | number;
  alt: string;
  detections?: readonly Detection[];
  showBoxes?: boolean;
  className?: string;
}): ReactNode {
  const i18n = useI18n();
  const image = useBlobUrl(path, version);
  const classes = `snapshot ${className ?? ''}`;
  if (image.status !== 'ready') {
    const text = image.status === 'loading' ? i18n.t('common.loading') : i18n.t('alerts.noSnapshot');
    return (
      <div className={`${classes} empty`} data-status={image.status}>
        <span>{text}</span>
      </div>
    );
  }
  return (
    <div className={classes} data-status="ready">
      <img src={image.url} alt={alt} draggable={false} />
      {showBoxes && detections && detections.length > 0 && (
        <svg className="boxes" viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true" data-testid="detection-boxes">
          {detections.map((d, i) => (
            <rect key={i} x={d.box.x} y={d.box.y} width={d.box.w} height={d.box.h} vectorEffect="non-scaling-stroke" />
          ))}
        </svg>
      )}
      {showBoxes &&
        detections?.map((d, i) => (
          // Labels are HTML, not SVG text: a stretched viewBox would distort the glyphs. Below the box,
          // since the edge already printed its own label above it in the JPEG.
          <span key={i} className="box-label" style={{ left: `${d.box.x * 100}%`, top: `${(d.box.y + d.box.h) * 100}%` }}>
            {labelName(d.label, i18n)} {Math.round(d.score * 100)}%
          </span>
        ))}
    </div>
  );
}
