/**
 * What every room of the counting engine shares: the problem at unit scale (box, threshold, bounds, stable units,
 * zero-normal thresholds), the layout of the units (layer, index, the last layers the certificate and flats work on),
 * the state of the current search path (the forms of the decided layers, the pattern, the branching order, the
 * witnesses, the one MarginLP) and the statistics. One context per enumerator; not reentrant.
 */
import { MarginLP } from "../lp/margin-lp.ts";
import { requireLayerwise } from "../model/lower.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import { normaliseUnits, scaleBoundsToUnits } from "../model/normalise.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { intervalBounds } from "../tighten/interval.ts";
import type { EngineStats, EnumeratorOptions, RegionSink } from "./search-options.ts";
import { interiorThreshold } from "./session.ts";
import { stabilityFlags, zeroRowThresholds } from "./unit-forms.ts";

/** The engine's shared problem, layout and path state (see the module comment). */
export class SearchContext {
  readonly n0: number;
  readonly box: Box;
  readonly threshold: number;
  /** The box's diameter (1 for a point box): the cap of every margin, as no hyperplane meeting the box is farther. */
  readonly diameter: number;
  /** Pre-activation bounds of the unit-scale network (see normaliseUnits; the same signs as the given network's). */
  readonly bounds: PreActivationBounds;
  /** Per hidden layer and pre-activation: ZERO_ROW_NORM × the magnitude bound of its forms (see ZERO_ROW_NORM). */
  readonly zeroNorm: Float64Array[];
  /** The unit-scale network's layers. */
  readonly layers: Network["layers"];
  /** Per hidden layer and pre-activation: +1 stably active, −1 stably inactive, 0 unstable (see stabilityFlags). */
  readonly flags: Int8Array[];
  /** Per hidden layer: 1 for ReLU-like, k for maxout, 0 for identity. */
  readonly rank: Int32Array;
  /** Total hidden units (pattern length). */
  readonly unitCount: number;
  /** Per unit: its hidden layer and its index there. */
  readonly unitLayer: Int32Array;
  readonly unitIndex: Int32Array;
  /** Largest number of children of a unit (at least 2). */
  readonly maxRank: number;
  /** Most rows an LP of the search can hold (every unit's rows of one child). */
  readonly capRows: number;
  /** The last hidden layer with units (−1: none, or not ReLU-like), its first unit, one past its last, its width. */
  readonly lastLayer: number;
  readonly lastStart: number;
  readonly lastEnd: number;
  readonly lastWidth: number;
  /** The layer before the last, when its units can join the group (ReLU or leaky ReLU): its first unit, else lastStart. */
  readonly centralStart: number;
  /** Slope of the layer before the last on its inactive side (0 for ReLU, α for leaky ReLU). */
  readonly prevSlope: number;

  /** Per hidden layer: the forms A x + c of its pre-activations on the current cell (A row-major, outDim × n0). */
  readonly formA: Float64Array[];
  readonly formC: Float64Array[];
  /** The decisions of the current path, per unit (0/1 for ReLU-like units, the argmax for maxout). */
  readonly pattern: Uint8Array;
  /** Unit at each search position: the identity except inside the last layer under farthest-first branching. */
  readonly order: Int32Array;
  /** Per LP depth: an interior point of the cell (the witness) and its margin. */
  readonly witness: Float64Array[];
  readonly witnessMargin: Float64Array;
  /** The margin LP of the current cell, one row per decided hyperplane, warm-started along the path. */
  readonly lp: MarginLP;
  readonly stats: EngineStats = { regions: 0, lps: 0, witnessHits: 0, stepHits: 0, cellRefutations: 0, lpFailures: 0, ambiguous: 0 };

  /** The current run's outputs: the region sink, the progress callback and its period in regions. */
  sink: RegionSink | undefined;
  onTick: (() => void) | undefined;
  progressEvery = 0;

  /** Throws RangeError when the box does not fit the network, ScaleError when its forms overflow the double range. */
  constructor(net: Network, opts: EnumeratorOptions) {
    requireLayerwise(net, "the counting engine");
    this.box = opts.box;
    this.threshold = interiorThreshold(opts.threshold);
    // Every unit at unit scale (exact powers of two; the same regions): tolerances then judge round-off, not units.
    const units = normaliseUnits(net);
    const work = units.net;
    this.bounds = opts.bounds
      ? (units.identity ? opts.bounds : scaleBoundsToUnits(opts.bounds, units.exponents))
      : intervalBounds(work, opts.box);
    this.zeroNorm = zeroRowThresholds(work);
    this.n0 = net.inputDim;
    if (opts.box.lo.length !== this.n0 || opts.box.hi.length !== this.n0) {
      throw new RangeError(`box has ${opts.box.lo.length} coordinates, the network takes ${this.n0} inputs`);
    }
    this.layers = work.layers;
    const hidden = hiddenLayers(work);
    this.flags = stabilityFlags(work, this.bounds);
    this.rank = Int32Array.from(hidden.map((L) =>
      L.activation.kind === "maxout" ? L.activation.rank : L.activation.kind === "identity" ? 0 : 1));
    const N = hidden.reduce((s, L) => s + unitsOf(L), 0);
    this.unitCount = N;
    this.unitLayer = new Int32Array(N);
    this.unitIndex = new Int32Array(N);
    let u = 0;
    let maxRank = 2;
    let capRows = 0;
    hidden.forEach((L, l) => {
      for (let i = 0; i < unitsOf(L); i++, u++) {
        this.unitLayer[u] = l;
        this.unitIndex[u] = i;
      }
      if (this.rank[l] > maxRank) maxRank = this.rank[l];
      capRows += unitsOf(L) * Math.max(1, this.rank[l] - 1);
    });
    this.maxRank = maxRank;
    this.capRows = capRows;
    // The last layer with units: its remaining units form the group of the central certificate (ReLU-like only).
    let lastLayer = -1, lastStart = 0;
    for (let l = 0, start = 0; l < hidden.length; start += unitsOf(hidden[l]), l++) {
      if (unitsOf(hidden[l]) > 0) {
        lastLayer = l;
        lastStart = start;
      }
    }
    const lastWidth = lastLayer >= 0 ? unitsOf(hidden[lastLayer]) : 0;
    this.lastLayer = lastLayer >= 0 && this.rank[lastLayer] === 1 ? lastLayer : -1;
    this.lastStart = lastStart;
    this.lastEnd = lastStart + lastWidth;
    this.lastWidth = lastWidth;
    // The layer before the last joins the group when it is a ReLU-like layer feeding the last one directly.
    const prev = this.lastLayer >= 1 ? hidden[this.lastLayer - 1] : undefined;
    const prevOk = prev !== undefined && this.rank[this.lastLayer - 1] === 1 && unitsOf(prev) === hidden[this.lastLayer].inDim;
    this.centralStart = prevOk ? lastStart - unitsOf(prev) : lastStart;
    this.prevSlope = prev?.activation.kind === "leaky-relu" ? prev.activation.alpha : 0;
    this.order = new Int32Array(N);
    this.formA = hidden.map((L) => new Float64Array(L.outDim * this.n0));
    this.formC = hidden.map((L) => new Float64Array(L.outDim));
    if (hidden.length > 0) {
      this.formA[0].set(hidden[0].weights);
      this.formC[0].set(hidden[0].bias);
    }
    const lo = this.box.lo, hi = this.box.hi;
    let diam = 0;
    for (let j = 0; j < this.n0; j++) diam += (hi[j] - lo[j]) ** 2;
    // t is capped at the box diameter: every hyperplane meeting the box is within that distance of every point.
    this.diameter = Math.sqrt(diam) || 1;
    this.lp = new MarginLP(lo, hi, capRows, this.diameter, { kernel: opts.lpKernel });
    this.pattern = new Uint8Array(N);
    this.witness = Array.from({ length: N + 2 }, () => new Float64Array(this.n0));
    this.witnessMargin = new Float64Array(N + 2);
  }
}
