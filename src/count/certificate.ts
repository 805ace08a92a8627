/**
 * The central certificate as the search uses it: when few units of the last hidden layer (and, reaching back, of the
 * layer before) are left on a cell, one LP looks for a point of the cell on all their hyperplanes; if every sign
 * pattern around it keeps a margin above the threshold ({@link centralMargin}), all 2^k regions of the cell are
 * counted at once instead of searching their signs. Per task it keeps a record of what each group size gained, and
 * tries a size only while that pays (so LP counts do not depend on which worker runs a task).
 */
import { LPStatus } from "../lp/margin-lp.ts";
import { CentralWorkspace, centralMargin, centralPoint } from "./central.ts";
import type { SearchContext } from "./search-context.ts";
import { rowNorm } from "./unit-forms.ts";

/**
 * The central certificate ({@link centralMargin}) is tried on the remaining units (the last layer's, and the layer
 * before's once the group reaches back there) once at most this many are left. Measured on study networks (784
 * inputs, two hidden layers of 22 units, shard 5/128): iterations fall from 8 to 12 (n1-21: 15,104 to 3,489; n1-18:
 * 78,446 to 67,007) and no further at 16; where the last layer has 6 or 8 units only groups of up to 4 succeed anyway.
 */
export const CENTRAL_MAX_GROUP = 12;
/**
 * By default the central certificate is used when the input has at least this many dimensions per hidden unit: with
 * few hyperplanes in many dimensions, k of them meet inside most cells. Measured (random ReLU networks n0 → 10 → 4,
 * seeds 1–2): 4 to 8 inputs need 33–45 % more LPs with it, 12 to 20 about as many; the 784-input study networks
 * (22 units) need 1.3 to 60 times fewer simplex iterations (docs/benchmarks.md).
 */
export const CENTRAL_INPUTS_PER_UNIT = 2;
/** Tries per group size and task before its success rate decides whether to go on trying. */
const CENTRAL_WARMUP = 4;
/**
 * Keep trying a group size while (success rate) × (mean LPs of a searched subtree) exceeds this (see
 * {@link CentralCertificate.worthIt}): 1 is the break-even point of the LP count.
 */
const CENTRAL_MIN_GAIN = 1;
/**
 * A group that stopped paying is still tried now and then (cells differ along a task): after this many skipped
 * opportunities, then after twice as many, up to CENTRAL_PROBE_MAX. Measured (shard 5/128): probing every 16 costs
 * mnist-10-12-s1 5 % more iterations than no certificate at all, the back-off 2.6 %; a cap of 32 kept study network
 * n1-16's gain (465k iterations against 476k every 16 and 498k with a cap of 64).
 */
const CENTRAL_PROBE_EVERY = 16;
const CENTRAL_PROBE_MAX = 32;
/** Keys of the per-task records: (units of the layer before the last in the group) × (CENTRAL_MAX_GROUP + 1) + (group size). */
const CENTRAL_KEYS = (CENTRAL_MAX_GROUP + 1) ** 2;

/** The central certificate of one enumerator: its buffers and its per-task records. */
export class CentralCertificate {
  /** Workspace of {@link centralMargin} (shared with the count by flats). */
  readonly ws: CentralWorkspace;
  /** The cell's rows (m × n0, unit normals) and their margins at the certificate's point (shared with the flats). */
  readonly rows: Float64Array;
  readonly margins: Float64Array;
  /** Central certificates tried (one LP each) and found, over the enumerator's lifetime. */
  tries = 0;
  hits = 0;
  private readonly baseA: Float64Array; // the last layer's forms with the group's earlier units off
  private readonly baseC: Float64Array;
  private readonly normals: Float64Array;
  private readonly offsets: Float64Array;
  private readonly residuals: Float64Array; // residuals h(p) of the normals of one pattern
  private readonly units: Int32Array;
  private readonly point: Float64Array;
  /** Per group size: central certificates tried and found in the current task (reset per task, so LP counts are the
   * same whatever worker runs the task). */
  private readonly taskTries = new Int32Array(CENTRAL_KEYS);
  private readonly taskHits = new Int32Array(CENTRAL_KEYS);
  private readonly taskSkips = new Int32Array(CENTRAL_KEYS);
  private readonly taskNextProbe = new Int32Array(CENTRAL_KEYS);
  /** Per group size: subtrees searched without a certificate in the current task, and the LPs they took. */
  private readonly taskSearches = new Int32Array(CENTRAL_KEYS);
  private readonly taskSearchLps = new Float64Array(CENTRAL_KEYS);

  /** For the search of `ctx` (whose last layer is ReLU-like), groups of at most maxK hyperplanes. */
  constructor(private readonly ctx: SearchContext, maxK: number) {
    const n0 = ctx.n0;
    this.ws = new CentralWorkspace(n0, maxK);
    this.baseA = new Float64Array(ctx.lastWidth * n0);
    this.baseC = new Float64Array(ctx.lastWidth);
    this.normals = new Float64Array(maxK * n0);
    this.offsets = new Float64Array(maxK);
    this.residuals = new Float64Array(maxK);
    this.units = new Int32Array(maxK);
    this.margins = new Float64Array(ctx.capRows + maxK);
    this.rows = new Float64Array(ctx.capRows * n0);
    this.point = new Float64Array(n0);
  }

  /** Forget the records of the previous task (the search starts a task at the root). */
  startTask(): void {
    this.taskTries.fill(0);
    this.taskHits.fill(0);
    this.taskSkips.fill(0);
    this.taskNextProbe.fill(CENTRAL_PROBE_EVERY);
    this.taskSearches.fill(0);
    this.taskSearchLps.fill(0);
  }

  /**
   * At search position `pos` (LP depth `depth`), with group record key `key` > 0 (see {@link CentralCertificate.key}):
   * when the record says it pays, try the certificate; true when it counted (and handed to the sink) every region of
   * the cell's subtree.
   */
  attempt(pos: number, depth: number, key: number): boolean {
    if (!this.worthIt(key)) return false;
    this.taskTries[key]++;
    if (!this.certify(pos, depth)) return false;
    this.taskHits[key]++;
    return true;
  }

  /** Record that the subtree of a group with record key `key` was searched without a certificate, in `lps` LPs. */
  searched(key: number, lps: number): void {
    this.taskSearches[key]++;
    this.taskSearchLps[key] += lps;
  }

  /**
   * Record that the group with record key `key` would have succeeded (the count by flats found a point of the cell on
   * all its hyperplanes), which lets the groups one unit larger be tried.
   */
  recordHit(key: number): void {
    this.taskHits[key]++;
  }

  /**
   * Whether to try the certificate on the group with record key `key` (see {@link CentralCertificate.key}). A success
   * costs one LP instead of the C LPs the search of the subtree takes, a failure costs one LP more; with success rate p
   * a try pays when p·C > 1. Both are taken from the current task's record (C: the mean LPs of the subtrees of this
   * size searched so far).
   */
  private worthIt(key: number): boolean {
    // Groups grow from the bottom: a point on all hyperplanes of a group is also on those of the group one unit
    // shorter (the child's), so a group is not tried before that one has succeeded in this task.
    const size = key % (CENTRAL_MAX_GROUP + 1), j = (key - size) / (CENTRAL_MAX_GROUP + 1), k = key;
    if (size > 2 && this.taskHits[(j > 0 ? j - 1 : 0) * (CENTRAL_MAX_GROUP + 1) + size - 1] === 0) return false;
    const tries = this.taskTries[k], hits = this.taskHits[k], searches = this.taskSearches[k];
    if (tries < CENTRAL_WARMUP || searches === 0) return true;
    if (hits * this.taskSearchLps[k] > CENTRAL_MIN_GAIN * tries * searches) return true;
    // Not paying so far: still probe now and then, since the cells of a task differ along the search.
    if (++this.taskSkips[k] < this.taskNextProbe[k]) return false;
    this.taskSkips[k] = 0;
    this.taskNextProbe[k] = Math.min(2 * this.taskNextProbe[k], CENTRAL_PROBE_MAX);
    return true;
  }

  /**
   * The record key of the group that starts at search position `pos` (its units from there on that the bounds leave
   * unstable, in the last layer and, from centralStart, the layer before): j (CENTRAL_MAX_GROUP + 1) + k for k units of
   * which j in the layer before the last; 0 when the group is too small or too large.
   */
  key(pos: number): number {
    const ctx = this.ctx;
    let j = 0, k = 0;
    for (let v = pos; v < ctx.lastEnd; v++) {
      const uv = ctx.order[v];
      if (ctx.flags[ctx.unitLayer[uv]][ctx.unitIndex[uv]] !== 0) continue;
      k++;
      if (v < ctx.lastStart) j++;
    }
    return k >= 2 && k <= CENTRAL_MAX_GROUP ? j * (CENTRAL_MAX_GROUP + 1) + k : 0;
  }

  /**
   * The central certificate ({@link centralMargin}) for the remaining units pos … of the last layer: one LP for a point
   * of the cell on all their hyperplanes, as far as possible from the cell's rows; if every sign pattern around it
   * keeps a margin above the threshold, all 2^k regions are counted here (and handed to the sink with their points).
   * Returns false when the certificate fails (the caller then searches the subtree as usual).
   */
  private certify(pos: number, depth: number): boolean {
    const ctx = this.ctx;
    const L = ctx.lastLayer, n0 = ctx.n0, flagsL = ctx.flags[L];
    const normals = this.normals, offsets = this.offsets, units = this.units;
    let j = 0;
    if (pos < ctx.lastStart) {
      // Units of the layer before the last: fixed hyperplanes of its forms.
      const P = L - 1, A1 = ctx.formA[P], C1 = ctx.formC[P], flagsP = ctx.flags[P];
      for (let v = pos; v < ctx.lastStart; v++) {
        const i = ctx.unitIndex[v];
        if (flagsP[i] !== 0) continue;
        if (j === units.length) return false;
        const nu = rowNorm(A1, i, n0);
        if (nu <= ctx.zeroNorm[P][i]) return false;
        for (let q = 0; q < n0; q++) normals[j * n0 + q] = A1[i * n0 + q] / nu;
        offsets[j] = -C1[i] / nu;
        units[j++] = v;
      }
      this.lastLayerBase(pos);
    } else {
      this.baseA.set(ctx.formA[L]);
      this.baseC.set(ctx.formC[L]);
    }
    // The last layer's units, with the group's earlier units off: on their common points those units are 0, so these
    // forms agree there with the forms of every sign pattern of the earlier units.
    const BA = this.baseA, BC = this.baseC;
    let k = j;
    for (let v = Math.max(pos, ctx.lastStart); v < ctx.lastEnd; v++) {
      const uv = ctx.order[v], i = ctx.unitIndex[uv];
      if (flagsL[i] !== 0) continue;
      const nu = rowNorm(BA, i, n0);
      if (nu <= ctx.zeroNorm[L][i]) {
        if (j > 0) return false;
        continue; // constant on the cell: decided below by its offset
      }
      if (k === units.length) return false;
      for (let q = 0; q < n0; q++) normals[k * n0 + q] = BA[i * n0 + q] / nu;
      offsets[k] = -BC[i] / nu;
      units[k++] = uv;
    }
    if (k < 2) return false;
    const lp = ctx.lp, m = lp.m;
    lp.save(depth);
    for (let a = 0; a < k; a++) lp.addEquality(normals.subarray(a * n0, (a + 1) * n0), offsets[a]);
    ctx.stats.lps++;
    this.tries++;
    // The certificate keeps half of the cell's margin, so a point on the hyperplanes with margin ≤ 2·threshold is no use.
    const status = lp.solve(2 * ctx.threshold);
    let margin = -Infinity;
    const p = ctx.witness[depth + 1];
    const g = this.margins, rows = this.rows;
    if (status === LPStatus.Optimal) {
      lp.point(p);
      lp.margins(p, g); // the cell's rows (then the equalities' residuals, recomputed per pattern below)
      for (let i = 0; i < m; i++) lp.row(i, rows.subarray(i * n0, (i + 1) * n0));
      margin = Infinity;
      // The last layer's normals depend on s1 only when some of its units are in the group.
      const patterns = k > j ? 2 ** j : 1;
      for (let s1 = 0; s1 < patterns && margin > ctx.threshold; s1++) margin = Math.min(margin, this.patternMargin(s1, j, k, p, m));
    }
    lp.restore(depth);
    if (!(margin > ctx.threshold)) return false;
    this.hits++;
    // Units of the group's range decided without a hyperplane: stable, or constant on the cell.
    for (let v = pos; v < ctx.lastEnd; v++) {
      const uv = ctx.order[v], l = ctx.unitLayer[uv], i = ctx.unitIndex[uv], f = ctx.flags[l][i];
      if (f !== 0) ctx.pattern[uv] = f > 0 ? 1 : 0;
      else if (v >= ctx.lastStart) ctx.pattern[uv] = BC[i] > 0 ? 1 : 0;
    }
    const total = 2 ** k;
    if (!ctx.sink && !ctx.onTick) {
      ctx.stats.regions += total;
      return true;
    }
    const x = this.point;
    for (let s1 = 0; s1 < 2 ** j; s1++) {
      if (ctx.sink && (k > j || s1 === 0)) this.patternMargin(s1, j, k, p, m); // V for this pattern of the earlier units
      for (let s2 = 0; s2 < 2 ** (k - j); s2++) {
        const signs = s1 | (s2 << j);
        for (let a = 0; a < k; a++) ctx.pattern[units[a]] = (signs >> a) & 1;
        ctx.stats.regions++;
        if (ctx.sink) {
          centralPoint(this.ws, p, ctx.box.lo, ctx.box.hi, k, signs, x);
          ctx.sink(ctx.pattern, x, margin);
        }
        if (ctx.onTick && ctx.stats.regions % ctx.progressEvery === 0) ctx.onTick();
      }
    }
    return true;
  }

  /**
   * The central margin at p for one sign pattern s1 of the group's j units of the layer before the last: the last
   * layer's normals are those of the child s1 (the base forms plus the units s1 turns on). Uses the normals' first j
   * rows as they are and rewrites rows j … k − 1.
   */
  private patternMargin(s1: number, j: number, k: number, p: Float64Array, m: number): number {
    const ctx = this.ctx;
    const n0 = ctx.n0, normals = this.normals, units = this.units, residual = this.residuals;
    const BA = this.baseA, BC = this.baseC;
    const L = ctx.lastLayer, W = ctx.layers[L].weights, width = ctx.layers[L].inDim;
    const A1 = j > 0 ? ctx.formA[L - 1] : BA, C1 = j > 0 ? ctx.formC[L - 1] : BC, on = 1 - ctx.prevSlope;
    for (let a = 0; a < k; a++) {
      let h = 0, off: number;
      const row = normals.subarray(a * n0, (a + 1) * n0);
      if (a < j) off = this.offsets[a];
      else {
        const r = ctx.unitIndex[units[a]];
        row.set(BA.subarray(r * n0, (r + 1) * n0));
        let c = BC[r];
        for (let t = 0; t < j; t++) {
          if (!((s1 >> t) & 1)) continue;
          const i = ctx.unitIndex[units[t]], w = W[r * width + i] * on;
          if (w === 0) continue;
          for (let q = 0; q < n0; q++) row[q] += w * A1[i * n0 + q];
          c += w * C1[i];
        }
        let nu = 0;
        for (let q = 0; q < n0; q++) nu += row[q] * row[q];
        nu = Math.sqrt(nu);
        if (nu <= ctx.zeroNorm[L][r]) return -Infinity;
        for (let q = 0; q < n0; q++) row[q] /= nu;
        off = -c / nu;
      }
      for (let q = 0; q < n0; q++) h += row[q] * p[q];
      residual[a] = h - off;
    }
    return centralMargin(this.ws, p, ctx.box.lo, ctx.box.hi, normals, residual, k, this.rows, this.margins, m);
  }

  /**
   * The last layer's forms on the current cell with the remaining units of the layer before it off (their stable ones
   * as the bounds say), into baseA/C: A = W D A_prev, c = W D c_prev + b (as computeForms, for a pattern that
   * is not the search's yet).
   */
  private lastLayerBase(u: number): void {
    const ctx = this.ctx;
    const L = ctx.lastLayer, P = L - 1, n0 = ctx.n0, layer = ctx.layers[L], width = layer.inDim;
    const A1 = ctx.formA[P], C1 = ctx.formC[P], flagsP = ctx.flags[P], prevStart = ctx.centralStart;
    const BA = this.baseA, BC = this.baseC, slope = ctx.prevSlope;
    BA.fill(0);
    for (let r = 0; r < layer.outDim; r++) {
      let c = layer.bias[r];
      for (let i = 0; i < width; i++) {
        const v = prevStart + i;
        // Decided units as the search set them; later ones: stable as the bounds say, unstable (the group's) off.
        const active = v < u ? ctx.pattern[v] === 1 : flagsP[i] > 0;
        const w = layer.weights[r * width + i] * (active ? 1 : slope);
        if (w === 0) continue;
        c += w * C1[i];
        for (let q = 0; q < n0; q++) BA[r * n0 + q] += w * A1[i * n0 + q];
      }
      BC[r] = c;
    }
  }
}
