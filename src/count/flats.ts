/**
 * Counting the regions of an arrangement inside a cell by its flats. For k affine hyperplanes with linearly
 * independent normals and an open convex set K, the number of regions of the arrangement inside K equals the number
 * of subsets S of the hyperplanes (the empty set included) whose common flat X_S meets K. This is Zaslavsky's count
 * (1975: regions = Σ |μ(X)| over the flats X) restricted to K, by the same deletion–restriction step: adding a
 * hyperplane H to an arrangement splits in two exactly the regions inside K that H meets, and those are in one-to-one
 * correspondence with the regions of the arrangement induced on H inside the open convex set K ∩ H; by induction the
 * regions are counted by the flats that meet K. With independent normals every X_S is a distinct nonempty flat of
 * codimension |S| and the induced arrangements keep independent normals, so each such flat counts once.
 *
 * The subsets form a simplicial complex (X_S meets K ⇒ so does X_T for T ⊂ S, as X_S ⊂ X_T), so a point of K on
 * X_S settles 2^|S| subsets at once, and a proof that X_S misses K settles every superset of S. This module keeps that
 * complex on at most {@link FLATS_MAX_UNITS} hyperplanes as a flat array over subset masks, and {@link FlatsCounter}
 * drives it for the search: it answers the questions with linear programs (a point of the cell on X_S, or a dual bound
 * showing there is none).
 */

import { LPStatus } from "../lp/margin-lp.ts";
import type { CentralCertificate } from "./certificate.ts";
import { centralMargin, choleskyInPlace } from "./central.ts";
import type { SearchContext } from "./search-context.ts";
import { rowNorm } from "./unit-forms.ts";

/** Largest number of hyperplanes counted by flats: the complex has 2^k subsets (4,096 bytes of state at 12). */
export const FLATS_MAX_UNITS = 12;

/**
 * The last layer is counted by flats only with at least this many hyperplanes left: with fewer, the sign search
 * settles most children through the witness or a step across without an LP, while every flat costs one. Measured
 * (study networks, shard 5/128, simplex iterations flats off → on): 3 units (784-19-3) 166k → 160k, 4 units
 * (784-18-4) 314k → 260k, 6 units (784-16-6) 433k → 278k.
 */
const FLATS_MIN_UNITS = 4;
/** `blockedBelow` when no cell of the current path gave up on flats. */
const NO_BLOCK = Number.MAX_SAFE_INTEGER;

/** State of a subset: not asked yet, its flat meets the cell, or it does not. */
export const enum FlatState {
  Unknown = 0,
  Meets = 1,
  Misses = -1,
}

/** The complex of the subsets of k ≤ maxK hyperplanes whose flats meet a cell, filled in by the caller's answers. */
export class FlatComplex {
  readonly state: Int8Array;
  private readonly orders: (Int32Array | undefined)[];
  private k = 0;

  constructor(readonly maxK: number = FLATS_MAX_UNITS) {
    this.state = new Int8Array(2 ** maxK);
    this.orders = new Array(maxK + 1);
  }

  /** Start on k hyperplanes: only the empty set is known (its flat is the whole space, and the cell is not empty). */
  reset(k: number): void {
    if (k > this.maxK) throw new RangeError(`${k} hyperplanes: the complex holds at most ${this.maxK}`);
    this.k = k;
    this.state.fill(FlatState.Unknown, 0, 2 ** k);
    this.state[0] = FlatState.Meets;
  }

  /**
   * The nonempty subsets of k hyperplanes, largest first. Asked in this order, every answer "meets" settles all the
   * subsets of the one asked, and the next unknown subset is never contained in a known face.
   */
  order(k: number): Int32Array {
    let o = this.orders[k];
    if (!o) {
      const masks = Array.from({ length: 2 ** k - 1 }, (_, i) => i + 1);
      masks.sort((a, b) => popcount(b) - popcount(a) || a - b);
      o = this.orders[k] = Int32Array.from(masks);
    }
    return o;
  }

  /**
   * X_S meets the cell: so do the flats of all subsets of S. Returns false, marking nothing, if one of them was
   * known to miss it (answers that contradict each other: the caller must not trust the count).
   */
  markMeets(mask: number): boolean {
    const st = this.state;
    for (let s = mask; ; s = (s - 1) & mask) {
      if (st[s] === FlatState.Misses) return false;
      if (s === 0) break;
    }
    for (let s = mask; ; s = (s - 1) & mask) {
      st[s] = FlatState.Meets;
      if (s === 0) break;
    }
    return true;
  }

  /**
   * X_S misses the cell: so do the flats of all supersets of S (they lie in X_S). Returns false, marking nothing, if
   * one of them was known to meet it (the empty set always does).
   */
  markMisses(mask: number): boolean {
    const st = this.state, rest = (2 ** this.k - 1) & ~mask;
    for (let s = rest; ; s = (s - 1) & rest) {
      if (st[mask | s] === FlatState.Meets) return false;
      if (s === 0) break;
    }
    for (let s = rest; ; s = (s - 1) & rest) {
      st[mask | s] = FlatState.Misses;
      if (s === 0) break;
    }
    return true;
  }

  /** The number of subsets whose flats meet the cell: the number of regions once no subset is unknown. */
  meets(): number {
    let c = 0;
    const st = this.state, size = 2 ** this.k;
    for (let s = 0; s < size; s++) if (st[s] === FlatState.Meets) c++;
    return c;
  }
}

/**
 * The count by flats as the search uses it: at a cell where only the last layer's units are left, count its regions
 * as the flats of their hyperplanes that meet the cell instead of searching their signs, whenever that can be decided.
 */
export class FlatsCounter {
  /** Over the lifetime: cells counted by flats, cells where flats were tried and gave up (dependent normals, an LP
   * that proved nothing, fewer regions proven than flats), and the LPs they asked. */
  cells = 0;
  fallbacks = 0;
  queries = 0;
  /** LP depth of the cell on the current path where flats gave up (NO_BLOCK: none); its subcells skip them. */
  private blockedBelow = NO_BLOCK;
  private readonly complex: FlatComplex;
  private readonly normals: Float64Array; // the remaining units' unit normals, FLATS_MAX_UNITS × n0
  private readonly offsets: Float64Array;
  private readonly subset: Float64Array; // the normals of one subset, contiguous for centralMargin
  private readonly residuals: Float64Array;
  private readonly subOffsets: Float64Array;
  private readonly gram: Float64Array;
  /** Per sign vector of the cell's k hyperplanes: a region proven by a point with margin (see count). */
  private readonly proven: Uint8Array;

  /**
   * For the search of `ctx` (whose last layer is ReLU-like), with the certificate whose workspace and rows it shares
   * and whose records it feeds when `central` is on; at most min(FLATS_MAX_UNITS, n0) hyperplanes.
   */
  constructor(
    private readonly ctx: SearchContext,
    private readonly cert: CentralCertificate,
    private readonly central: boolean,
  ) {
    const n0 = ctx.n0, maxF = Math.min(FLATS_MAX_UNITS, n0);
    this.complex = new FlatComplex(maxF);
    this.normals = new Float64Array(maxF * n0);
    this.offsets = new Float64Array(maxF);
    this.subset = new Float64Array(maxF * n0);
    this.residuals = new Float64Array(maxF);
    this.subOffsets = new Float64Array(maxF);
    this.gram = new Float64Array(maxF * maxF);
    this.proven = new Uint8Array(2 ** maxF);
  }

  /** A new task starts at the root: no cell of its path gave up yet. */
  startTask(): void {
    this.blockedBelow = NO_BLOCK;
  }

  /**
   * At search position `pos` (LP depth `depth`): the number of regions of the cell's subtree counted by flats, or −1
   * when the caller is to search the signs (not the last layer yet, below a cell where flats gave up, or undecided).
   */
  atCell(pos: number, depth: number): number {
    // Not below a cell where counting by flats gave up: its subcells would mostly repeat the same LPs.
    if (depth <= this.blockedBelow) this.blockedBelow = NO_BLOCK;
    if (pos < this.ctx.lastStart || depth > this.blockedBelow) return -1;
    const fallbacks = this.fallbacks, queries = this.queries;
    const found = this.count(pos, depth);
    // (Dependent normals cost no LP and may be independent in a subcell, with fewer of them.)
    if (found < 0 && this.fallbacks > fallbacks && this.queries > queries) this.blockedBelow = depth;
    return found;
  }

  /**
   * The regions of the cell at LP depth `depth` cut by the last layer's remaining units (positions pos …), counted as
   * the subsets of their hyperplanes whose flats meet the cell ({@link FlatComplex}): subsets are asked largest first,
   * each by one LP for a point of the cell on its flat. A point certified by the central margin, with the other
   * hyperplanes as rows (the 2^|S| regions around it are in the cell at margin > threshold, which by convexity puts a
   * point of X_S in the cell), settles S and its subsets; a dual bound ≤ threshold settles S, shrunk to the equality
   * rows whose activities are nonbasic (the others have zero duals), and its supersets. Returns −1 when this cannot
   * decide (dependent normals, too many units, an LP neither certifies, fewer regions proven than flats counted): the
   * caller then searches the signs.
   */
  private count(pos: number, depth: number): number {
    const ctx = this.ctx, n0 = ctx.n0, normals = this.normals, offsets = this.offsets, cx = this.complex;
    const k = this.hyperplanes(pos);
    if (k < 0) return -1;
    if (!independentNormals(normals, k, n0, this.gram)) {
      this.fallbacks++;
      return -1;
    }
    const lp = ctx.lp, m = lp.m, thr = ctx.threshold, rows = this.cert.rows;
    const proven = this.proven;
    for (let i = 0; i < m; i++) lp.row(i, rows.subarray(i * n0, (i + 1) * n0));
    cx.reset(k);
    proven.fill(0, 0, 2 ** k);
    // The witness's own region, when it is clear of all k hyperplanes (the only region left if no flat meets the cell).
    const w = ctx.witness[depth];
    if (ctx.witnessMargin[depth] > thr) {
      let signs = 0, clear = true;
      for (let a = 0; a < k && clear; a++) {
        let h = -offsets[a];
        for (let q = 0; q < n0; q++) h += normals[a * n0 + q] * w[q];
        clear = Math.abs(h) > thr;
        if (h > 0) signs |= 1 << a;
      }
      if (clear) proven[signs] = 1;
    }
    lp.save(depth);
    const order = cx.order(k);
    let decided = true;
    for (let o = 0; o < order.length && decided; o++) {
      const mask = order[o];
      if (cx.state[mask] !== FlatState.Unknown) continue;
      decided = this.ask(pos, depth, k, mask, o === 0);
    }
    // The complex counts (at least) the regions of the arrangement in K′, the box with every cell row at margin >
    // threshold, however thin. The sign search counts those with a point at margin > threshold from the last layer's
    // hyperplanes too; the certified points prove some of those. So proven ≤ sign search ≤ regions in K′ ≤ complex,
    // and when the ends are equal the sign search would count the same. Every region of K′ lies next to the flat of a
    // maximal face, on whose points the other hyperplanes keep one side, so a thin region shows up as a failed
    // certificate (a point too close to another hyperplane); this check also catches a cell no flat meets whose
    // witness lies within the threshold of a hyperplane.
    if (decided) {
      let count = 0;
      for (let s = 0, size = 2 ** k; s < size; s++) count += proven[s];
      decided = count === cx.meets();
    }
    if (!decided) {
      this.fallbacks++;
      return -1;
    }
    this.cells++;
    return cx.meets();
  }

  /**
   * The hyperplanes of the last layer's remaining units (positions pos …) on the current cell, as unit normals and
   * offsets into `normals`/`offsets`; their number k, or −1 when the flats are not to be tried (more than the complex
   * holds, fewer than FLATS_MIN_UNITS, or more than the layer before's active units, which makes them dependent).
   */
  private hyperplanes(pos: number): number {
    const ctx = this.ctx;
    const L = ctx.lastLayer, n0 = ctx.n0, A = ctx.formA[L], C = ctx.formC[L], flagsL = ctx.flags[L];
    const normals = this.normals, offsets = this.offsets, maxK = this.complex.maxK;
    let k = 0;
    for (let v = pos; v < ctx.lastEnd; v++) {
      const i = ctx.unitIndex[ctx.order[v]];
      if (flagsL[i] !== 0) continue;
      const nu = rowNorm(A, i, n0);
      if (nu <= ctx.zeroNorm[L][i]) continue; // constant on the cell: no hyperplane
      if (k === maxK) return -1;
      for (let q = 0; q < n0; q++) normals[k * n0 + q] = A[i * n0 + q] / nu;
      offsets[k] = -C[i] / nu;
      k++;
    }
    if (k < FLATS_MIN_UNITS) return -1; // (the unit at pos has a hyperplane: k ≥ 1)
    // The last layer's normals on the cell lie in the span of the layer before's active rows (ReLU): more of them than
    // that are dependent, without computing a Gram matrix. (Counting such cells by the flats of at most that many
    // hyperplanes, in general position in the quotient, was measured and dropped: see docs/benchmarks.md.)
    if (ctx.lastLayer > 0 && ctx.layers[ctx.lastLayer - 1].activation.kind === "relu") {
      const width = ctx.layers[ctx.lastLayer].inDim, start = ctx.lastStart - width;
      let active = 0;
      for (let v = start; v < ctx.lastStart; v++) active += ctx.pattern[v];
      if (k > active) return -1;
    }
    return k;
  }

  /**
   * Ask whether the flat X_S of subset `mask` of the k hyperplanes meets the cell at LP depth `depth` (whose rows are
   * in the certificate's `rows`): one LP for a point of the cell on X_S, certified by the central margin (S and its
   * subsets meet, and the 2^|S| regions around the point are proven) or refuted by its dual bound (S, shrunk to its
   * rows with nonzero duals, and its supersets miss). `first`: S is all k hyperplanes. Returns false when neither
   * settles it or the answer contradicts the complex.
   */
  private ask(pos: number, depth: number, k: number, mask: number, first: boolean): boolean {
    const ctx = this.ctx, n0 = ctx.n0, normals = this.normals, offsets = this.offsets, cx = this.complex;
    const lp = ctx.lp, m = lp.m, thr = ctx.threshold, rows = this.cert.rows, g = this.cert.margins;
    const sub = this.subset, subOff = this.subOffsets, res = this.residuals, p = ctx.witness[depth + 1];
    let decided: boolean;
    let size = 0;
    for (let a = 0; a < k; a++) {
      if (!((mask >> a) & 1)) continue;
      sub.set(normals.subarray(a * n0, (a + 1) * n0), size * n0);
      subOff[size++] = offsets[a];
    }
    for (let a = 0; a < size; a++) lp.addEquality(sub.subarray(a * n0, (a + 1) * n0), subOff[a]);
    ctx.stats.lps++;
    this.queries++;
    const status = lp.solve(thr);
    let meets = false, misses = status === LPStatus.Below, outside = 0;
    if (status === LPStatus.Optimal) {
      lp.point(p);
      lp.margins(p, g);
      // The certificate's rows: the cell's, then the other hyperplanes, each oriented towards p's side of it, so
      // that it proves the 2^|S| regions around p (with p's signs off S) and not only that X_S meets the cell.
      let extra = 0;
      for (let a = 0, r = 0; a < k; a++) {
        let h = -offsets[a];
        for (let q = 0; q < n0; q++) h += normals[a * n0 + q] * p[q];
        if ((mask >> a) & 1) {
          res[r++] = h;
          continue;
        }
        const sign = h > 0 ? 1 : -1, at = (m + extra) * n0;
        if (h > 0) outside |= 1 << a;
        for (let q = 0; q < n0; q++) rows[at + q] = sign * normals[a * n0 + q];
        g[m + extra++] = sign * h;
      }
      meets = centralMargin(this.cert.ws, p, ctx.box.lo, ctx.box.hi, sub, res, size, rows, g, m + extra) > thr;
      misses = !meets && lp.dualBound() + lp.perturbationError <= thr;
    }
    if (meets) {
      decided = cx.markMeets(mask);
      const proven = this.proven;
      for (let s = mask; ; s = (s - 1) & mask) {
        proven[outside | s] = 1;
        if (s === 0) break;
      }
      // All the last layer's hyperplanes meet in the cell: the central certificate's group of them would have
      // succeeded, which lets the groups reaching back into the layer before be tried (see CentralCertificate.worthIt).
      if (first && this.central) {
        const key = this.cert.key(pos);
        if (key > 0) this.cert.recordHit(key);
      }
    } else if (misses) {
      let shrunk = 0;
      for (let a = 0, r = 0; a < k; a++) {
        if (!((mask >> a) & 1)) continue;
        if (!lp.rowIsBasic(m + r)) shrunk |= 1 << a;
        r++;
      }
      decided = cx.markMisses(shrunk);
    } else decided = false;
    lp.restore(depth);
    return decided;
  }

}

/**
 * Whether k unit normals (k × n0 row-major) are linearly independent with room to spare: every pivot of the Cholesky
 * factor of their Gram matrix exceeds CENTRAL_MIN_PIVOT, the bound of the central certificate, whose margin proofs
 * divide by these pivots (when it fails the count by flats does not hold and the caller searches the signs instead).
 * `gram` holds at least k² numbers (overwritten).
 */
export function independentNormals(normals: Float64Array, k: number, n0: number, gram: Float64Array): boolean {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let q = 0; q < n0; q++) s += normals[a * n0 + q] * normals[b * n0 + q];
      gram[a * k + b] = s;
    }
  }
  return choleskyInPlace(gram, k);
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
