import { describe, expect, it } from 'vitest';
import { AssignmentSolver, assignmentCost, solveAssignment } from '../../edge/src/track/index.js';

/**
 * The smallest total (chosen costs + maxCost per unassigned row) over every partial matching, by
 * enumeration: each row takes a free column within the limit, or none.
 */
function bruteForce(cost: readonly number[], rows: number, cols: number, maxCost: number): number {
  const usedCols = new Array<boolean>(cols).fill(false);
  const walk = (r: number): number => {
    if (r === rows) return 0;
    let best = maxCost + walk(r + 1);
    for (let c = 0; c < cols; c++) {
      const v = cost[r * cols + c] as number;
      if (usedCols[c] || v > maxCost) continue;
      usedCols[c] = true;
      best = Math.min(best, v + walk(r + 1));
      usedCols[c] = false;
    }
    return best;
  };
  return walk(0);
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectValid(assignment: Int32Array, cost: readonly number[], cols: number, maxCost: number): void {
  const seen = new Set<number>();
  assignment.forEach((c, r) => {
    if (c < 0) return;
    expect(c).toBeLessThan(cols);
    expect(seen.has(c), `column ${c} assigned twice`).toBe(false);
    seen.add(c);
    expect(cost[r * cols + c]).toBeLessThanOrEqual(maxCost);
  });
}

describe('solveAssignment', () => {
  it('finds the optimum of a classic square problem where greedy fails', () => {
    // Greedy takes the global minimum (row 1, col 1: 0) first and ends at 0 + 3 + 3 = 6; optimum is 5.
    const cost = [4, 1, 3, 2, 0, 5, 3, 2, 2];
    const a = solveAssignment(cost, 3, 3, 100);
    expect([...a]).toEqual([1, 0, 2]);
    expect(assignmentCost(cost, a, 3, 100)).toBe(5);
  });

  it('handles more rows than columns and more columns than rows', () => {
    const tall = [1, 9, 9, 2, 5, 5]; // 3 rows × 2 cols
    expect([...solveAssignment(tall, 3, 2, 100)]).toEqual([0, 1, -1]);
    const wide = [9, 1, 9, 2, 9, 9]; // 2 rows × 3 cols
    expect([...solveAssignment(wide, 2, 3, 100)]).toEqual([1, 0]);
  });

  it('answers empty problems with every row unassigned', () => {
    expect([...solveAssignment([], 0, 3, 1)]).toEqual([]);
    expect([...solveAssignment([], 2, 0, 1)]).toEqual([-1, -1]);
  });

  it('never chooses a pair above the limit, and matches a pair exactly at it', () => {
    expect([...solveAssignment([0.8, 0.9], 1, 2, 0.7)]).toEqual([-1]);
    expect([...solveAssignment([0.7], 1, 1, 0.7)]).toEqual([0]);
  });

  it('trades one good pair for two acceptable ones when that is cheaper overall', () => {
    // Row 0 likes col 0 best (0.1), but then row 1 is left out (its col 1 is over the limit):
    // 0.1 + 0.7 = 0.8 > 0.6 + 0.15 = 0.75, so both rows are matched crosswise.
    const cost = [0.1, 0.6, 0.15, 0.9];
    expect([...solveAssignment(cost, 2, 2, 0.7)]).toEqual([1, 0]);
    // With a tighter limit the crosswise pair 0.6 is not allowed any more.
    expect([...solveAssignment(cost, 2, 2, 0.5)]).toEqual([0, -1]);
  });

  it('matches brute force on 2000 random problems up to 6×6 with random limits', () => {
    const rand = rng(42);
    for (let k = 0; k < 2000; k++) {
      const rows = 1 + Math.floor(rand() * 6);
      const cols = 1 + Math.floor(rand() * 6);
      // Coarse values make ties common, which is where solvers go wrong.
      const cost = Array.from({ length: rows * cols }, () => Math.round(rand() * 10) / 10);
      const maxCost = Math.round(rand() * 10) / 10;
      const a = solveAssignment(cost, rows, cols, maxCost);
      expect(a.length).toBe(rows);
      expectValid(a, cost, cols, maxCost);
      const got = assignmentCost(cost, a, cols, maxCost);
      expect(got, `case ${k}: ${rows}×${cols} limit ${maxCost} [${cost.join(',')}]`).toBeCloseTo(bruteForce(cost, rows, cols, maxCost), 9);
    }
  });

  it('gives the same answers when one solver is reused across sizes', () => {
    const rand = rng(7);
    const solver = new AssignmentSolver();
    for (let k = 0; k < 300; k++) {
      const rows = Math.floor(rand() * 9);
      const cols = Math.floor(rand() * 9);
      const cost = Array.from({ length: rows * cols }, () => rand());
      const reused = [...solver.solve(Float64Array.from(cost), rows, cols, 0.6)];
      const fresh = [...solveAssignment(cost, rows, cols, 0.6)];
      expect(assignmentCost(cost, Int32Array.from(reused), cols, 0.6)).toBeCloseTo(assignmentCost(cost, Int32Array.from(fresh), cols, 0.6), 12);
    }
  });

  it('rejects malformed input', () => {
    expect(() => solveAssignment([1, 2], 2, 2, 1)).toThrow(/entries/);
    expect(() => solveAssignment([1], 1, 1, Infinity)).toThrow(/finite/);
    expect(() => solveAssignment([1], -1, 1, 1)).toThrow(/non-negative/);
  });
});
