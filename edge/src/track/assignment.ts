/**
 * Minimum-cost linear assignment with a cost limit: which row goes with which column so that the sum
 * of the chosen costs plus `maxCost` for every row left unassigned is smallest. Pairs costing more
 * than `maxCost` are never chosen. This is what ByteTrack gets from `lap.lapjv(cost, extend_cost=True,
 * cost_limit=thresh)`: leaving a pair unmatched is worth exactly the limit, so a slightly better
 * global matching never forces a poor pair.
 *
 * The solver is the shortest-augmenting-path form of the Hungarian method with row and column
 * potentials (the core of Jonker–Volgenant, without its initialisation heuristics), O(n²·m). The
 * limit is built in by giving the n rows n extra "unassigned" columns that each cost `maxCost` (plus a
 * hair, so that a pair at exactly the limit is still matched): every row can always fall back to one
 * of them, so the optimum never pays more than the limit for a real pair. Tracker matrices are small
 * (tens of tracks × tens of detections), far from where the cubic term matters.
 */

/** Row → column answer of {@link AssignmentSolver.solve}: `-1` for an unassigned row. */
export type Assignment = Int32Array;

/** A dummy column costs a hair more than the limit, so a pair at exactly the limit wins the tie. */
const TIE_BREAK = 1e-9;

/**
 * Reusable solver: its work arrays grow to the largest problem seen and are then reused, so a tracker
 * calling it on every frame allocates nothing once warmed up. Not re-entrant; one per tracker.
 */
export class AssignmentSolver {
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private minv = new Float64Array(0);
  private p = new Int32Array(0);
  private way = new Int32Array(0);
  private used = new Uint8Array(0);
  private result = new Int32Array(0);

  /**
   * Solves one problem.
   *
   * @param cost row-major `rows × cols` costs (entry `r * cols + c`); only finite values are allowed
   * @param maxCost pairs above this stay unassigned; a row left unassigned costs this much
   * @returns for each row its column or -1. A view into the solver's own buffer, valid until the next call.
   */
  solve(cost: ArrayLike<number>, rows: number, cols: number, maxCost: number): Assignment {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(`rows and cols must be non-negative integers, got ${rows}×${cols}`);
    }
    if (cost.length < rows * cols) throw new RangeError(`cost has ${cost.length} entries, need ${rows * cols}`);
    if (!Number.isFinite(maxCost)) throw new RangeError(`maxCost must be finite, got ${maxCost}`);
    this.ensure(rows, cols);
    const out = this.result.subarray(0, rows);
    out.fill(-1);
    if (rows === 0 || cols === 0) return out;

    const n = rows;
    const m = cols + rows; // real columns, then one "unassigned" column per row
    const dummyCost = maxCost + TIE_BREAK;
    // Anything above the limit is priced above a dummy column, so a free dummy always beats it.
    const forbidden = maxCost + 1;
    const at = (i: number, j: number): number => {
      // i, j are 1-based as in the algorithm below.
      if (j > cols) return dummyCost;
      const c = cost[(i - 1) * cols + (j - 1)] as number;
      return c > maxCost ? forbidden : c;
    };

    const { u, v, minv, p, way, used } = this;
    u.fill(0, 0, n + 1);
    v.fill(0, 0, m + 1);
    p.fill(0, 0, m + 1);
    way.fill(0, 0, m + 1);
    // p[j]: the row assigned to column j (0 = none; column 0 is the virtual start of each search).
    for (let i = 1; i <= n; i++) {
      p[0] = i;
      let j0 = 0;
      minv.fill(Infinity, 0, m + 1);
      used.fill(0, 0, m + 1);
      do {
        used[j0] = 1;
        const i0 = p[j0] as number;
        let delta = Infinity;
        let j1 = 0;
        for (let j = 1; j <= m; j++) {
          if (used[j] === 1) continue;
          const cur = at(i0, j) - (u[i0] as number) - (v[j] as number);
          if (cur < (minv[j] as number)) {
            minv[j] = cur;
            way[j] = j0;
          }
          if ((minv[j] as number) < delta) {
            delta = minv[j] as number;
            j1 = j;
          }
        }
        for (let j = 0; j <= m; j++) {
          if (used[j] === 1) {
            const r = p[j] as number;
            u[r] = (u[r] as number) + delta;
            v[j] = (v[j] as number) - delta;
          } else {
            minv[j] = (minv[j] as number) - delta;
          }
        }
        j0 = j1;
      } while (p[j0] !== 0);
      // Flip the augmenting path back to the start.
      do {
        const j1 = way[j0] as number;
        p[j0] = p[j1] as number;
        j0 = j1;
      } while (j0 !== 0);
    }
    for (let j = 1; j <= cols; j++) {
      const i = p[j] as number;
      if (i > 0) out[i - 1] = j - 1;
    }
    return out;
  }

  private ensure(rows: number, cols: number): void {
    const size = rows + cols + 1;
    if (this.v.length < size) {
      this.v = new Float64Array(size);
      this.minv = new Float64Array(size);
      this.p = new Int32Array(size);
      this.way = new Int32Array(size);
      this.used = new Uint8Array(size);
    }
    if (this.u.length < rows + 1) this.u = new Float64Array(rows + 1);
    if (this.result.length < rows) this.result = new Int32Array(rows);
  }
}

/**
 * One-off form of {@link AssignmentSolver.solve} that returns a fresh array: for tests and callers
 * that solve rarely.
 */
export function solveAssignment(cost: ArrayLike<number>, rows: number, cols: number, maxCost: number): Assignment {
  return new AssignmentSolver().solve(cost, rows, cols, maxCost).slice();
}

/** Total of an assignment as {@link solveAssignment} minimises it: chosen costs plus `maxCost` per unassigned row. */
export function assignmentCost(cost: ArrayLike<number>, assignment: Assignment, cols: number, maxCost: number): number {
  let total = 0;
  for (let r = 0; r < assignment.length; r++) {
    const c = assignment[r] as number;
    total += c < 0 ? maxCost : (cost[r * cols + c] as number);
  }
  return total;
}
