import type { ReactNode } from 'react';
import { errorText } from '../api/error-text.js';
import { useI18n } from '../i18n/i18n.js';
import { formatBytes } from '../lib/format-bytes.js';
import type { ExportControl } from './use-export.js';

/** An export's progress bar (files packed of all, bytes), then its download button or its failure. */
export function ExportProgress({ control }: { control: ExportControl }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { run } = control;
  if (run.status === 'idle') return null;
  const item = run.item;
  const progress = run.status === 'ready' ? 1 : (item?.progress ?? 0);
  return (
    <div className="export-progress" data-testid="export-progress" data-state={run.status}>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress * 100)} aria-label={t('export.progress')}>
        <span className="progress-fill" style={{ width: `${Math.round(progress * 100)}%` }} data-state={run.status} />
      </div>
      <span className="small" data-testid="export-status">
        {run.status === 'building' && (item ? t('export.building', { done: item.filesDone, total: item.filesTotal, size: formatBytes(item.bytes) }) : t('export.starting'))}
        {run.status === 'ready' && t('export.ready', { files: run.item.filesTotal, size: formatBytes(run.item.bytes) })}
        {run.status === 'failed' && <span className="error">{t('export.failed', { message: errorText(run.error, i18n) })}</span>}
      </span>
      {run.status === 'ready' && (
        <button type="button" className="primary" disabled={control.downloading} onClick={() => void control.download()} data-testid="export-download">
          {control.downloading ? t('common.loading') : t('export.download')}
        </button>
      )}
      {run.status !== 'building' && (
        <button type="button" className="ghost" onClick={control.reset}>
          {t('common.close')}
        </button>
      )}
      {control.downloadError !== null && <span className="error small">{errorText(control.downloadError, i18n)}</span>}
      {run.status === 'ready' && run.item.sha256 !== null && (
        <span className="muted small mono" title={t('export.sha256')}>
          SHA-256 {run.item.sha256.slice(0, 16)}…
        </span>
      )}
    </div>
  );
}
