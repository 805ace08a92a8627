/**
 * Exact distance from a point to the nearest class boundary (the nearest point where the argmax of the output
 * changes), by a best-first search over linear regions. On a region the output is affine, f(x) = J x + c, so the
 * points of region P where class i ≥ the predicted class c form the polyhedron P ∩ {(J_i − J_c) · x ≥ c_c − c_i};
 * the distance to it is a projection (2-norm) or an LP (∞-norm). Regions are visited in increasing distance from the
 * centre (a priority queue keyed by a certified lower bound of each region's distance; neighbours across facets
 * differ in one unit's decision), and the search stops when the next key is no smaller than the best distance found:
 * every region it has not opened is at least that far. Regions within distance d of x0 are reached through regions
 * within d (the segment from x0 to a point of the region stays within d), so nothing nearer is skipped.
 * Core-safe.
 */
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import { evaluate, patternToString, regionForms, type ActivationPattern } from "../model/evaluate.ts";
import { zeroRowThresholds } from "../count/unit-forms.ts";
import { intervalBounds, reluStability, type PreActivationBounds } from "../tighten/interval.ts";
import type { Highs } from "../lp/highs.ts";
import { loadHighs } from "../lp/highs.ts";
import { type BallNorm, clampToBox, normOf } from "./ball.ts";
import { polyhedronDistance } from "./polyhedron-distance.ts";
import { requireLayerwise } from "../model/lower.ts";
import { exponentOf, normaliseUnits, scaleByPow2 } from "../model/normalise.ts";

/** Regions the search may open before it stops and reports a lower bound (each costs ~N + classes distance solves). */
export const DEFAULT_MAX_REGIONS = 2000;

/** Options of {@link distanceToClassBoundary}. */
export interface ClassBoundaryOptions {
  /** Search inside this domain (the model's input box). */
  domain?: Box;
  /** Without a domain, the search is confined to the box x0 ± maxDistance (default 10 · (1 + ‖x0‖_∞)). */
  maxDistance?: number;
  /** Stop after opening this many regions (default {@link DEFAULT_MAX_REGIONS}); the answer is then a lower bound. */
  maxRegions?: number;
  /** HiGHS for the ∞-norm LPs (loaded when missing). */
  highs?: Highs;
}

/** The nearest class boundary. */
export interface ClassBoundaryDistance {
  /** Exact distance when `exact`, else a certified lower bound ("≥ distance"). Infinity: no other class in the search box. */
  distance: number;
  exact: boolean;
  /** The class predicted at x0 (first maximal output). */
  predicted: number;
  /** The class reached at the nearest boundary point found (−1 when none was found). */
  otherClass: number;
  /** The nearest boundary point found (where f_other ≥ f_predicted). */
  point?: Float64Array;
  /** Its distance: an upper bound on the true distance (equal to `distance` when exact). */
  upper: number;
  regionsOpened: number;
}

interface Polyhedron {
  rows: Float64Array;
  rhs: Float64Array;
  m: number;
  /** A constant unit contradicts the pattern: the polyhedron is empty. */
  empty: boolean;
}

/**
 * The half-spaces of the region of `pattern` (units stable over the search box left out: they hold everywhere in it).
 * A row whose normal is below its zero threshold (`zero`: zeroRowThresholds with the output layer, relative to the
 * magnitude its forms can reach) is constant on the region; every other row is scaled by a power of two to a 2-norm in
 * [1, 2) (exact), so that the projection's and HiGHS's tolerances judge the geometry and not the weights' units.
 */
function regionPolyhedron(
  net: Network,
  pattern: ActivationPattern,
  stable: PreActivationBounds,
  zero: Float64Array[],
  extra?: { row: Float64Array; rhs: number; zeroNorm: number },
) {
  const n = net.inputDim;
  const forms = regionForms(net, pattern);
  const rows: number[] = [], rhs: number[] = [];
  let empty = false;
  const push = (grad: ArrayLike<number>, offset: number, zeroNorm: number) => {
    // grad · x + offset ≥ 0. The 2-norm taken after dividing by the largest entry, so that rows of 1e200 do not square
    // to Infinity nor rows of 1e-200 to 0.
    let big = 0, s = 0;
    for (let j = 0; j < n; j++) big = Math.max(big, Math.abs(grad[j]));
    if (big > 0) for (let j = 0; j < n; j++) s += (grad[j] / big) ** 2;
    const norm = big * Math.sqrt(s);
    if (norm <= zeroNorm) {
      if (offset < 0) empty = true;
      return;
    }
    const e = -exponentOf(norm);
    for (let j = 0; j < n; j++) rows.push(scaleByPow2(grad[j], e));
    rhs.push(-scaleByPow2(offset, e));
  };
  let off = 0;
  const diff = new Float64Array(n);
  hiddenLayers(net).forEach((layer, l) => {
    const { J, c } = forms.preActivations[l];
    const a = layer.activation;
    if (a.kind === "relu" || a.kind === "leaky-relu") {
      for (let r = 0; r < layer.outDim; r++) {
        if (reluStability(stable.lower[l][r], stable.upper[l][r]) !== 0) continue;
        const s = pattern[off + r] ? 1 : -1;
        const g = J.subarray(r * n, (r + 1) * n).map((v) => s * v);
        push(g, s * c[r], zero[l][r]);
      }
    } else if (a.kind === "maxout") {
      const k = a.rank;
      for (let u = 0; u < unitsOf(layer); u++) {
        const w = u * k + pattern[off + u];
        for (let q = 0; q < k; q++) {
          if (q === pattern[off + u]) continue;
          for (let j = 0; j < n; j++) diff[j] = J[w * n + j] - J[(u * k + q) * n + j];
          push(diff, c[w] - c[u * k + q], zero[l][w] + zero[l][u * k + q]); // a difference of two forms
        }
      }
    }
    off += unitsOf(layer);
  });
  if (extra) push(extra.row, -extra.rhs, extra.zeroNorm);
  const poly: Polyhedron = { rows: Float64Array.from(rows), rhs: Float64Array.from(rhs), m: rhs.length, empty };
  return { poly, output: forms.output };
}

/** The patterns across each facet candidate: one unit's decision changed (ReLU: flipped; maxout: another piece). */
function neighbours(net: Network, pattern: ActivationPattern, stable: PreActivationBounds): ActivationPattern[] {
  const out: ActivationPattern[] = [];
  let off = 0;
  hiddenLayers(net).forEach((layer, l) => {
    const a = layer.activation;
    for (let u = 0; u < unitsOf(layer); u++) {
      if ((a.kind === "relu" || a.kind === "leaky-relu") && reluStability(stable.lower[l][u], stable.upper[l][u]) === 0) {
        const p = Uint8Array.from(pattern);
        p[off + u] ^= 1;
        out.push(p);
      } else if (a.kind === "maxout") {
        for (let q = 0; q < a.rank; q++) {
          if (q === pattern[off + u]) continue;
          const p = Uint8Array.from(pattern);
          p[off + u] = q;
          out.push(p);
        }
      }
    }
    off += unitsOf(layer);
  });
  return out;
}

/** A binary min-heap of regions keyed by their distance lower bound. */
class RegionQueue {
  private readonly keys: number[] = [];
  private readonly items: ActivationPattern[] = [];
  get size(): number {
    return this.keys.length;
  }
  peekKey(): number {
    return this.keys.length ? this.keys[0] : Infinity;
  }
  push(key: number, item: ActivationPattern): void {
    const k = this.keys, it = this.items;
    k.push(key);
    it.push(item);
    let i = k.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= k[i]) break;
      [k[p], k[i]] = [k[i], k[p]];
      [it[p], it[i]] = [it[i], it[p]];
      i = p;
    }
  }
  pop(): { key: number; item: ActivationPattern } {
    const k = this.keys, it = this.items;
    const top = { key: k[0], item: it[0] };
    const lastK = k.pop()!, lastI = it.pop()!;
    if (k.length) {
      k[0] = lastK;
      it[0] = lastI;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let s = i;
        if (l < k.length && k[l] < k[s]) s = l;
        if (r < k.length && k[r] < k[s]) s = r;
        if (s === i) break;
        [k[s], k[i]] = [k[i], k[s]];
        [it[s], it[i]] = [it[i], it[s]];
        i = s;
      }
    }
    return top;
  }
}

/**
 * Exact distance from x0 to the nearest point where the predicted class changes (argmax f ≠ argmax f(x0), ties
 * included), within the domain, in the 2-norm or ∞-norm. Capped by `maxRegions`: then the result is "≥ distance".
 */
export async function distanceToClassBoundary(
  model: Network,
  x0: ArrayLike<number>,
  norm: BallNorm,
  opts: ClassBoundaryOptions = {},
): Promise<ClassBoundaryDistance> {
  requireLayerwise(model, "the class boundary distance");
  // Units at unit scale (exact powers of two): the same regions and the same function (the output layer takes the
  // inverse factors), with forms that neither overflow nor underflow. Throws ScaleError when the outputs overflow.
  const net = normaliseUnits(model).net;
  const n = net.inputDim;
  const highs = norm === "inf" ? (opts.highs ?? (await loadHighs())) : undefined;
  let box = opts.domain;
  if (!box) {
    const reach = opts.maxDistance ?? 10 * (1 + normOf(x0, "inf"));
    box = { lo: Float64Array.from(x0, (v) => v - reach), hi: Float64Array.from(x0, (v) => v + reach) };
  }
  // Units stable over the search box: their rows hold everywhere in it, and their decisions never flip.
  const stable = intervalBounds(net, box);
  // Zero-normal thresholds of the hidden units and (last) of the outputs, relative to their forms' magnitudes.
  const zero = zeroRowThresholds(net, true), zeroOut = zero[zero.length - 1];
  const { output } = evaluate(net, x0);
  let predicted = 0;
  for (let i = 1; i < output.length; i++) if (output[i] > output[predicted]) predicted = i;
  const maxRegions = opts.maxRegions ?? DEFAULT_MAX_REGIONS;
  // Boundary pieces whose projection stopped at its iteration limit: the answer is exact only below them. (Region
  // keys need no such care: an unconverged key is still a certified lower bound.)
  let unresolved = Infinity;
  const dist = (poly: Polyhedron, cap: number, target: boolean) => {
    if (poly.empty) return { lower: Infinity, upper: Infinity, point: undefined };
    const d = polyhedronDistance(x0, poly.rows, poly.rhs, poly.m, box, norm, { highs, cap });
    if (target && !d.converged) unresolved = Math.min(unresolved, d.lower);
    return d;
  };

  let best = Infinity, otherClass = -1;
  let point: Float64Array | undefined;
  const seen = new Set<string>();
  const queue = new RegionQueue();
  // Start from the region of the domain point nearest to x0 (x0 itself when it is inside).
  const start = evaluate(net, clampToBox(x0, box)).pattern;
  seen.add(patternToString(start));
  queue.push(0, start);
  let opened = 0;
  while (queue.size && queue.peekKey() < best && opened < maxRegions) {
    const { item: pattern } = queue.pop();
    opened++;
    const { output: f } = regionForms(net, pattern);
    // Class i ≥ class `predicted` inside this region.
    for (let i = 0; i < f.rows; i++) {
      if (i === predicted) continue;
      const row = new Float64Array(n);
      for (let j = 0; j < n; j++) row[j] = f.J[i * n + j] - f.J[predicted * n + j];
      const margin = { row, rhs: f.c[predicted] - f.c[i], zeroNorm: zeroOut[i] + zeroOut[predicted] };
      const { poly } = regionPolyhedron(net, pattern, stable, zero, margin);
      const d = dist(poly, best, true);
      if (d.upper < best && d.point) {
        best = d.upper;
        otherClass = i;
        point = d.point;
      }
    }
    for (const p of neighbours(net, pattern, stable)) {
      const key = patternToString(p);
      if (seen.has(key)) continue;
      seen.add(key);
      const d = dist(regionPolyhedron(net, p, stable, zero).poly, best, false);
      if (d.lower < best) queue.push(d.lower, p);
    }
  }
  const floor = Math.min(queue.size ? queue.peekKey() : Infinity, unresolved);
  const exact = floor >= best;
  return { distance: exact ? best : floor, exact, predicted, otherClass, point, upper: best, regionsOpened: opened };
}
