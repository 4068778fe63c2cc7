import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { EventItem } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { AlertCard } from '../components/alert-card.js';
import { useI18n } from '../i18n/i18n.js';
import { Beeper } from '../lib/beep.js';
import { useLiveData } from '../live/live-data.js';
import { useLocation } from '../router/location.js';
import { useWorkflowIndex } from '../workflow/use-workflow-index.js';
import { canAcceptFromWall } from '../workflow/workflow-logic.js';

/** Live alerts marked new stay marked this long. */
const FRESH_MS = 15_000;

interface Filters {
  camera: string;
  type: string;
  severity: string;
}

function matches(item: EventItem, f: Filters): boolean {
  return (f.camera === '' || item.cameraId === f.camera) && (f.type === '' || item.type === f.type) && (f.severity === '' || String(item.severity) === f.severity);
}

/**
 * 实时告警: the monitoring centre's alert wall. Alerts arrive over the live connection without a
 * reload; the filters live in the URL so a wall can be bookmarked per camera or severity.
 */
export default function AlertWallPage(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { alerts, cameras, onPush, loadOlder, hasOlder } = useLiveData();
  const { query, navigate, path } = useLocation();
  const filters: Filters = { camera: query.get('camera') ?? '', type: query.get('type') ?? '', severity: query.get('severity') ?? '' };
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [sound, setSound] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const { session } = useSession();
  const permissions = session?.user.permissions ?? [];
  const workflow = useWorkflowIndex();
  const beeper = useRef<Beeper | null>(null);

  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const off = onPush((item, isNew) => {
      if (!isNew) return;
      setFresh((s) => new Set(s).add(item.id));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setFresh((s) => {
          const next = new Set(s);
          next.delete(item.id);
          return next;
        });
      }, FRESH_MS);
      timers.add(timer);
      if (matches(item, filtersRef.current)) beeper.current?.beep(item.severity === 1);
    });
    return () => {
      off();
      for (const timer of timers) clearTimeout(timer);
    };
  }, [onPush]);
  useEffect(() => () => beeper.current?.close(), []);

  const setFilter = (key: keyof Filters, value: string): void => {
    const next = new URLSearchParams(query);
    if (value === '') next.delete(key);
    else next.set(key, value);
    const qs = next.toString();
    navigate(qs ? `${path}?${qs}` : path, { replace: true });
  };

  const toggleSound = async (): Promise<void> => {
    if (sound) {
      setSound(false);
      beeper.current?.close();
      beeper.current = null;
      return;
    }
    const b = new Beeper();
    await b.unlock();
    beeper.current = b;
    setSound(true);
    b.beep(false);
  };

  const types = useMemo(() => [...new Set(alerts.map((a) => a.type))].sort(), [alerts]);
  const cameraList = useMemo(() => [...cameras.values()].sort((a, b) => a.name.localeCompare(b.name)), [cameras]);
  const shown = alerts.filter((a) => matches(a, filters));

  return (
    <section className="alert-wall">
      <div className="toolbar">
        <h1>
          {t('alerts.title')} <span className="count" data-testid="alert-count">{t('common.count', { n: shown.length })}</span>
        </h1>
        <label>
          <span>{t('field.camera')}</span>
          <select value={filters.camera} onChange={(e) => setFilter('camera', e.target.value)} data-testid="filter-camera">
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
          <select value={filters.type} onChange={(e) => setFilter('type', e.target.value)} data-testid="filter-type">
            <option value="">{t('common.all')}</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {i18n.tKnown(`type.${type}`, type)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('field.severity')}</span>
          <select value={filters.severity} onChange={(e) => setFilter('severity', e.target.value)} data-testid="filter-severity">
            <option value="">{t('common.all')}</option>
            {([1, 2, 3] as const).map((s) => (
              <option key={s} value={String(s)}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="switch">
          <input type="checkbox" checked={sound} onChange={() => void toggleSound()} data-testid="sound-toggle" />
          <span>{t('alerts.sound')}</span>
        </label>
      </div>
      {shown.length === 0 ? (
        <p className="muted pad" data-testid="alerts-empty">
          {alerts.length === 0 ? t('alerts.empty') : t('alerts.noMatch')}
        </p>
      ) : (
        <ol className="alert-grid" aria-label={t('alerts.title')}>
          {shown.map((item) => (
            <AlertCard
              key={item.id}
              item={item}
              fresh={fresh.has(item.id)}
              workflow={
                workflow.available
                  ? {
                      item: workflow.items.get(item.id),
                      ...(canAcceptFromWall(workflow.items.get(item.id)?.state, permissions) ? { accept: () => workflow.accept(item.id) } : {}),
                    }
                  : undefined
              }
            />
          ))}
        </ol>
      )}
      {hasOlder && (
        <div className="more">
          <button
            type="button"
            className="ghost"
            disabled={loadingOlder}
            onClick={() => {
              setLoadingOlder(true);
              void loadOlder()
                .catch((err: unknown) => console.warn('loading older alerts failed', err))
                .finally(() => setLoadingOlder(false));
            }}
          >
            {loadingOlder ? t('common.loading') : t('common.loadMore')}
          </button>
        </div>
      )}
    </section>
  );
}
