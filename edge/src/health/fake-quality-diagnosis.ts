import type { QualityIssue } from '../../../protocol/index.js';
import type { Frame } from '../types.js';
import type { QualityDiagnosis, QualityReport } from './quality-monitor.js';

/**
 * A {@link QualityDiagnosis} for unit tests of its consumers (pipeline, heartbeat): reports whatever
 * issues the test sets, and counts the frames it was shown without keeping them.
 */
export class FakeQualityDiagnosis implements QualityDiagnosis {
  /** Reported by every snapshot while fresh; set by the test. */
  issues: QualityIssue[] = [];
  /** Frames passed to `observe`. */
  observed = 0;
  private lastAt: number | undefined;

  observe(frame: Frame): boolean {
    this.observed++;
    this.lastAt = frame.capturedAt;
    return true;
  }

  snapshot(): QualityReport {
    return { issues: [...this.issues], metrics: undefined, sampledAt: this.lastAt };
  }

  reset(): void {
    this.issues = [];
    this.lastAt = undefined;
  }
}
