import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { CameraRulesResponse, RuleSetProblem } from '../../../../protocol/camera-rules.js';
import type { PointConfig } from '../../../../protocol/rule-geometry.js';
import type { Scene } from '../../../../protocol/rule-config.js';
import { ApiError } from '../api/api-client.js';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { useI18n } from '../i18n/i18n.js';
import { useLiveData } from '../live/live-data.js';
import { useLocation } from '../router/location.js';
import '../styles/camera-rules.css';
import { GeometryEditor } from './geometry-editor.js';
import { Problems, RuleEditor } from './rule-editor.js';
import {
  addLine,
  addRule,
  addZone,
  bodyOf,
  draftOf,
  EMPTY_DRAFT,
  newRule,
  problemsOf,
  problemsUnder,
  removeRule,
  replaceRule,
  RULE_TYPES,
  setRuleField,
  type RuleSetDraft,
} from './rule-set-draft.js';
import { RulesCanvas, type DrawMode, type Selection } from './rules-canvas.js';
import { useCameraSnapshot } from './use-camera-snapshot.js';

/** How often the page asks whether the edge runs the saved revision (and is online). */
const STATE_POLL_MS = 4000;
const SCENES: readonly Scene[] = ['none', 'kitchen', 'worksite', 'public'];

type Result = { kind: 'applied' | 'pending'; revision: number } | { kind: 'refused' } | { kind: 'error'; text: string };

/** Where the editor's copy came from: a new desired revision (or a first report) replaces an unedited draft. */
const sourceOf = (s: CameraRulesResponse): string => (s.desired ? `rev:${s.desired.revision}` : `reported:${s.reported ? 'yes' : 'no'}`);

/** The rules state of a camera, kept fresh while the page is open. */
function useRulesState(cameraId: string | null): { state: CameraRulesResponse | null; error: string | null; set: (s: CameraRulesResponse) => void } {
  const i18n = useI18n();
  const { api } = useSession();
  const [state, setState] = useState<CameraRulesResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setState(null);
    setError(null);
    if (cameraId === null) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const s = await api.get<CameraRulesResponse>(`/api/cameras/${encodeURIComponent(cameraId)}/rules`, abort.signal);
        setState(s);
        setError(null);
      } catch (err) {
        if (abort.signal.aborted) return;
        setError(errorText(err, i18n));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void load(), STATE_POLL_MS);
    };
    void load();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, cameraId, i18n]);
  return { state, error, set: setState };
}

/**
 * 摄像机规则: a camera's current picture with its zones and lines drawn over it, the lists of zones,
 * lines and rules, and a save that the cloud checks and sends to the edge, which applies it live.
 * The page shows whether the edge runs the saved revision, and puts every refused key path next
 * to its field.
 */
export function CameraRulesAdmin(): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api } = useSession();
  const { cameras } = useLiveData();
  const { query, navigate } = useLocation();
  const cameraList = useMemo(() => [...cameras.values()].sort((a, b) => a.id.localeCompare(b.id)), [cameras]);
  const cameraId = query.get('camera') ?? cameraList[0]?.id ?? null;
  const camera = cameraId === null ? undefined : cameras.get(cameraId);

  const rules = useRulesState(cameraId);
  const [draft, setDraft] = useState<RuleSetDraft>(EMPTY_DRAFT);
  const [dirty, setDirty] = useState(false);
  const [source, setSource] = useState<string | null>(null);
  const [mode, setMode] = useState<DrawMode>('select');
  const [selection, setSelection] = useState<Selection>(null);
  const [problems, setProblems] = useState<readonly RuleSetProblem[]>([]);
  const [result, setResult] = useState<Result | null>(null);
  const [busy, setBusy] = useState(false);
  const [snapVersion, setSnapVersion] = useState(0);
  const [addType, setAddType] = useState<(typeof RULE_TYPES)[number]>('intrusion');
  const snapshot = useCameraSnapshot(cameraId, snapVersion);

  // Another camera: start over.
  useEffect(() => {
    setDraft(EMPTY_DRAFT);
    setDirty(false);
    setSource(null);
    setSelection(null);
    setProblems([]);
    setResult(null);
    setMode('select');
  }, [cameraId]);

  // Load the cloud's rule set (or what the edge runs) into an unedited editor.
  const state = rules.state;
  useEffect(() => {
    if (!state || state.cameraId !== cameraId || dirty) return;
    const next = sourceOf(state);
    if (next === source) return;
    setSource(next);
    setDraft(draftOf(state.desired?.rules ?? state.reported?.rules));
  }, [state, cameraId, dirty, source]);

  const edit = useCallback((next: RuleSetDraft) => {
    setDraft(next);
    setDirty(true);
  }, []);
  /** A structural edit: the refused paths count by index and no longer line up. */
  const restructure = useCallback((next: RuleSetDraft) => {
    setDraft(next);
    setDirty(true);
    setProblems([]);
    setSelection(null);
  }, []);
  const stopDrawing = useCallback(() => setMode('select'), []);

  const onZoneDrawn = (points: PointConfig[]): void => {
    const added = addZone(draft, points);
    edit(added.draft);
    setMode('select');
    setSelection({ kind: 'zone', index: added.draft.zones.length - 1 });
  };
  const onLineDrawn = (a: PointConfig, b: PointConfig): void => {
    const added = addLine(draft, a, b);
    edit(added.draft);
    setMode('select');
    setSelection({ kind: 'line', index: added.draft.lines.length - 1 });
  };

  const save = async (): Promise<void> => {
    if (cameraId === null) return;
    setBusy(true);
    setResult(null);
    try {
      const res = await api.put<CameraRulesResponse>(`/api/cameras/${encodeURIComponent(cameraId)}/rules`, bodyOf(draft));
      rules.set(res);
      const revision = res.desired?.revision ?? 0;
      // 200 = the edge runs it now; 202 = stored until the edge is back (applied lags behind).
      setResult({ kind: res.applied.inSync && res.applied.revision === revision ? 'applied' : 'pending', revision });
      setProblems([]);
      setDraft(draftOf(res.desired?.rules));
      setSource(sourceOf(res));
      setDirty(false);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'BAD_REQUEST') {
        setProblems(problemsOf(err.message));
        setResult({ kind: 'refused' });
      } else {
        setResult({ kind: 'error', text: errorText(err, i18n) });
      }
    } finally {
      setBusy(false);
    }
  };
  const discard = (): void => {
    setDirty(false);
    setSource(null);
    setProblems([]);
    setResult(null);
    setSelection(null);
  };

  const badZones = useMemo(() => new Set(draft.zones.map((_, i) => i).filter((i) => problemsUnder(problems, `zones[${i}]`).length > 0)), [draft.zones, problems]);
  const badLines = useMemo(() => new Set(draft.lines.map((_, i) => i).filter((i) => problemsUnder(problems, `lines[${i}]`).length > 0)), [draft.lines, problems]);
  const selectedZone = selection?.kind === 'zone' ? draft.zones[selection.index] : undefined;
  // Problems no field shows: the set's own keys (scene, masks, disabledRules) or no path at all.
  const general = problems.filter((p) => !/^(zones|lines|rules)\[\d+\]/.test(p.path));

  if (cameraList.length === 0) return <p className="muted pad">{t('rules.noCameras')}</p>;
  return (
    <div className="rules-admin" data-testid="camera-rules">
      <div className="toolbar rules-toolbar">
        <label>
          <span>{t('rules.camera')}</span>
          <select value={cameraId ?? ''} onChange={(e) => navigate(`/admin/rules?camera=${encodeURIComponent(e.target.value)}`, { replace: true })} data-testid="rules-camera">
            {cameraList.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.id})
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setSnapVersion((v) => v + 1)} data-testid="rules-refresh">
          {t('rules.refresh')}
        </button>
        <div className="segmented" role="group" aria-label={t('rules.mode.select')}>
          {(['select', 'zone', 'line'] as const).map((m) => (
            <button
              key={m}
              type="button"
              className={mode === m ? 'active' : undefined}
              onClick={() => {
                setMode(m);
                if (m !== 'select') setSelection(null);
              }}
              data-testid={`rules-mode-${m}`}
            >
              {t(`rules.mode.${m}`)}
            </button>
          ))}
        </div>
      </div>
      <div className="rules-grid">
        <div className="rules-main">
          <RulesCanvas
            imageUrl={snapshot.status === 'loading' ? null : snapshot.url}
            emptyText={snapshot.status === 'loading' ? t('common.loading') : t('rules.noSnapshot')}
            draft={draft}
            mode={mode}
            selection={selection}
            badZones={badZones}
            badLines={badLines}
            onChange={edit}
            onSelect={setSelection}
            onZoneDrawn={onZoneDrawn}
            onLineDrawn={onLineDrawn}
            onCancelDraw={stopDrawing}
          />
          <p className="muted small rules-hint" data-testid="rules-hint">
            {t(`rules.hint.${mode}`)}
          </p>
          {snapshot.status === 'failed' && (
            <p className="error" data-testid="snapshot-error">
              {t('rules.snapshotFailed', { message: snapshot.message })}
            </p>
          )}
        </div>
        <div className="rules-side">
          <section className="card rules-status" data-testid="rules-status">
            {rules.error !== null && <p className="error">{rules.error}</p>}
            {state && (
              <dl className="facts">
                <dt>{t('rules.status.desired')}</dt>
                <dd data-testid="rules-desired" data-revision={state.desired?.revision ?? ''}>
                  {state.desired
                    ? t('rules.status.revision', { revision: state.desired.revision, time: time(state.desired.updatedAt), user: state.desired.updatedBy ?? '—' })
                    : t('rules.status.none')}
                </dd>
                <dt>{t('rules.status.applied')}</dt>
                <dd data-testid="rules-applied" data-revision={state.applied.revision ?? ''} data-in-sync={String(state.applied.inSync)}>
                  {state.applied.revision === null ? t('rules.status.configFile') : t('rules.status.appliedRevision', { revision: state.applied.revision })}{' '}
                  <span className={state.applied.inSync ? 'badge ok-badge' : 'badge warn-badge'}>{state.applied.inSync ? t('rules.status.inSync') : t('rules.status.outOfSync')}</span>
                </dd>
                <dt>{t('rules.status.edge')}</dt>
                <dd>
                  {camera?.edgeId ?? '—'}{' '}
                  <span className={state.edgeOnline ? 'ok-text' : 'error'} data-testid="rules-edge-online">
                    {state.edgeOnline ? t('rules.status.online') : t('rules.status.offline')}
                  </span>
                </dd>
                {state.applied.error !== null && (
                  <>
                    <dt>{t('rules.status.refusal')}</dt>
                    <dd className="error" data-testid="rules-refusal">
                      {state.applied.error}
                    </dd>
                  </>
                )}
                <dt>{t('rules.status.running')}</dt>
                <dd className="mono" data-testid="rules-running">
                  {state.ruleIds.length > 0 ? state.ruleIds.join(', ') : '—'}
                </dd>
              </dl>
            )}
          </section>
          <section className="card rules-savebar" data-testid="rules-savebar">
            <div className="form-footer">
              <button type="button" className="primary" disabled={busy || cameraId === null} onClick={() => void save()} data-testid="rules-save">
                {busy ? t('rules.saving') : t('rules.save')}
              </button>
              <button type="button" className="ghost" disabled={busy || !dirty} onClick={discard} data-testid="rules-discard">
                {t('rules.discard')}
              </button>
              {dirty && <span className="muted small">{t('rules.dirty')}</span>}
            </div>
            {result && (
              <div className={`rules-result ${result.kind}`} role="status" data-testid="rules-result" data-kind={result.kind}>
                {result.kind === 'applied' && t('rules.result.applied', { revision: result.revision })}
                {result.kind === 'pending' && t('rules.result.pending', { revision: result.revision })}
                {result.kind === 'refused' && t('rules.result.refused')}
                {result.kind === 'error' && result.text}
              </div>
            )}
            {result?.kind === 'refused' && <Problems problems={problems} />}
          </section>
          <GeometryEditor draft={draft} selection={selection} problems={problems} onChange={edit} onRemoved={restructure} onSelect={setSelection} />
          <section className="card rules-section" data-testid="rules-editor">
            <h2>
              {t('rules.rules')}
              <span className="count">{draft.rules.length}</span>
            </h2>
            <label className="field rules-scene">
              <span>{t('rules.scene')}</span>
              <select value={draft.scene} onChange={(e) => edit({ ...draft, scene: e.target.value as Scene })} data-testid="rules-scene">
                {SCENES.map((s) => (
                  <option key={s} value={s}>
                    {t(`rules.scene.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            {state?.classes && state.classes.length > 0 && (
              // The labels rules may ask for; a rule asking for another is refused on save.
              <p className="muted small rules-classes" data-testid="rules-classes">
                {t('rules.classesHint', { list: state.classes.join(', ') })}
              </p>
            )}
            <Problems problems={general} />
            {draft.rules.length === 0 && <p className="muted small">{t('rules.noRules')}</p>}
            {draft.rules.map((r, i) => (
              <RuleEditor
                key={i}
                rule={r}
                index={i}
                draft={draft}
                problems={problems}
                onField={(key, value) => edit(setRuleField(draft, i, key, value))}
                onReplace={(rule) => edit(replaceRule(draft, i, rule))}
                onRemove={() => restructure(removeRule(draft, i))}
              />
            ))}
            <div className="form-footer rules-add">
              <select value={addType} onChange={(e) => setAddType(e.target.value as (typeof RULE_TYPES)[number])} data-testid="rules-add-type">
                {RULE_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {i18n.tKnown(`type.${type}`, type)}
                  </option>
                ))}
              </select>
              <button
                type="button"
                onClick={() => edit(addRule(draft, newRule(addType, draft, selectedZone?.id ?? draft.zones[draft.zones.length - 1]?.id)))}
                data-testid="rules-add"
              >
                {t('rules.addRule')}
              </button>
            </div>
          </section>
        </div>
      </div>
    </div>
  );
}
