import type { ReactNode } from 'react';
import type { CameraItem, EventItem } from '../../../../protocol/rest.js';
import type { QualityIssueKind } from '../../../../protocol/edge-messages.js';
import { useI18n } from '../i18n/i18n.js';

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
