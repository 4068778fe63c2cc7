import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { OrgListResponse } from '../../../../protocol/rest.js';
import type { WorkflowDetail } from '../../../../protocol/workflow.js';
import { ApiError } from '../api/api-client.js';
import { errorText } from '../api/error-text.js';
import { useSession } from '../api/session-context.js';
import { WorkflowBadge } from '../components/badges.js';
import { useI18n } from '../i18n/i18n.js';
import { useLiveData } from '../live/live-data.js';
import { WorkflowActions } from './workflow-forms.js';
import { formsFor, isFinal, workflowPath } from './workflow-logic.js';
import { WorkflowTimeline } from './workflow-timeline.js';

/** Org names by id: `GET /api/orgs` lists the orgs in the caller's scope (others stay `#id`). */
function useOrgNames(): (id: number) => string {
  const { api } = useSession();
  const [names, setNames] = useState<ReadonlyMap<number, string>>(new Map());
  useEffect(() => {
    const abort = new AbortController();
    api.get<OrgListResponse>('/api/orgs', abort.signal).then(
      (r) => setNames(new Map(r.items.map((o) => [o.id, o.name]))),
      () => undefined, // Names are a nicety: ids stay readable.
    );
    return () => abort.abort();
  }, [api]);
  return useCallback((id: number) => names.get(id) ?? `#${id}`, [names]);
}

type Loaded = { status: 'loading' } | { status: 'none' } | { status: 'failed'; message: string } | { status: 'ready'; detail: WorkflowDetail };

/**
 * 处置流程 of one event: its state, deadline and evaluation, the forms of the actions this user may
 * take now, and the timeline. Reloaded after each action and on every pushed transition of the event.
 */
export function WorkflowPanel({ eventId }: { eventId: string }): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api, session } = useSession();
  const { onWorkflow } = useLiveData();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const orgName = useOrgNames();

  useEffect(() => {
    const abort = new AbortController();
    api.get<WorkflowDetail>(workflowPath(eventId), abort.signal).then(
      (detail) => setLoaded({ status: 'ready', detail }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        // 404: the event has no workflow item (or this cloud no workflow yet).
        if (err instanceof ApiError && err.status === 404) setLoaded({ status: 'none' });
        else setLoaded({ status: 'failed', message: errorText(err, i18n) });
      },
    );
    return () => abort.abort();
  }, [api, eventId, version, i18n]);

  useEffect(() => onWorkflow((update) => update.item.eventId === eventId && reload()), [onWorkflow, eventId, reload]);

  let body: ReactNode;
  if (loaded.status === 'loading') body = <p className="muted">{t('common.loading')}</p>;
  else if (loaded.status === 'none') body = <p className="muted">{t('wf.none')}</p>;
  else if (loaded.status === 'failed') body = <p className="error">{loaded.message}</p>;
  else {
    const { item, timeline, allowedActions } = loaded.detail;
    const forms = formsFor(allowedActions, session?.user.permissions ?? []);
    body = (
      <>
        <dl className="facts wf-facts">
          <dt>{t('field.state')}</dt>
          <dd>
            <WorkflowBadge item={item} now={Date.now()} />
          </dd>
          {item.deadlineAt !== null && !isFinal(item.state) && (
            <>
              <dt>{t('wf.field.deadline')}</dt>
              <dd>{time(item.deadlineAt)}</dd>
            </>
          )}
          {(item.assigneeOrgId !== null || item.assigneeUserId !== null) && (
            <>
              <dt>{t('wf.assignee')}</dt>
              <dd>
                {[item.assigneeOrgId !== null ? t('wf.detail.org', { org: orgName(item.assigneeOrgId) }) : null, item.assigneeUserId !== null ? t('wf.detail.user', { user: `#${item.assigneeUserId}` }) : null]
                  .filter((x) => x !== null)
                  .join(' · ')}
              </dd>
            </>
          )}
          {item.evaluation !== null && (
            <>
              <dt>{t('wf.evaluation')}</dt>
              <dd>
                {item.evaluation.pass ? t('wf.action.recheck_pass') : t('wf.action.recheck_fail')}
                {item.evaluation.score !== null && ` · ${t('wf.detail.score', { score: item.evaluation.score })}`}
                {item.evaluation.comment !== '' && ` · ${item.evaluation.comment}`}
              </dd>
            </>
          )}
        </dl>
        {forms.length > 0 && <WorkflowActions key={item.updatedAt} forms={forms} eventId={eventId} item={item} onDone={reload} />}
        <h3>{t('wf.timeline')}</h3>
        <WorkflowTimeline entries={timeline} orgName={orgName} />
      </>
    );
  }
  return (
    <section className="card workflow-panel" data-testid="wf-panel">
      <h2>{t('wf.title')}</h2>
      {body}
    </section>
  );
}
