import type { HygieneFormula, HygieneGrade } from '../../../protocol/index.js';

/**
 * The hygiene score of a kitchen (明厨亮灶: restaurants and school canteens) over a window, in the
 * spirit of the dynamic rating (动态等级) that market supervision shows at the door: start from 100 and
 *
 * 1. lose `10` points per weighted violation per camera-day, at most 60 — weights by severity tier:
 *    1 (immediate: fire, rats, …) counts 3, 2 (fix by a deadline) 2, 3 (guidance) 1; false alarms never
 *    count. Dividing by camera-days keeps a kitchen with eight cameras from looking worse than one with
 *    two for the same conduct, and a 7-day window comparable with a 30-day one;
 * 2. lose 2 points per violation of the window not yet closed (rectified and re-checked), at most 20;
 * 3. lose 5 more points per violation overdue now, at most 20;
 *
 * clamped to 0..100 and rounded to one decimal. Grades: A ≥ 90 excellent (优秀), B ≥ 75 good (良好),
 * C ≥ 60 average (一般), D below 60 poor (较差).
 *
 * Example: two cameras over 30 days (60 camera-days) with 12 severity-2 violations, 2 of them still
 * open and 1 of those overdue: 100 − 12×2/60×10 (4) − 2×2 (4) − 1×5 (5) = 87 → B.
 */
export const HYGIENE_FORMULA: HygieneFormula = Object.freeze({
  severityWeights: Object.freeze({ '1': 3, '2': 2, '3': 1 }),
  pointsPerWeightedViolationPerCameraDay: 10,
  maxViolationPenalty: 60,
  pointsPerUnrectified: 2,
  maxUnrectifiedPenalty: 20,
  pointsPerOverdue: 5,
  maxOverduePenalty: 20,
  grades: Object.freeze([
    Object.freeze({ grade: 'A' as const, minScore: 90, label: 'excellent 优秀' }),
    Object.freeze({ grade: 'B' as const, minScore: 75, label: 'good 良好' }),
    Object.freeze({ grade: 'C' as const, minScore: 60, label: 'average 一般' }),
    Object.freeze({ grade: 'D' as const, minScore: 0, label: 'poor 较差' }),
  ]) as HygieneFormula['grades'],
});

/** What the score of one kitchen is computed from. */
export interface HygieneInput {
  cameras: number;
  /** Elapsed days of the window (fractional). */
  days: number;
  /** Violations that were not false alarms, by severity tier. */
  bySeverity: { '1': number; '2': number; '3': number };
  /** Of those, not closed. */
  unrectified: number;
  /** Of those, open with the deadline passed. */
  overdueNow: number;
}

/** The score and every part of it. */
export interface HygieneScore {
  cameraDays: number;
  violations: number;
  weightedViolations: number;
  weightedPerCameraDay: number | null;
  violationPenalty: number;
  unrectifiedPenalty: number;
  overduePenalty: number;
  score: number | null;
  grade: HygieneGrade | null;
  unratedReason: string | null;
}

const round = (n: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};

/** The grade of a score. */
export function hygieneGrade(score: number, formula: HygieneFormula = HYGIENE_FORMULA): HygieneGrade {
  return formula.grades.find((g) => score >= g.minScore)?.grade ?? 'D';
}

/** Scores one kitchen (see {@link HYGIENE_FORMULA}). Parts are rounded to 2 decimals, the score to 1. */
export function hygieneScore(input: HygieneInput, formula: HygieneFormula = HYGIENE_FORMULA): HygieneScore {
  const w = formula.severityWeights;
  const s = input.bySeverity;
  const violations = s['1'] + s['2'] + s['3'];
  const weightedViolations = s['1'] * w['1'] + s['2'] * w['2'] + s['3'] * w['3'];
  const cameraDays = input.cameras * Math.max(0, input.days);
  const unrectifiedPenalty = Math.min(formula.maxUnrectifiedPenalty, input.unrectified * formula.pointsPerUnrectified);
  const overduePenalty = Math.min(formula.maxOverduePenalty, input.overdueNow * formula.pointsPerOverdue);
  const parts = { cameraDays: round(cameraDays, 4), violations, weightedViolations, unrectifiedPenalty, overduePenalty };
  if (cameraDays <= 0) {
    const unratedReason = input.cameras === 0 ? 'no cameras at this site in the directory' : 'no time of the window has passed yet';
    return { ...parts, weightedPerCameraDay: null, violationPenalty: 0, score: null, grade: null, unratedReason };
  }
  const perCameraDay = weightedViolations / cameraDays;
  const violationPenalty = Math.min(formula.maxViolationPenalty, perCameraDay * formula.pointsPerWeightedViolationPerCameraDay);
  const score = round(Math.min(100, Math.max(0, 100 - violationPenalty - unrectifiedPenalty - overduePenalty)), 1);
  return {
    ...parts,
    weightedPerCameraDay: round(perCameraDay, 4),
    violationPenalty: round(violationPenalty, 2),
    score,
    grade: hygieneGrade(score, formula),
    unratedReason: null,
  };
}
