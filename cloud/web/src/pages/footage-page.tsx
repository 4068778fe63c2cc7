import { useMemo, useState, type ReactNode } from 'react';
import type { RecordingListing } from '../../../../protocol/archive.js';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useApiGet } from '../api/use-api-get.js';
import { ExportProgress } from '../export/export-progress.js';
import { useExport } from '../export/use-export.js';
import { RecordingBar } from '../footage/recording-bar.js';
import { recordedMs, recordingBar } from '../footage/recording-runs.js';
import { MAX_PLAYBACK_MS, useRecordingPlayback, type Playback } from '../footage/use-recording-playback.js';
import { useI18n } from '../i18n/i18n.js';
import { formatBytes } from '../lib/format-bytes.js';
import { useQueryUpdate } from '../lib/use-query-state.js';
import { useLiveData } from '../live/live-data.js';
import { useLocation } from '../router/location.js';
import { parseLocalDateTime, toLocalDateTime } from '../workflow/workflow-logic.js';

/** The window shown when the URL names none: the last half hour. */
const DEFAULT_SPAN_MS = 30 * 60_000;

const minutes = (ms: number): string => (ms / 60_000).toFixed(1);

function PlaybackView({ playback }: { playback: Playback }): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  if (playback.status === 'idle') return null;
  if (playback.status === 'failed') {
    return (
      <p className="error" data-testid="playback-error">
        {t('footage.playFailed', { message: errorText(playback.error, i18n) })}
      </p>
    );
  }
  if (playback.status === 'requesting' || playback.status === 'downloading') {
    const progress = playback.item?.progress ?? 0;
    return (
      <div className="export-progress" data-testid="playback-progress" data-state={playback.status}>
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress * 100)} aria-label={t('footage.fetching')}>
          <span className="progress-fill" style={{ width: `${Math.round(progress * 100)}%` }} />
        </div>
        <span className="small">{playback.status === 'downloading' ? t('footage.downloading') : t('footage.fetching')}</span>
      </div>
    );
  }
  const { item } = playback;
  return (
    <div className="playback" data-testid="playback">
      <video src={playback.url} controls autoPlay muted playsInline data-testid="playback-video" />
      <p className="muted small">
        {item.startAt !== null && item.endAt !== null && t('footage.fileSpan', { from: time(item.startAt), to: time(item.endAt) })}
        {item.size !== null && ` · ${formatBytes(item.size)}`}
        {item.gaps.length > 0 && ` · ${t('footage.fileGaps', { n: item.gaps.length })}`}
      </p>
    </div>
  );
}

/**
 * 录像回看 (footage review, `footage.review`): pick a camera and a time range, see what its edge has
 * recorded and where the gaps are, then fetch a range (at most an hour) from the edge and play it; the
 * range can also be exported as evidence (`evidence.export`).
 */
export default function FootagePage(): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { can } = useSession();
  const { cameras } = useLiveData();
  const { query } = useLocation();
  const update = useQueryUpdate();
  const [now] = useState(() => Date.now());
  const cameraId = query.get('camera') ?? '';
  const to = Number(query.get('to') ?? '') || now;
  const from = Number(query.get('from') ?? '') || to - DEFAULT_SPAN_MS;
  const [fromText, setFromText] = useState(() => toLocalDateTime(from));
  const [toText, setToText] = useState(() => toLocalDateTime(to));
  const [problem, setProblem] = useState<string | null>(null);
  const { playback, play, reset } = useRecordingPlayback();
  const exporter = useExport();

  const listingPath = cameraId !== '' && from < to ? `/api/cameras/${encodeURIComponent(cameraId)}/recordings?from=${from}&to=${to}` : null;
  const listing = useApiGet<RecordingListing>(listingPath);
  const shown = listing.status === 'ready' && listing.data.cameraId === cameraId && listing.data.from === from && listing.data.to === to ? listing.data : null;
  const parts = useMemo(() => (shown ? recordingBar(shown.from, shown.to, shown.segments, shown.gaps) : []), [shown]);
  const cameraList = useMemo(() => [...cameras.values()].sort((a, b) => a.name.localeCompare(b.name)), [cameras]);
  const tooLong = to - from > MAX_PLAYBACK_MS;

  const apply = (): void => {
    const f = parseLocalDateTime(fromText);
    const e = parseLocalDateTime(toText);
    if (f === null || e === null) return setProblem(t('footage.badTime'));
    if (e <= f) return setProblem(t('footage.badOrder'));
    setProblem(null);
    reset();
    exporter.reset();
    update({ from: String(f), to: String(e) });
  };

  return (
    <section className="footage-page" data-testid="footage-page">
      <div className="toolbar">
        <h1>{t('footage.title')}</h1>
        <label>
          <span>{t('field.camera')}</span>
          <select
            value={cameraId}
            onChange={(e) => {
              reset();
              exporter.reset();
              update({ camera: e.target.value });
            }}
            data-testid="footage-camera"
          >
            <option value="">{t('admin.pick')}</option>
            {cameraList.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <label>
            <span>{t('range.from')}</span>
            <input type="datetime-local" value={fromText} onChange={(e) => setFromText(e.target.value)} data-testid="footage-from" />
          </label>
          <label>
            <span>{t('range.to')}</span>
            <input type="datetime-local" value={toText} onChange={(e) => setToText(e.target.value)} data-testid="footage-to" />
          </label>
          <button type="submit" data-testid="footage-apply">
            {t('footage.query')}
          </button>
        </form>
        {problem !== null && <span className="error small">{problem}</span>}
      </div>

      {cameraId === '' ? (
        <p className="muted pad">{t('footage.pickCamera')}</p>
      ) : (
        <div className="card" data-testid="footage-listing">
          <h2>
            {t('footage.recordings')} <span className="count">{time(from)} – {time(to)}</span>
          </h2>
          {listing.status === 'failed' ? (
            <p className="error" data-testid="footage-error">
              {errorText(listing.error, i18n)}
            </p>
          ) : shown === null ? (
            <p className="muted">{t('common.loading')}</p>
          ) : (
            <>
              <RecordingBar from={shown.from} to={shown.to} parts={parts} />
              <dl className="facts footage-facts">
                <dt>{t('footage.mode')}</dt>
                <dd>{t(`footage.mode.${shown.mode}`)}</dd>
                <dt>{t('footage.recordedTotal')}</dt>
                <dd data-testid="footage-recorded">{t('footage.minutesOf', { recorded: minutes(recordedMs(parts)), total: minutes(to - from) })}</dd>
                <dt>{t('footage.store')}</dt>
                <dd>{shown.oldestAt === null || shown.newestAt === null ? t('common.none') : `${time(shown.oldestAt)} – ${time(shown.newestAt)}`}</dd>
                {shown.truncated && (
                  <>
                    <dt />
                    <dd className="muted">{t('footage.truncated')}</dd>
                  </>
                )}
              </dl>
              {shown.gaps.length > 0 && (
                <details className="gap-list">
                  <summary>{t('footage.gapCount', { n: shown.gaps.length })}</summary>
                  <ul>
                    {shown.gaps.map((g) => (
                      <li key={g.from} data-testid="gap-item">
                        {t('footage.noRecording')} {time(g.from)} – {time(g.to)}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
              <div className="form-footer">
                <button type="button" className="primary" disabled={tooLong || shown.segments.length === 0 || playback.status === 'requesting' || playback.status === 'downloading'} onClick={() => play(cameraId, from, to)} data-testid="footage-play">
                  {t('footage.play')}
                </button>
                {can('evidence.export') && (
                  <button type="button" disabled={exporter.run.status === 'building'} onClick={() => exporter.start({ cameraId, from, to })} data-testid="footage-export">
                    {t('footage.export')}
                  </button>
                )}
                {tooLong && <span className="muted small">{t('footage.tooLong')}</span>}
                {shown.segments.length === 0 && <span className="muted small">{t('footage.nothing')}</span>}
              </div>
              <ExportProgress control={exporter} />
              <PlaybackView playback={playback} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
