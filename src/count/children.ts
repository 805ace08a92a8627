/**
 * The children of a unit on a cell: the half-spaces each child adds to the cell's LP. A ReLU-like unit has two
 * children (off: −g ≥ t‖a‖, on: g ≥ t‖a‖ for its form g(x) = a·x + c); a maxout unit of rank k has k, child j needing
 * g_j − g_m ≥ t‖a_j − a_m‖ for every other piece m the bounds do not settle. Units stable over the domain or constant
 * on the cell have one child and add no row. Rows are stored with unit normals, per LP depth, in flat buffers that
 * deeper levels never touch.
 */
import type { SearchContext } from "./search-context.ts";
import { rowNorm } from "./unit-forms.ts";

/** The child rows of the units along the search path, one slot per LP depth. */
export class UnitChildren {
  /** Per depth: (k − 1) rows of length n0 for each of k children (one row for ReLU-like units), then their rhs. */
  readonly rows: Float64Array[];
  readonly rhs: Float64Array[];
  /** Per depth: rows per child (−1: the child is impossible). */
  readonly count: Int32Array[];
  /** Per depth: row slots per child (1, or k − 1 for maxout). */
  readonly per: Int32Array;
  private readonly hyper: Float64Array; // scratch row (maxout piece differences)

  constructor(private readonly ctx: SearchContext) {
    const N = ctx.unitCount, maxRank = ctx.maxRank, n0 = ctx.n0;
    this.rows = Array.from({ length: N + 1 }, () => new Float64Array(maxRank * (maxRank - 1) * n0));
    this.rhs = Array.from({ length: N + 1 }, () => new Float64Array(maxRank * (maxRank - 1)));
    this.count = Array.from({ length: N + 1 }, () => new Int32Array(maxRank));
    this.hyper = new Float64Array(n0);
    this.per = new Int32Array(N + 1);
  }

  /**
   * Prepare the children of unit u at LP depth `depth`: fill rows/rhs/count at `depth`. Returns −1 when the unit
   * is decided without a hyperplane (stable or constant on the cell; `pattern[u]` is then set), else its number of
   * children. The forms of u's layer must be current.
   */
  prepare(u: number, depth: number): number {
    const ctx = this.ctx;
    const l = ctx.unitLayer[u], i = ctx.unitIndex[u], k = ctx.rank[l];
    const n0 = ctx.n0, A = ctx.formA[l], C = ctx.formC[l];
    const rows = this.rows[depth], rhs = this.rhs[depth], cnt = this.count[depth];
    this.per[depth] = k === 1 ? 1 : k - 1;
    if (k === 1) {
      const f = ctx.flags[l][i];
      if (f !== 0) {
        ctx.pattern[u] = f > 0 ? 1 : 0;
        return -1;
      }
      const base = i * n0;
      const nu = rowNorm(A, i, n0);
      if (nu <= ctx.zeroNorm[l][i]) {
        ctx.pattern[u] = C[i] > 0 ? 1 : 0;
        return -1;
      }
      const inv = 1 / nu;
      // Child 0 (off): −g ≥ t‖a‖; child 1 (on): g ≥ t‖a‖, each row stored normalised.
      for (let j = 0; j < n0; j++) {
        const v = A[base + j] * inv;
        rows[j] = -v;
        rows[n0 + j] = v;
      }
      rhs[0] = C[i] * inv;
      rhs[1] = -C[i] * inv;
      cnt[0] = 1;
      cnt[1] = 1;
      return 2;
    }
    // Maxout of rank k: child j needs g_j − g_m ≥ t‖a_j − a_m‖ for every m ≠ j not settled by the bounds.
    const lo = ctx.bounds.lower[l], hi = ctx.bounds.upper[l];
    const stride = (k - 1) * n0;
    let alive = 0, only = -1;
    for (let j = 0; j < k; j++) {
      const pj = i * k + j;
      let c = 0;
      for (let m = 0; m < k && c >= 0; m++) {
        if (m === j) continue;
        const pm = i * k + m;
        if (lo[pj] >= hi[pm] && hi[pm] > -Infinity) continue; // j ≥ m on the whole domain
        if (hi[pj] <= lo[pm]) {
          c = -1; // j never exceeds m: not a full-dimensional child
          break;
        }
        let nu = 0;
        for (let q = 0; q < n0; q++) {
          const v = A[pj * n0 + q] - A[pm * n0 + q];
          this.hyper[q] = v;
          nu += v * v;
        }
        nu = Math.sqrt(nu);
        const dc = C[pj] - C[pm];
        if (nu <= ctx.zeroNorm[l][pj] + ctx.zeroNorm[l][pm]) {
          // Parallel pieces: j beats m everywhere (dc > 0), nowhere (dc < 0), or ties (the first index wins).
          if (dc > 0 || (dc === 0 && j < m)) continue;
          c = -1;
          break;
        }
        const off = j * stride + c * n0;
        for (let q = 0; q < n0; q++) rows[off + q] = this.hyper[q] / nu;
        rhs[j * (k - 1) + c] = -dc / nu;
        c++;
      }
      cnt[j] = c;
      if (c >= 0) {
        alive++;
        only = j;
      }
    }
    if (alive === 1 && cnt[only] === 0) {
      ctx.pattern[u] = only;
      return -1;
    }
    return k;
  }

  /** Margin of witness `w` for the rows of `child` prepared at `depth` (min over its rows). */
  marginOf(depth: number, child: number, w: Float64Array): number {
    const rows = this.rows[depth], rhs = this.rhs[depth], n0 = this.ctx.n0;
    const per = this.per[depth];
    const count = this.count[depth][child];
    let best = Infinity;
    for (let r = 0; r < count; r++) {
      const off = (child * per + r) * n0;
      let s = -rhs[child * per + r];
      for (let q = 0; q < n0; q++) s += rows[off + q] * w[q];
      if (s < best) best = s;
    }
    return best;
  }
}
