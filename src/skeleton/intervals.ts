/**
 * `intervalCount`: the linear regions of a 1-input network on an interval [lo, hi], exactly, with no LP. Along the
 * line every pre-activation of layer l is affine between consecutive breakpoints of layers < l, so layer by layer
 * the breakpoints of its units are the zeros of g (ReLU, leaky ReLU) or the points where the upper envelope of a
 * maxout unit's pieces changes piece (any rank), found in each current interval from the values at its end points;
 * this is the 1-D case of the region-refinement view of Hanin & Rolnick (ICML 2019, "Complexity of linear regions",
 * §2: regions are cut by the bent hyperplanes layer after layer).
 *
 * The breakpoints only find the patterns: each final interval's pattern is read by evaluating the network at its
 * midpoint, adjacent intervals with one pattern are one region, and each region is then judged from its own affine
 * forms (`regionForms`), exactly as the LP engine judges it: its hyperplane points z = −β/α of every unit form
 * α x + β (maxout: g_p − g_m for the region's piece p and every other m), the region [max(lo, L), min(hi, R)] between
 * the nearest of them, and its margin max_x min(x − L, R − x) over that interval against the threshold. A pattern met
 * twice apart, a margin within round-off of the threshold, or a threshold below the breakpoints' resolution throws
 * {@link SkeletonUndecided}: the caller counts with a certified method instead. Isomorphic: no Node APIs.
 */
import { ZERO_ROW_NORM } from "../count/engine.ts";
import { interiorThreshold } from "../count/session.ts";
import { activate, applyDense, patternToString, type ActivationPattern } from "../model/evaluate.ts";
import type { Box, DenseLayer, Network } from "../model/network.ts";
import { hiddenLayers, outputWidthOf, unitsOf } from "../model/network.ts";
import { SkeletonUndecided, SkeletonUnsupported } from "./complex.ts";

/**
 * A unit's value at a breakpoint is zero when |g| ≤ INTERVAL_ZERO_RELATIVE · s, s = |b| + Σ_k |w_k| max |h_k| (the
 * magnitude of the terms g sums): round-off of g is a few ulps of s per layer (≈ 1e-16 · s · depth), so 1e-11 leaves
 * five orders of magnitude, as the skeleton's ZERO_RELATIVE does.
 */
export const INTERVAL_ZERO_RELATIVE = 1e-11;

/**
 * Two breakpoints closer than BREAKPOINT_RELATIVE × (hi − lo) are one (a unit's zero placed on another's): a zero
 * interpolated in an interval is off by a few ulps of the interval's coordinates (1e-16 relative), so 1e-12 covers it
 * with room to spare. An interval that short holds no region: a region's margin is at most its length.
 */
export const BREAKPOINT_RELATIVE = 1e-12;

/**
 * The threshold must exceed the breakpoint resolution by this factor, so that a region that counts (length above
 * the threshold) is longer than any merged-away sliver and its pattern is read at an interior point.
 */
export const RESOLUTION_FACTOR = 1e3;

/**
 * Margins within MARGIN_ROUNDOFF_RELATIVE × (hi − lo) of the threshold are undecided: a hyperplane point −β/α is
 * computed to a few ulps of the box's coordinates; 1e-13 covers them and is far below any threshold asked for.
 */
export const MARGIN_ROUNDOFF_RELATIVE = 1e-13;

/** One region on the line. */
export interface IntervalRegion {
  /** Activation pattern (as `evaluate` encodes it). */
  pattern: ActivationPattern;
  /** The region: [lo, hi] ⊆ the box (from its affine forms). */
  lo: number;
  hi: number;
  /** The point of the region farthest from its hyperplane points (the engine's centre). */
  point: Float64Array;
  /** The margin of `point`: its distance to the nearest hyperplane point of the pattern's units. */
  radius: number;
}

/** Options of {@link intervalCount}. */
export interface IntervalCountOptions {
  box: Box;
  threshold?: number;
  onRegion?: (region: IntervalRegion) => void;
}

/** Result of {@link intervalCount}. */
export interface IntervalCountResult {
  method: "intervals";
  regions: number;
  /** Breakpoints found inside the box (all layers, before merging intervals with one pattern). */
  breakpoints: number;
  /** Intervals between them, and regions of margin ≤ threshold (thin, not counted). */
  intervals: number;
  thin: number;
  /**
   * Units with no breakpoint in the box, per hidden layer: always active / inactive (maxout: on one piece, counted
   * active when that piece's index is > 0, as its pattern entry is).
   */
  stableActive: number[];
  stableInactive: number[];
  threshold: number;
  seconds: number;
}

/** Why `net` cannot be counted by intervals, or undefined. */
export function intervalSupport(net: Network): string | undefined {
  if (net.inputDim !== 1) return `intervals count 1-input networks, this model has ${net.inputDim} inputs`;
  for (const layer of hiddenLayers(net)) {
    const k = layer.activation.kind;
    if (k !== "relu" && k !== "leaky-relu" && k !== "maxout") return `intervals need ReLU, leaky ReLU or maxout hidden layers, not ${k}`;
  }
  return undefined;
}

/**
 * Count the regions of a 1-input network in `opts.box` by its breakpoints. Throws SkeletonUnsupported for networks
 * it does not handle and SkeletonUndecided where round-off leaves a region in doubt.
 *
 * @example
 * intervalCount(net, { box: uniformBox(1, -1, 1) }).regions; // 13 for random-1-8-8-s3
 */
export function intervalCount(net: Network, opts: IntervalCountOptions): IntervalCountResult {
  const t0 = now();
  const why = intervalSupport(net);
  if (why) throw new SkeletonUnsupported(why);
  const threshold = interiorThreshold(opts.threshold);
  const lo = opts.box.lo[0];
  const hi = opts.box.hi[0];
  const len = hi - lo;
  if (!(len > 0)) throw new SkeletonUnsupported(`the box [${lo}, ${hi}] is empty`);
  const merge = BREAKPOINT_RELATIVE * len;
  if (!(threshold > RESOLUTION_FACTOR * merge)) {
    throw new SkeletonUndecided(`the threshold ${threshold} is below the intervals' resolution ${(RESOLUTION_FACTOR * merge).toExponential(1)}`);
  }
  const { points, breakpoints, stableActive, stableInactive } = breakpointsOf(net, lo, hi, merge);

  // Patterns at the midpoints; adjacent intervals with one pattern are one region. Each region is judged from its
  // own affine forms; the forward pass and the forms reuse one set of buffers (no allocation per interval).
  const scratch = new RegionScratch(net);
  const units = scratch.pattern.length;
  let runPattern = new Uint8Array(units);
  let havePattern = false;
  const seen = new Set<string>();
  let regions = 0;
  let thin = 0;
  const slack = MARGIN_ROUNDOFF_RELATIVE * len;
  const judge = (pattern: Uint8Array) => {
    const key = patternToString(pattern);
    if (seen.has(key)) throw new SkeletonUndecided(`pattern ${key} met in two intervals apart (round-off in the breakpoints)`);
    seen.add(key);
    const r = scratch.region(pattern, lo, hi);
    if (Math.abs(r.radius - threshold) <= slack) throw new SkeletonUndecided(`a region's margin ${r.radius} is within round-off of the threshold ${threshold}`);
    if (!(r.radius > threshold)) {
      thin++;
      return;
    }
    regions++;
    opts.onRegion?.({ pattern: Uint8Array.from(pattern), lo: r.lo, hi: r.hi, point: Float64Array.of(r.x), radius: r.radius });
  };
  for (let k = 0; k + 1 < points.length; k++) {
    const pattern = scratch.patternAt(0.5 * (points[k] + points[k + 1]));
    if (havePattern && samePattern(pattern, runPattern)) continue;
    if (havePattern) judge(runPattern);
    runPattern.set(pattern);
    havePattern = true;
  }
  if (havePattern) judge(runPattern);
  runPattern = new Uint8Array(0);
  return { method: "intervals", regions, breakpoints, intervals: points.length - 1, thin, stableActive, stableInactive, threshold, seconds: (now() - t0) / 1000 };
}

/** The sorted breakpoints (with lo and hi) of every hidden unit on [lo, hi], layer by layer. */
function breakpointsOf(net: Network, lo: number, hi: number, merge: number) {
  const hidden = hiddenLayers(net);
  let points = [lo, hi];
  let breakpoints = 0;
  const stableActive: number[] = [];
  const stableInactive: number[] = [];
  // H[k]: the previous layer's output at points[k] (the input itself for layer 0).
  let H: Float64Array[] = points.map((x) => Float64Array.of(x));
  for (let l = 0; l < hidden.length; l++) {
    const layer = hidden[l];
    const G = H.map((h) => applyDense(layer, h, new Float64Array(layer.outDim)));
    const tol = rowTolerances(layer, H);
    const units = unitsOf(layer);
    const moved = new Uint8Array(units); // maxout units with a change of piece inside some interval
    const nextPoints: number[] = [points[0]];
    const nextG: Float64Array[] = [G[0]];
    const found: number[] = [];
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k];
      const b = points[k + 1];
      found.length = 0;
      unitBreakpoints(layer, a, b, G[k], G[k + 1], tol, found, moved);
      found.sort((x, y) => x - y);
      // New points inside the interval, in order; one within the resolution of another (or of an end point) is
      // that one. The layer's pre-activations are affine on [a, b]: interpolated at each new point.
      for (const x of found) {
        if (x - nextPoints[nextPoints.length - 1] <= merge || b - x <= merge) continue;
        const t = (x - a) / (b - a);
        nextPoints.push(x);
        nextG.push(G[k].map((v, r) => v + t * (G[k + 1][r] - v)));
      }
      nextPoints.push(b);
      nextG.push(G[k + 1]);
    }
    // Stable units: one closed side at every point (ReLU family: g is affine between points, so the points' signs
    // decide), or (maxout) no change of piece inside an interval and one piece on top at every interval's midpoint.
    let act = 0;
    let inact = 0;
    for (let i = 0; i < units; i++) {
      const side = moved[i] ? 0 : stableSide(layer, G, i, tol);
      if (side > 0) act++;
      else if (side < 0) inact++;
    }
    stableActive.push(act);
    stableInactive.push(inact);
    breakpoints += nextPoints.length - points.length;
    points = nextPoints;
    if (l + 1 < hidden.length) {
      H = nextG.map((g) => {
        const out = new Float64Array(outputWidthOf(layer));
        activate(layer, g, out);
        return out;
      });
    }
  }
  return { points, breakpoints, stableActive, stableInactive };
}

/** Per pre-activation row: INTERVAL_ZERO_RELATIVE × (|b| + Σ_k |w_k| max_points |h_k|). */
function rowTolerances(layer: DenseLayer, H: Float64Array[]): Float64Array {
  const hmax = new Float64Array(layer.inDim);
  for (const h of H) for (let k = 0; k < layer.inDim; k++) hmax[k] = Math.max(hmax[k], Math.abs(h[k]));
  const tol = new Float64Array(layer.outDim);
  for (let r = 0; r < layer.outDim; r++) {
    let s = Math.abs(layer.bias[r]);
    for (let k = 0; k < layer.inDim; k++) s += Math.abs(layer.weights[r * layer.inDim + k]) * hmax[k];
    tol[r] = INTERVAL_ZERO_RELATIVE * s;
  }
  return tol;
}

/**
 * The breakpoints of every unit of `layer` strictly inside [a, b], where its pre-activations are affine with values
 * ga at a and gb at b, appended to `out`; `moved[i]` is set for a maxout unit that changes piece inside.
 */
function unitBreakpoints(layer: DenseLayer, a: number, b: number, ga: Float64Array, gb: Float64Array, tol: Float64Array, out: number[], moved: Uint8Array): void {
  const act = layer.activation;
  if (act.kind !== "maxout") {
    for (let i = 0; i < layer.outDim; i++) {
      const u = ga[i];
      const v = gb[i];
      // A zero strictly inside: the end points lie strictly on opposite sides (beyond round-off).
      if ((u > tol[i] && v < -tol[i]) || (u < -tol[i] && v > tol[i])) {
        out.push(a + (b - a) * (u / (u - v)));
      }
    }
    return;
  }
  // Maxout: walk the upper envelope of the pieces p_j(s) = A_j + s (B_j − A_j), s ∈ [0, 1].
  const rank = act.rank;
  for (let i = 0; i < layer.outDim / rank; i++) {
    const base = i * rank;
    let t = 0;
    for (let j = 1; j < rank; j++) t += tol[base + j] + tol[base];
    const eps = t / (rank - 1 || 1);
    let cur = leader(ga, gb, base, rank, 0, eps);
    let s = 0;
    for (let guard = 0; guard < rank; guard++) {
      const slopeCur = gb[base + cur] - ga[base + cur];
      const atCur = ga[base + cur] + s * slopeCur;
      let next = -1;
      let sNext = Infinity;
      for (let m = 0; m < rank; m++) {
        if (m === cur) continue;
        const slope = gb[base + m] - ga[base + m];
        if (!(slope > slopeCur)) continue;
        const atM = ga[base + m] + s * slope;
        // Piece m overtakes at s + (atCur − atM) / (slope − slopeCur) (≤ s when it is already level within round-off).
        const gap = atCur - atM;
        const sm = gap <= eps ? s : s + gap / (slope - slopeCur);
        if (sm < sNext || (sm === sNext && slope > gb[base + next] - ga[base + next])) {
          sNext = sm;
          next = m;
        }
      }
      if (next < 0 || sNext >= 1) break;
      // A change of piece strictly inside (one at s = 0 is the interval's own end point).
      if (sNext > 0) {
        out.push(a + (b - a) * sNext);
        moved[i] = 1;
      }
      cur = next;
      s = sNext;
    }
  }
}

/** The piece on top just after s (ties within eps: the steepest). */
function leader(ga: Float64Array, gb: Float64Array, base: number, rank: number, s: number, eps: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < rank; j++) {
    const v = ga[base + j] + s * (gb[base + j] - ga[base + j]);
    if (v > bestValue + eps) {
      best = j;
      bestValue = v;
    } else if (v > bestValue - eps && gb[base + j] - ga[base + j] > gb[base + best] - ga[base + best]) {
      best = j;
      bestValue = Math.max(v, bestValue);
    }
  }
  return best;
}

/**
 * 1 if unit i is stable and active on the whole box, −1 if stable and inactive, 0 if it changes (maxout: stable on one
 * piece, active when that piece's index is > 0, as its pattern entry is).
 */
function stableSide(layer: DenseLayer, G: Float64Array[], i: number, tol: Float64Array): number {
  const act = layer.activation;
  if (act.kind !== "maxout") {
    let pos = false;
    let neg = false;
    for (const g of G) {
      if (g[i] > tol[i]) pos = true;
      else if (g[i] < -tol[i]) neg = true;
    }
    return pos && neg ? 0 : pos ? 1 : -1;
  }
  const out = new Float64Array(layer.outDim / act.rank);
  const pattern = new Uint8Array(out.length);
  let piece = -1;
  for (let k = 0; k + 1 < G.length; k++) {
    activate(layer, G[k].map((v, r) => 0.5 * (v + G[k + 1][r])), out, pattern);
    if (piece >= 0 && pattern[i] !== piece) return 0;
    piece = pattern[i];
  }
  return piece > 0 ? 1 : -1;
}

/**
 * `composeAffine` for one input (n0 = 1): J = W A, gc = W c + b, each row summed in a register in `composeAffine`'s
 * order. Terms of units whose output form is zero on the region (A_k = c_k = 0: inactive ReLU units) are left out:
 * they add an exact zero, so J and gc are the same numbers.
 */
function composeLine(layer: DenseLayer, A: Float64Array, c: Float64Array, width: number, J: Float64Array, gc: Float64Array): void {
  const { weights: W, bias: b, outDim } = layer;
  const live = liveScratch.length >= width ? liveScratch : (liveScratch = new Int32Array(2 * width));
  let n = 0;
  for (let k = 0; k < width; k++) if (A[k] !== 0 || c[k] !== 0) live[n++] = k;
  for (let r = 0; r < outDim; r++) {
    let s = b[r];
    let g = 0;
    const base = r * width;
    for (let q = 0; q < n; q++) {
      const k = live[q];
      const w = W[base + k];
      s += w * c[k];
      g += w * A[k];
    }
    gc[r] = s;
    J[r] = g;
  }
}
let liveScratch = new Int32Array(64);

/** Equal activation patterns. */
function samePattern(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The region of `pattern` on [lo, hi] from its affine forms: the nearest hyperplane points L ≤ R either side of it,
 * the interval [max(lo, L), min(hi, R)], and its point of largest margin min(x − L, R − x).
 */
export function regionOf(net: Network, pattern: ActivationPattern, lo: number, hi: number): IntervalRegion {
  const r = new RegionScratch(net).region(pattern, lo, hi);
  return { pattern, lo: r.lo, hi: r.hi, point: Float64Array.of(r.x), radius: r.radius };
}

/**
 * Buffers for the per-interval work of a 1-input network, allocated once: the pattern at a point (the arithmetic of
 * `evaluate`: `applyDense` then `activate`, layer by layer) and a pattern's pre-activation forms (the arithmetic of
 * `regionForms`: `composeAffine`, here {@link composeLine}, and the pattern's slopes), so both give exactly what those functions give.
 */
class RegionScratch {
  readonly pattern: Uint8Array;
  private readonly hidden: DenseLayer[];
  /** Forward pass: input, then per hidden layer its pre-activations and outputs. */
  private readonly x = new Float64Array(1);
  private readonly g: Float64Array[];
  private readonly h: Float64Array[];
  /** Forms: per hidden layer J (n0 = 1: one column) and c of its pre-activations, and of its outputs. */
  private readonly J: Float64Array[];
  private readonly c: Float64Array[];
  private readonly A: Float64Array[];
  private readonly a: Float64Array[];
  private readonly one = Float64Array.of(1);
  private readonly zero = new Float64Array(1);
  /** The last region judged: [lo, hi], its centre x and margin. */
  private readonly out = { lo: 0, hi: 0, x: 0, radius: 0 };

  constructor(private readonly net: Network) {
    this.hidden = hiddenLayers(net);
    this.pattern = new Uint8Array(this.hidden.reduce((s, l) => s + unitsOf(l), 0));
    this.g = this.hidden.map((l) => new Float64Array(l.outDim));
    this.h = this.hidden.map((l) => new Float64Array(outputWidthOf(l)));
    this.J = this.hidden.map((l) => new Float64Array(l.outDim));
    this.c = this.hidden.map((l) => new Float64Array(l.outDim));
    this.A = this.hidden.map((l) => new Float64Array(outputWidthOf(l)));
    this.a = this.hidden.map((l) => new Float64Array(outputWidthOf(l)));
  }

  /** The activation pattern at x (a view, valid until the next call). */
  patternAt(x: number): Uint8Array {
    this.x[0] = x;
    let h: Float64Array = this.x;
    let offset = 0;
    for (let l = 0; l < this.hidden.length; l++) {
      const layer = this.hidden[l];
      applyDense(layer, h, this.g[l]);
      offset += activate(layer, this.g[l], this.h[l], this.pattern, offset);
      h = this.h[l];
    }
    return this.pattern;
  }

  /** The region of `pattern` (see {@link regionOf}); the returned object is reused. */
  region(pattern: ArrayLike<number>, lo: number, hi: number): { lo: number; hi: number; x: number; radius: number } {
    let L = -Infinity;
    let R = Infinity;
    let A: Float64Array = this.one;
    let c: Float64Array = this.zero;
    let width = 1;
    let offset = 0;
    for (let l = 0; l < this.hidden.length; l++) {
      const layer = this.hidden[l];
      const J = this.J[l];
      const gc = this.c[l];
      composeLine(layer, A, c, width, J, gc);
      const act = layer.activation;
      const units = unitsOf(layer);
      // The region is where α x + β ≥ 0 for each unit form: right of its zero for α > 0, left of it for α < 0.
      for (let i = 0; i < units; i++) {
        if (act.kind === "maxout") {
          const p = i * act.rank + pattern[offset + i];
          for (let m = i * act.rank; m < (i + 1) * act.rank; m++) {
            if (m === p) continue;
            const alpha = J[p] - J[m];
            if (Math.abs(alpha) < ZERO_ROW_NORM) continue;
            const z = -(gc[p] - gc[m]) / alpha;
            if (alpha > 0) L = Math.max(L, z);
            else R = Math.min(R, z);
          }
        } else {
          const s = pattern[offset + i] ? 1 : -1;
          const alpha = s * J[i];
          if (Math.abs(alpha) < ZERO_ROW_NORM) continue;
          const z = -(s * gc[i]) / alpha;
          if (alpha > 0) L = Math.max(L, z);
          else R = Math.min(R, z);
        }
      }
      // The layer's output form on the region (as regionForms: the pattern's slope times the unit's form).
      const nextA = this.A[l];
      const nextC = this.a[l];
      const outW = outputWidthOf(layer);
      nextA.fill(0);
      nextC.fill(0);
      for (let i = 0; i < outW; i++) {
        let src = i;
        let scale = 1;
        if (act.kind === "relu") scale = pattern[offset + i] ? 1 : 0;
        else if (act.kind === "leaky-relu") scale = pattern[offset + i] ? 1 : act.alpha;
        else if (act.kind === "maxout") src = i * act.rank + pattern[offset + i];
        if (scale !== 0) {
          nextA[i] = scale * J[src];
          nextC[i] = scale * gc[src];
        }
      }
      offset += units;
      A = nextA;
      c = nextC;
      width = outW;
    }
    const out = this.out;
    const a = Math.max(lo, L);
    const b = Math.min(hi, R);
    out.lo = a;
    out.hi = b;
    if (!(a < b)) {
      out.x = 0.5 * (a + b);
      out.radius = -Infinity;
      return out;
    }
    const centre = L === -Infinity && R === Infinity ? 0.5 * (a + b) : L === -Infinity ? a : R === Infinity ? b : 0.5 * (L + R);
    out.x = Math.min(b, Math.max(a, centre));
    out.radius = Math.min(out.x - L, R - out.x);
    return out;
  }
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
