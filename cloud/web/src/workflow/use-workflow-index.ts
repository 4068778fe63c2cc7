import { useCallback, useEffect, useState } from 'react';
import type { WorkflowDetail, WorkflowItem } from '../../../../protocol/workflow.js';
import { ApiError } from '../api/api-client.js';
import { useSession } from '../api/session-context.js';
import { useLiveData } from '../live/live-data.js';
import { workflowListPath, type WorkflowFilter, type WorkflowListResponse } from './workflow-api.js';
import { actionPath, mergeWorkflow, workflowItemOf, workflowPath } from './workflow-logic.js';

/** A list reload after new events arrive waits this long, so a burst of alerts costs one request. */
const RELOAD_DEBOUNCE_MS = 2_000;
/** Pushes keep the index fresh; the reload catches what a dropped connection missed. */
const RELOAD_MS = 60_000;

export interface WorkflowIndex {
  /** False while the cloud has no workflow routes (404) or refuses the list: cards show no state. */
  available: boolean;
  items: ReadonlyMap<string, WorkflowItem>;
  /** 受理 one event. @throws ApiError */
  accept: (eventId: string) => Promise<void>;
}

/**
 * The workflow state of the events the user sees, by event id: the list once, then every pushed
 * transition, a reload shortly after new events (their items are created on discovery) and once a
 * minute.
 */
export function useWorkflowIndex(filter: WorkflowFilter = {}): WorkflowIndex {
  const { api } = useSession();
  const { onPush, onWorkflow } = useLiveData();
  const [items, setItems] = useState<ReadonlyMap<string, WorkflowItem>>(new Map());
  const [available, setAvailable] = useState(true);
  const path = workflowListPath(filter);

  useEffect(() => {
    const abort = new AbortController();
    let debounce: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const page = await api.get<WorkflowListResponse>(path, abort.signal);
        setAvailable(true);
        setItems((held) => mergeWorkflow(held, page.items));
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 404 || err.status === 403)) setAvailable(false);
        else console.warn('workflow list failed', err);
      }
    };
    void load();
    const timer = setInterval(() => void load(), RELOAD_MS);
    const offPush = onPush((_item, isNew) => {
      if (!isNew) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => void load(), RELOAD_DEBOUNCE_MS);
    });
    const offWorkflow = onWorkflow((update) => setItems((held) => mergeWorkflow(held, [update.item])));
    return () => {
      abort.abort();
      clearInterval(timer);
      clearTimeout(debounce);
      offPush();
      offWorkflow();
    };
  }, [api, path, onPush, onWorkflow]);

  const accept = useCallback(
    async (eventId: string) => {
      const answer = await api.post<unknown>(actionPath(eventId, 'accept'), {});
      const item = workflowItemOf(answer) ?? (await api.get<WorkflowDetail>(workflowPath(eventId))).item;
      setItems((held) => mergeWorkflow(held, [item]));
    },
    [api],
  );

  return { available, items, accept };
}
