import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { EventItem, EventListResponse, SiteListResponse } from '../../../../protocol/rest.js';
import type { WorkflowState } from '../../../../protocol/workflow.js';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useApiGet } from '../api/use-api-get.js';
import { ExportProgress } from '../export/export-progress.js';
import { useExport } from '../export/use-export.js';
import { useI18n } from '../i18n/i18n.js';
import { zh } from '../i18n/messages.js';
import { cameraName, eventTitle, labelName } from '../lib/event-names.js';
import { useQueryUpdate } from '../lib/use-query-state.js';
import { useLiveData } from '../live/live-data.js';
import { Link, useLocation } from '../router/location.js';
import { PhaseBadge, SeverityBadge } from './badges.js';
import { SnapshotView } from './snapshot-view.js';

const PAGE_SIZE = 50;
/** With a workflow-state filter (applied here), pages are read until this many match or the list ends. */
const MAX_PAGES_PER_LOAD = 10;
const RANGES = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, all: null } as const;
type Range = keyof typeof RANGES;
const RANGE_IDS = Object.keys(RANGES) as Range[];
const WF_STATES: readonly WorkflowState[] = ['new', 'accepted', 'dispatched', 'handled', 'closed', 'false_alarm'];
/** The most events one export takes (protocol: ExportRequestBody.eventIds maxItems). */
const MAX_EXPORT = 1000;
/** Rule types the dictionary names: offered in the type filter even before one was seen. */
const KNOWN_TYPES = Object.keys(zh)
  .filter((k) => k.startsWith('type.'))
  .map((k) => k.slice('type.'.length));

interface ListState {
  items: readonly EventItem[];
  cursor: string | null;
  done: boolean;
  loading: boolean;
  error: unknown;
}

/** The workflow state of an event as a badge (the list's own copy; the detail page shows the item). */
function StateBadge({ state }: { state: WorkflowState | null | undefined }): ReactNode {
  const { t } = useI18n();
  if (state === null || state === undefined) return <span className="muted">—</span>;
  return (
    <span className="badge wf-state" data-wf-state={state}>
      {t(`wf.state.${state}`)}
    </span>
  );
}

/**
 * The event list, newest first, filtered on the cloud by time, site, camera and type, and here by
 * workflow state (each event carries its state). Rows can be selected and exported as evidence.
 */
export function EventList(): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api, can } = useSession();
  const { cameras, alerts } = useLiveData();
  const { query } = useLocation();
  const update = useQueryUpdate();
  const range: Range = RANGE_IDS.find((r) => r === query.get('range')) ?? '24h';
  const camera = query.get('camera') ?? '';
  const type = query.get('type') ?? '';
  const site = query.get('site') ?? '';
  const wfState = WF_STATES.find((s) => s === query.get('state')) ?? null;
  const [state, setState] = useState<ListState>({ items: [], cursor: null, done: false, loading: true, error: null });
  const [since] = useState(() => Date.now());
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const exporter = useExport();
  const sites = useApiGet<SiteListResponse>('/api/sites');
  const span = RANGES[range];
  const from = span === null ? null : since - span;

  const fetchPage = useCallback(
    async (cursor: string | null, signal?: AbortSignal): Promise<void> => {
      setState((s) => ({ ...s, loading: true, error: null }));
      try {
        let next = cursor;
        const found: EventItem[] = [];
        let pages = 0;
        // Without a state filter one page is a page; with one, read on until a page's worth matches.
        do {
          const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
          if (camera !== '') params.set('cameraId', camera);
          if (type !== '') params.set('type', type);
          if (site !== '') params.set('siteId', site);
          if (from !== null) params.set('from', String(from));
          if (next !== null) params.set('cursor', next);
          const page = await api.get<EventListResponse>(`/api/events?${params.toString()}`, signal);
          found.push(...page.items.filter((e) => wfState === null || e.workflowState === wfState));
          next = page.nextCursor;
          pages += 1;
        } while (wfState !== null && next !== null && found.length < PAGE_SIZE && pages < MAX_PAGES_PER_LOAD);
        setState((s) => ({ items: cursor === null ? found : [...s.items, ...found], cursor: next, done: next === null, loading: false, error: null }));
      } catch (err) {
        if (signal?.aborted) return;
        setState((s) => ({ ...s, loading: false, error: err }));
      }
    },
    [api, camera, type, site, from, wfState],
  );

  useEffect(() => {
    const abort = new AbortController();
    setSelected(new Set());
    void fetchPage(null, abort.signal);
    return () => abort.abort();
  }, [fetchPage]);

  const types = useMemo(() => [...new Set([...KNOWN_TYPES, ...alerts.map((a) => a.type)])].sort(), [alerts]);
  const cameraList = useMemo(() => [...cameras.values()].sort((a, b) => a.name.localeCompare(b.name)), [cameras]);
  const qs = query.toString();
  const mayExport = can('evidence.export');
  const allSelected = state.items.length > 0 && state.items.every((e) => selected.has(e.id));
  const toggle = (id: string): void =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section className="event-list">
      <div className="toolbar">
        <h1>
          {t('events.title')} <span className="count">{t('common.count', { n: state.items.length })}</span>
        </h1>
        <label>
          <span>{t('events.range')}</span>
          <select value={range} onChange={(e) => update({ range: e.target.value })} data-testid="filter-range">
            {RANGE_IDS.map((r) => (
              <option key={r} value={r}>
                {t(`events.range.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('events.site')}</span>
          <select value={site} onChange={(e) => update({ site: e.target.value })} data-testid="filter-site">
            <option value="">{t('common.all')}</option>
            {sites.status === 'ready' &&
              sites.data.items.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name}
                </option>
              ))}
          </select>
        </label>
        <label>
          <span>{t('field.camera')}</span>
          <select value={camera} onChange={(e) => update({ camera: e.target.value })} data-testid="filter-camera">
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
          <select value={type} onChange={(e) => update({ type: e.target.value })} data-testid="filter-type">
            <option value="">{t('common.all')}</option>
            {types.map((ty) => (
              <option key={ty} value={ty}>
                {i18n.tKnown(`type.${ty}`, ty)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('events.wfState')}</span>
          <select value={wfState ?? ''} onChange={(e) => update({ state: e.target.value })} data-testid="filter-state">
            <option value="">{t('common.all')}</option>
            {WF_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`wf.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {mayExport && (
          <button
            type="button"
            className="primary"
            disabled={selected.size === 0 || selected.size > MAX_EXPORT || exporter.run.status === 'building'}
            onClick={() => exporter.start({ eventIds: state.items.filter((e) => selected.has(e.id)).map((e) => e.id) })}
            data-testid="export-selected"
          >
            {t('events.exportSelected', { n: selected.size })}
          </button>
        )}
      </div>
      {mayExport && <ExportProgress control={exporter} />}
      {state.error !== null && <p className="error pad">{errorText(state.error, i18n)}</p>}
      {state.items.length === 0 && !state.loading && state.error === null ? (
        <p className="muted pad">{t('events.empty')}</p>
      ) : (
        <table className="table events">
          <thead>
            <tr>
              {mayExport && (
                <th className="check-cell">
                  <input
                    type="checkbox"
                    aria-label={t('events.selectAll')}
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(state.items.map((e) => e.id)))}
                    data-testid="select-all"
                  />
                </th>
              )}
              <th aria-label={t('events.snapshot')} />
              <th>{t('field.time')}</th>
              <th>{t('field.severity')}</th>
              <th>{t('field.rule')}</th>
              <th>{t('field.camera')}</th>
              <th>{t('field.label')}</th>
              <th>{t('field.phase')}</th>
              <th>{t('events.wfState')}</th>
            </tr>
          </thead>
          <tbody>
            {state.items.map((e) => (
              <tr key={e.id} data-testid="event-row" data-event-id={e.id} data-wf-state={e.workflowState ?? ''}>
                {mayExport && (
                  <td className="check-cell">
                    <input type="checkbox" aria-label={t('events.select')} checked={selected.has(e.id)} onChange={() => toggle(e.id)} data-testid="event-select" />
                  </td>
                )}
                <td className="thumb-cell">
                  <Link to={`/events/${e.id}${qs ? `?${qs}` : ''}`}>
                    <SnapshotView path={e.thumbnailUrl ?? e.snapshotUrl} version={e.updatedAt} alt="" className="mini" />
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
                  {e.clipUrl !== null && (
                    <span className="clip-mark" title={t('events.clip')}>
                      ▶
                    </span>
                  )}
                </td>
                <td>{cameraName(e.cameraId, cameras)}</td>
                <td>
                  {labelName(e.label, i18n)} · {Math.round(e.topScore * 100)}%
                </td>
                <td>
                  <PhaseBadge phase={e.phase} />
                </td>
                <td>
                  <StateBadge state={e.workflowState} />
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
