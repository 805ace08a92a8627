/**
 * The scale-free form of a counting problem. The linear regions of a piecewise-linear network inside a box do not
 * change when a hidden unit's row and bias are multiplied by c > 0 and its outgoing weights by 1/c (ReLU, leaky ReLU
 * and maxout are positively homogeneous: σ(cz) = cσ(z), max(cz) = c·max(z)), nor under an affine change of inputs
 * x = shift + s ⊙ u folded into the first layer (the box maps to a box). Counters apply every tolerance (interior
 * threshold, zero rows, LP tolerances) to this form, so a tolerance means the same thing whatever the units of the
 * weights and inputs.
 *
 * Every factor is a power of two, so the rescaling is exact in floating point (no rounding, barring overflow and
 * subnormals) and the identity on data already at unit scale: the fixtures' rows and their boxes [0, 1] and [−1, 1]
 * are left bit for bit as they are, and so are their counts. Core-safe (no Node APIs).
 */
import type { Box, DenseLayer, Network } from "./network.ts";
import { hiddenLayers } from "./network.ts";
import type { PreActivationBounds } from "./interval.ts";

/** A problem whose numbers no scaling brings into floating-point range (the CLI reports it as one line, exit 2). */
export class ScaleError extends Error {
  override name = "ScaleError";
}

/** floor(log2 |x|) for finite x ≠ 0, exactly (Math.log2 alone may be off by one next to powers of two). */
export function exponentOf(x: number): number {
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (pow2(e) > a) e--;
  else if (pow2(e + 1) <= a) e++;
  return e;
}

/** 2^e for any integer e (2^e itself may lie outside the double range while x·2^e does not: see {@link scaleByPow2}). */
function pow2(e: number): number {
  return e > 1023 ? 2 ** 1023 * 2 ** (e - 1023) : e < -1022 ? 2 ** -1022 * 2 ** (e + 1022) : 2 ** e;
}

/** x · 2^e, exact whenever the result is a normal double (applied in steps so that no factor overflows). */
export function scaleByPow2(x: number, e: number): number {
  if (!Number.isFinite(e)) return x * 2 ** e; // 0, ±Infinity or NaN at once (the steps below would never end)
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** The result of {@link normaliseUnits}: the rescaled network and, per hidden layer and pre-activation, the exponent
 * e with which that row (and its bias) was multiplied by 2^−e. */
export interface NormalisedUnits {
  net: Network;
  exponents: Int32Array[];
  /** True when every exponent is 0 (the network came back unchanged). */
  identity: boolean;
}

/**
 * Rescale every hidden unit by a power of two so that the largest entry of its row and bias (its pieces' rows, for
 * maxout) lies in [1, 2), pushing the inverse factor into the next layer's column; the output layer takes the
 * factors of its columns only. The network computes the same function (exactly, barring overflow) and has the same
 * regions. Idempotent. Throws {@link ScaleError} when the output layer cannot hold the pushed factors.
 */
export function normaliseUnits(net: Network): NormalisedUnits {
  const hidden = hiddenLayers(net);
  const exponents: Int32Array[] = [];
  const layers: DenseLayer[] = [];
  // Exponent of each input of the current layer (the previous layer's units were multiplied by 2^−e: columns × 2^e).
  let colExp = new Int32Array(net.inputDim);
  let identity = true;
  for (let l = 0; l < net.layers.length; l++) {
    const layer = net.layers[l], width = layer.inDim, W = layer.weights, b = layer.bias;
    const last = l === hidden.length;
    const group = layer.activation.kind === "maxout" ? layer.activation.rank : 1;
    const rowExp = new Int32Array(layer.outDim);
    if (!last) {
      for (let g0 = 0; g0 < layer.outDim; g0 += group) {
        // Largest exponent of the group's entries after the column factors (computed without forming them).
        let E = -Infinity;
        for (let r = g0; r < g0 + group; r++) {
          if (b[r] !== 0) E = Math.max(E, exponentOf(b[r]));
          for (let k = 0; k < width; k++) {
            const w = W[r * width + k];
            if (w !== 0) E = Math.max(E, exponentOf(w) + colExp[k]);
          }
        }
        const e = E === -Infinity ? 0 : E; // an all-zero unit stays as it is
        for (let r = g0; r < g0 + group; r++) rowExp[r] = e;
        if (e !== 0) identity = false;
      }
    }
    let changed = false;
    for (let k = 0; k < width && !changed; k++) changed = colExp[k] !== 0;
    for (let r = 0; r < layer.outDim && !changed; r++) changed = rowExp[r] !== 0;
    if (!changed) layers.push(layer);
    else {
      const W2 = new Float64Array(W.length), b2 = new Float64Array(b.length);
      for (let r = 0; r < layer.outDim; r++) {
        b2[r] = scaleByPow2(b[r], -rowExp[r]);
        for (let k = 0; k < width; k++) W2[r * width + k] = scaleByPow2(W[r * width + k], colExp[k] - rowExp[r]);
      }
      if (last) {
        for (let i = 0; i < W2.length; i++) {
          if (!Number.isFinite(W2[i])) {
            throw new ScaleError("the output layer's weights overflow once the hidden units are brought to unit scale (weights beyond the double range)");
          }
        }
      }
      layers.push({ ...layer, weights: W2, bias: b2 });
    }
    if (!last) {
      exponents.push(rowExp);
      const units = layer.outDim / group;
      const next = new Int32Array(units);
      for (let i = 0; i < units; i++) next[i] = rowExp[i * group];
      colExp = next;
    }
  }
  return { net: identity ? net : { inputDim: net.inputDim, layers }, exponents, identity };
}

/**
 * {@link normaliseUnits}, then the output layer multiplied by one power of two so that its largest entry lies in
 * [1, 2): the outputs are those of the network times one positive constant, so the predicted class (argmax, or f > 0
 * for one output), the regions and the class boundaries are the same, while the outputs' forms are of unit scale
 * (a classifier whose outputs are all near 1e-300 would otherwise have every class margin below the geometry's
 * zero-gradient cut-off and no boundary at all). Throws {@link ScaleError} as normaliseUnits does.
 */
export function normaliseClassifier(net: Network): Network {
  const units = normaliseUnits(net).net;
  const last = units.layers[units.layers.length - 1];
  let E = -Infinity;
  for (const arr of [last.weights, last.bias]) for (const v of arr) if (v !== 0) E = Math.max(E, exponentOf(v));
  if (E === -Infinity || E === 0) return units;
  const scaled = { ...last, weights: last.weights.map((v) => scaleByPow2(v, -E)), bias: last.bias.map((v) => scaleByPow2(v, -E)) };
  return { inputDim: units.inputDim, layers: [...units.layers.slice(0, -1), scaled] };
}

/** Pre-activation bounds of a network carried over to its {@link normaliseUnits} form (row r scaled by 2^−e_r). */
export function scaleBoundsToUnits(bounds: PreActivationBounds, exponents: Int32Array[]): PreActivationBounds {
  return {
    lower: bounds.lower.map((lo, l) => lo.map((v, r) => scaleByPow2(v, -exponents[l][r]))),
    upper: bounds.upper.map((hi, l) => hi.map((v, r) => scaleByPow2(v, -exponents[l][r]))),
  };
}

/**
 * The input change x = shift + scale ⊙ u that brings a box to unit scale: per coordinate, scale is the power of four
 * with width / scale in [1, 4) (so boxes of width 1 to 4, such as [0, 1] and [−1, 1], keep scale 1), and shift is a
 * whole multiple of it near the centre, 0 when |centre| < {@link SHIFT_AFTER} · scale (the box then lies within a few
 * widths of the origin already, and is left unshifted so that no bias is rounded). Exact: dividing by a power of two
 * does not round.
 */
export interface InputChange {
  scale: Float64Array;
  shift: Float64Array;
  /** True when scale is all 1 and shift all 0 (the box and network are used as they are). */
  identity: boolean;
}

/**
 * A box is shifted only when its centre lies this many scales (≥ 1 width) from the origin: the LP tolerances are
 * absolute on coordinates of size ≲ 10, and below that shifting would only round the biases for nothing.
 */
export const SHIFT_AFTER = 4;

/** The {@link InputChange} of a box (finite lo < hi). */
export function unitScaleChange(box: Box): InputChange {
  const n = box.lo.length, scale = new Float64Array(n), shift = new Float64Array(n);
  let identity = true;
  for (let j = 0; j < n; j++) {
    const lo = box.lo[j], hi = box.hi[j];
    // Half-width and centre without overflow (hi − lo may exceed the double range for a box like ±1e308).
    const half = hi / 2 - lo / 2, centre = lo / 2 + hi / 2;
    if (!(half > 0) || !Number.isFinite(half)) throw new ScaleError(`coordinate ${j + 1} of the box has no positive finite width`);
    // width = 2·half; 4^m ≤ width < 4^(m+1) with m = floor((log2 half + 1) / 2).
    const m = Math.floor((exponentOf(half) + 1) / 2);
    if (2 * m > 1023) throw new ScaleError(`coordinate ${j + 1} of the box, [${lo}, ${hi}], is wider than the double range`);
    const s = pow2(2 * m);
    scale[j] = s;
    shift[j] = Math.abs(centre) < SHIFT_AFTER * s ? 0 : s * Math.round(centre / s);
    if (s !== 1 || shift[j] !== 0) identity = false;
  }
  return { scale, shift, identity };
}

/** Fold an {@link InputChange} into the first layer and map the box: the same regions, in u coordinates. */
export function changeInputs(net: Network, box: Box, change: InputChange): { net: Network; box: Box } {
  if (change.identity) return { net, box };
  const n0 = net.inputDim, L = net.layers[0], { scale, shift } = change;
  const W = new Float64Array(L.weights.length), b = Float64Array.from(L.bias);
  for (let r = 0; r < L.outDim; r++) {
    for (let j = 0; j < n0; j++) {
      const w = L.weights[r * n0 + j];
      W[r * n0 + j] = w * scale[j];
      if (shift[j] !== 0) b[r] += w * shift[j];
    }
    if (!Number.isFinite(b[r]) || W.subarray(r * n0, (r + 1) * n0).some((v) => !Number.isFinite(v))) {
      throw new ScaleError(`unit ${r + 1} of the first layer overflows over the box (weights × box coordinates beyond the double range)`);
    }
  }
  const lo = new Float64Array(n0), hi = new Float64Array(n0);
  for (let j = 0; j < n0; j++) {
    lo[j] = (box.lo[j] - shift[j]) / scale[j];
    hi[j] = (box.hi[j] - shift[j]) / scale[j];
  }
  return { net: { inputDim: n0, layers: [{ ...L, weights: W, bias: b }, ...net.layers.slice(1)] }, box: { lo, hi } };
}

/** A point u of the changed inputs as the original x = shift + scale ⊙ u (into `out`). */
export function toOriginalInput(change: InputChange, u: ArrayLike<number>, out: Float64Array = new Float64Array(u.length)): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = change.shift[j] + change.scale[j] * u[j];
  return out;
}

/** A radius in u coordinates as a radius of a ball that fits in the image ellipsoid in x coordinates (× min scale). */
export function toOriginalRadius(change: InputChange, r: number): number {
  let s = Infinity;
  for (let j = 0; j < change.scale.length; j++) s = Math.min(s, change.scale[j]);
  return r * s;
}

/**
 * Smallest interior threshold a count judges at unit scale. Margins are computed from unit normals and coordinates
 * of a few units, with a round-off of about n0 · |u| · 2^−53 ≲ 1e-12 for 784 inputs; every accepted region is
 * certified by such a computed margin (LP answers near the threshold go to the exact oracle), so 1e-11 keeps the
 * threshold ten times above that round-off (the engine's 1e-11 strip test, test/geometry-partition.test.ts, counts
 * right there).
 */
export const MIN_UNIT_THRESHOLD = 1e-11;

/**
 * The interior threshold at unit scale for a threshold T in the model's input units: T / S with S the largest input
 * scale, when the box is at unit scale or larger (T keeps its meaning, a radius in input units); T itself when every
 * scale is below 1 (a box smaller than unit scale: the rule shrinks with the box, so a tiny box still holds its
 * regions). Throws {@link ScaleError} when that is below {@link MIN_UNIT_THRESHOLD}: the box is too large for T.
 */
export function unitThreshold(threshold: number, inputs: InputChange): number {
  let S = 1;
  for (let j = 0; j < inputs.scale.length; j++) S = Math.max(S, inputs.scale[j]);
  const t = threshold / S;
  if (!(t >= MIN_UNIT_THRESHOLD)) {
    // Rounded up to two significant digits, so that the value suggested passes.
    const raw = MIN_UNIT_THRESHOLD * S, step = 10 ** (Math.floor(Math.log10(raw)) - 1);
    const least = Number((Math.ceil(raw / step) * step).toPrecision(2));
    throw new ScaleError(
      `--threshold ${threshold} is finer than a count can judge in this box (inputs at scale ${S.toPrecision(3)}: ` +
        `radii down to ${least}): ${least < 1 ? `give --threshold ${least} or more, or a smaller box` : "give a smaller box"}`,
    );
  }
  return t;
}

/** A network and box at unit scale: inputs changed ({@link unitScaleChange}), then units ({@link normaliseUnits}). */
export interface UnitScaleProblem {
  net: Network;
  box: Box;
  inputs: InputChange;
  /** The units' exponents (for carrying bounds of the input-changed network over). */
  exponents: Int32Array[];
  /** The interior threshold at unit scale ({@link unitThreshold}), when one was given. */
  threshold: number;
}

/**
 * The scale-free form of counting `net`'s regions in `box` with interior threshold `threshold`. Throws {@link ScaleError} when no rescaling brings the
 * problem into floating-point range (a box or weights beyond it).
 */
export function unitScaleProblem(net: Network, box: Box, threshold: number): UnitScaleProblem {
  const inputs = unitScaleChange(box);
  const t = unitThreshold(threshold, inputs);
  const changed = changeInputs(net, box, inputs);
  const units = normaliseUnits(changed.net);
  return { net: units.net, box: changed.box, inputs, exponents: units.exponents, threshold: t };
}
