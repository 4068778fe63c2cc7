import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { EventItem, EventListResponse } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { zh } from '../i18n/messages.js';
import { cameraName, eventTitle, labelName } from '../lib/event-names.js';
import { useLiveData } from '../live/live-data.js';
import { Link, useLocation } from '../router/location.js';
import { PhaseBadge, SeverityBadge } from './badges.js';
import { SnapshotView } from './snapshot-view.js';

const PAGE_SIZE = 50;
const RANGES = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, all: null } as const;
type Range = keyof typeof RANGES;
const RANGE_IDS = Object.keys(RANGES) as Range[];
/** Rule types the dictionary names: offered in the type filter even before one was seen. */
const KNOWN_TYPES = Object.keys(zh)
  .filter((k) => k.startsWith('type.'))
  .map((k) => k.slice('type.'.length));

interface ListState {
  items: readonly EventItem[];
  cursor: string | null;
  /** The list reached the start of the time range or the oldest event. */
  done: boolean;
  loading: boolean;
  error: string | null;
}

/**
 * The event list, newest first. Camera and type filter on the cloud; the time range is applied here:
 * the list is ordered by start time, so paging stops at the first event older than the range.
 */
export function EventList(): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api } = useSession();
  const { cameras, alerts } = useLiveData();
  const { query, navigate, path } = useLocation();
  const range: Range = RANGE_IDS.find((r) => r === query.get('range')) ?? '24h';
  const camera = query.get('camera') ?? '';
  const type = query.get('type') ?? '';
  const [state, setState] = useState<ListState>({ items: [], cursor: null, done: false, loading: true, error: null });
  const [since] = useState(() => Date.now());
  const span = RANGES[range];
  const from = span === null ? null : since - span;

  const fetchPage = useCallback(async (cursor: string | null, signal?: AbortSignal): Promise<void> => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (camera !== '') params.set('cameraId', camera);
    if (type !== '') params.set('type', type);
    if (cursor !== null) params.set('cursor', cursor);
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await api.get<EventListResponse>(`/api/events?${params.toString()}`, signal);
      const inRange = page.items.filter((e) => from === null || e.startedAt >= from);
      const reachedStart = inRange.length < page.items.length;
      setState((s) => ({
        items: cursor === null ? inRange : [...s.items, ...inRange],
        cursor: page.nextCursor,
        done: reachedStart || page.nextCursor === null,
        loading: false,
        error: null,
      }));
    } catch (err) {
      if (signal?.aborted) return;
      setState((s) => ({ ...s, loading: false, error: err instanceof Error ? err.message : String(err) }));
    }
  }, [api, camera, type, from]);

  useEffect(() => {
    const abort = new AbortController();
    void fetchPage(null, abort.signal);
    return () => abort.abort();
  }, [fetchPage]);

  const setFilter = (key: string, value: string): void => {
    const next = new URLSearchParams(query);
    if (value === '') next.delete(key);
    else next.set(key, value);
    const qs = next.toString();
    navigate(qs ? `${path}?${qs}` : path, { replace: true });
  };
  const types = useMemo(() => [...new Set([...KNOWN_TYPES, ...alerts.map((a) => a.type)])].sort(), [alerts]);
  const cameraList = useMemo(() => [...cameras.values()].sort((a, b) => a.name.localeCompare(b.name)), [cameras]);
  const qs = query.toString();

  return (
    <section className="event-list">
      <div className="toolbar">
        <h1>
          {t('events.title')} <span className="count">{t('common.count', { n: state.items.length })}</span>
        </h1>
        <label>
          <span>{t('events.range')}</span>
          <select value={range} onChange={(e) => setFilter('range', e.target.value)} data-testid="filter-range">
            {RANGE_IDS.map((r) => (
              <option key={r} value={r}>
                {t(`events.range.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('field.camera')}</span>
          <select value={camera} onChange={(e) => setFilter('camera', e.target.value)} data-testid="filter-camera">
            <option value="">{t('common.all')}</option>
            {cameraList.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('field.type')}</span>
          <select value={type} onChange={(e) => setFilter('type', e.target.value)} data-testid="filter-type">
            <option value="">{t('common.all')}</option>
            {types.map((ty) => (
              <option key={ty} value={ty}>
                {i18n.tKnown(`type.${ty}`, ty)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {state.error !== null && <p className="error pad">{t('common.error', { message: state.error })}</p>}
      {state.items.length === 0 && !state.loading && state.error === null ? (
        <p className="muted pad">{t('events.empty')}</p>
      ) : (
        <table className="table events">
          <thead>
            <tr>
              <th aria-label={t('events.snapshot')} />
              <th>{t('field.time')}</th>
              <th>{t('field.severity')}</th>
              <th>{t('field.rule')}</th>
              <th>{t('field.camera')}</th>
              <th>{t('field.label')}</th>
              <th>{t('field.phase')}</th>
            </tr>
          </thead>
          <tbody>
            {state.items.map((e) => (
              <tr key={e.id} data-testid="event-row" data-event-id={e.id}>
                <td className="thumb-cell">
                  <Link to={`/events/${e.id}${qs ? `?${qs}` : ''}`}>
                    <SnapshotView path={e.snapshotUrl} version={e.updatedAt} alt="" className="mini" />
                  </Link>
                </td>
                <td className="nowrap">{time(e.startedAt)}</td>
                <td>
                  <SeverityBadge severity={e.severity} />
                </td>
                <td>
                  <Link to={`/events/${e.id}${qs ? `?${qs}` : ''}`} className="event-link">
                    {eventTitle(e, i18n)}
                  </Link>
                </td>
                <td>{cameraName(e.cameraId, cameras)}</td>
                <td>
                  {labelName(e.label, i18n)} · {Math.round(e.topScore * 100)}%
                </td>
                <td>
                  <PhaseBadge phase={e.phase} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(state.loading || !state.done) && (
        <div className="more">
          <button type="button" className="ghost" disabled={state.loading} onClick={() => void fetchPage(state.cursor)}>
            {state.loading ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </section>
  );
}
