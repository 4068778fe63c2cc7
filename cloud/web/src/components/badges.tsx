import type { ReactNode } from 'react';
import type { CameraItem, EventItem } from '../../../../protocol/rest.js';
import type { QualityIssueKind } from '../../../../protocol/edge-messages.js';
import type { WorkflowItem } from '../../../../protocol/workflow.js';
import { useI18n } from '../i18n/i18n.js';
import { deadlineStatus } from '../workflow/workflow-logic.js';

/** Severity 1 red, 2 orange, 3 blue (the colours of the regulators' platforms). */
export function SeverityBadge({ severity }: { severity: EventItem['severity'] }): ReactNode {
  const { t } = useI18n();
  return (
    <span className="badge severity" data-severity={severity}>
      {t(`severity.${severity}`)}
    </span>
  );
}

export function PhaseBadge({ phase }: { phase: EventItem['phase'] }): ReactNode {
  const { t } = useI18n();
  return (
    <span className="badge phase" data-phase={phase}>
      {t(`phase.${phase}`)}
    </span>
  );
}

export function CameraStateBadge({ state }: { state: CameraItem['state'] }): ReactNode {
  const { t } = useI18n();
  return (
    <span className="badge cam-state" data-state={state}>
      {t(`state.${state}`)}
    </span>
  );
}

export function QualityBadge({ kind }: { kind: QualityIssueKind }): ReactNode {
  const { t } = useI18n();
  return (
    <span className="badge quality" data-kind={kind}>
      {t(`quality.${kind}`)}
    </span>
  );
}

/** 待受理 … 已办结, with 督办 and 超期 flags when the item is escalated or overdue. */
export function WorkflowBadge({ item, now }: { item: WorkflowItem; now: number }): ReactNode {
  const { t } = useI18n();
  const deadline = deadlineStatus(item, now);
  return (
    <span className="wf-badges">
      <span className="badge wf-state" data-wf-state={item.state} data-testid="wf-state">
        {t(`wf.state.${item.state}`)}
      </span>
      {item.escalationLevel > 0 && <span className="badge wf-flag escalated">{t('wf.escalated', { level: item.escalationLevel })}</span>}
      {deadline === 'overdue' && <span className="badge wf-flag overdue">{t('wf.overdue')}</span>}
    </span>
  );
}
