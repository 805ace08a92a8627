/**
 * Exact enumeration of the full-dimensional activation regions of a network inside a box: a depth-first search over
 * the sign-vector (argmax-vector for maxout) tree, units in layer order. A node is a cell (the box cut by the
 * decided units' half-spaces); deciding a unit splits it into the children that keep an interior point at distance
 * > threshold from every decided hyperplane. Each feasibility question is one MarginLP solve warm-started from the
 * parent's basis (one added row), and the parent's interior point (the witness) answers its own side for free
 * whenever it is farther than the threshold from the new hyperplane. Stable units (from bound tightening) and units
 * that are constant on the cell add no hyperplane.
 *
 * The search is split into tasks (the cells after the first `splitUnit` units) so that work can be spread over
 * workers, checkpointed and resumed; the split depends only on the network, the domain and the threshold, so the
 * count is the same whatever the number of workers.
 */
import { MarginLP, LPStatus } from "../lp/margin-lp.ts";
import { lpProfile, now, P, profileTiming } from "../lp/profile.ts"; // #33 profile hooks
import { BelowCertificates } from "../lp/below-certificates.ts"; // #33
import { CentralWorkspace, centralMargin, centralPoint } from "./central.ts";
import { FLATS_MAX_UNITS, FlatComplex, FlatState, independentNormals } from "./flats.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, outputWidthOf, unitsOf } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { intervalBounds, reluStability, stableUnitsFromBounds } from "../tighten/interval.ts";
import { DEFAULT_INTERIOR_THRESHOLD } from "./types.ts";
import type { StableUnitReport } from "./types.ts";
import { requireLayerwise } from "../model/lower.ts";
import { normaliseUnits, scaleBoundsToUnits, ScaleError } from "../model/normalise.ts";

/**
 * A unit whose affine form on the cell has a normal shorter than this many times the form's magnitude bound M (the
 * largest norm its normal can reach over all patterns: ‖W⁰_r‖ in the first layer, Σ_k |W_rk| M_k deeper) is treated
 * as constant there (its sign is the sign of the offset). Relative, so that it judges round-off and not units: a form
 * row is a sum of at most a few thousand products bounded by M in all, whose round-off stays below 2^−53 · terms · M
 * ≈ 1e-13 · M, while a normal of a first-layer row is zero only when the row is. (The engine also brings every unit
 * to unit scale first, see normaliseUnits.)
 */
export const ZERO_ROW_NORM = 1e-12;

/**
 * In 1-D and 2-D the engine also keeps each cell exactly (an interval or a convex polygon, clipped in floating
 * point) and skips the LP of a child whose row has margin ≤ threshold − CELL_SAFETY at every vertex: that child has
 * no interior point. 1e-12 covers the round-off of clipping (unit normals, O(1) boxes) with room to spare; when in
 * doubt the LP decides, so the shortcut can only save work, never change a count.
 */
export const CELL_SAFETY = 1e-12;
/** Largest input dimension for which cells are kept as exact polygons. */
export const EXACT_CELL_MAX_DIM = 2;

/**
 * Bisection steps of the line search across a new hyperplane: 50 halvings of an interval at most the box's diameter
 * long leave it 1e-15 × as long, below the round-off of the margins the step is judged by.
 */
const LINE_SEARCH_STEPS = 50;
/** The line search is tried only for hyperplanes closer to the witness than this many times its margin. */
const LINE_SEARCH_REACH = 4;
/**
 * The central certificate ({@link centralMargin}) is tried on the remaining units (the last layer's, and the layer
 * before's once the group reaches back there) once at most this many are left. Measured on study networks (784
 * inputs, two hidden layers of 22 units, shard 5/128): iterations fall from 8 to 12 (n1-21: 15,104 to 3,489; n1-18:
 * 78,446 to 67,007) and no further at 16; where the last layer has 6 or 8 units only groups of up to 4 succeed anyway.
 */
const CENTRAL_MAX_GROUP = 12;
/**
 * By default the central certificate is used when the input has at least this many dimensions per hidden unit: with
 * few hyperplanes in many dimensions, k of them meet inside most cells. Measured (random ReLU networks n0 → 10 → 4,
 * seeds 1–2): 4 to 8 inputs need 33–45 % more LPs with it, 12 to 20 about as many; the 784-input study networks
 * (22 units) need 1.3 to 60 times fewer simplex iterations (docs/benchmarks.md).
 */
const CENTRAL_INPUTS_PER_UNIT = 2;
/** Tries per group size and task before its success rate decides whether to go on trying. */
const CENTRAL_WARMUP = 4;
/**
 * Keep trying a group size while (success rate) × (mean LPs of a searched subtree) exceeds this (see centralWorthIt):
 * 1 is the break-even point of the LP count.
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
/**
 * The last layer is counted by flats only with at least this many hyperplanes left: with fewer, the sign search
 * settles most children through the witness or a step across without an LP, while every flat costs one. Measured
 * (study networks, shard 5/128, simplex iterations flats off → on): 3 units (784-19-3) 166k → 160k, 4 units
 * (784-18-4) 314k → 260k, 6 units (784-16-6) 433k → 278k.
 */
const FLATS_MIN_UNITS = 4;
/** `flatsBlockedBelow` when no cell of the current path gave up on flats. */
const NO_BLOCK = Number.MAX_SAFE_INTEGER;

/** Number of tasks the search is split into (at least, when the tree is big enough). Fixed, so counts never depend on workers. */
export const DEFAULT_TASK_TARGET = 256;

/** Statistics of an enumeration run. */
export interface EngineStats {
  regions: number;
  lps: number;
  /** Children accepted through the parent's witness, without an LP. */
  witnessHits: number;
  /** LPs that failed numerically (iteration limit) and went to the exact oracle. */
  lpFailures: number;
  /** Children shown empty by the exact cell (1-D and 2-D inputs), without an LP. */
  cellRefutations: number;
  /** Children certified by stepping the witness across the new hyperplane, without an LP. */
  stepHits: number;
  /** LPs whose answer fell within the perturbation band and went to the exact oracle. */
  ambiguous: number;
}

/** Called for each region: `pattern` and `point` are reused buffers, copy them to keep them. */
export type RegionSink = (pattern: Uint8Array, point: Float64Array, radius: number) => void;

/** A subtree of the search: the decisions of the first `splitUnit` units. */
export type Task = Uint8Array;

/** Per hidden pre-activation: +1 stably active / dominant, −1 stably inactive, 0 unstable (ReLU / leaky ReLU). */
function stabilityFlags(net: Network, bounds: PreActivationBounds): Int8Array[] {
  return hiddenLayers(net).map((layer, l) => {
    const flags = new Int8Array(layer.outDim);
    if (layer.activation.kind === "relu" || layer.activation.kind === "leaky-relu") {
      for (let r = 0; r < layer.outDim; r++) flags[r] = reluStability(bounds.lower[l][r], bounds.upper[l][r]);
    }
    return flags;
  });
}

/** Stable units from pre-activation bounds, per layer and in total, as counters report them. */
export function stableUnitReport(net: Network, bounds: PreActivationBounds): StableUnitReport {
  const { active, inactive } = stableUnitsFromBounds(net, bounds);
  const total = [...active, ...inactive].reduce((s, v) => s + v, 0);
  return { active, inactive, total };
}

/**
 * An exact LP oracle for the rare margin LPs whose optimum lies within the cost perturbation of the threshold:
 * maximise t s.t. rows[i] · x − t ≥ rhs[i] (rows: m × n0 row-major), x in the box. Returns t and a maximiser.
 */
export type ExactMarginSolver = (
  rows: Float64Array,
  rhs: Float64Array,
  m: number,
  box: Box,
) => { t: number; x: Float64Array };

/**
 * A filter on the cells of the search (e.g. "meets a ball"): called when a child cell is kept, with its half-spaces
 * rows[i] · x ≥ rhs[i] (i < m, rows m × n0 row-major, unit normals; the box bounds x as well), an interior point and
 * that point's margin. Returning false prunes the cell and its whole subtree, so the predicate must be monotone:
 * true for a cell ⇒ true for every cell that contains it. The arrays are reused buffers: copy what you keep.
 */
export type CellFilter = (rows: Float64Array, rhs: Float64Array, m: number, point: Float64Array, margin: number) => boolean;

/**
 * The enumerator's options that turn its accelerations off (exact 2-D cells, line search, central certificate,
 * farthest-first branching, flats): the plain sign-vector search, one LP per child the witness cannot settle. It
 * gives the same count, more slowly: spread into the options to cross-check a count (`tessera count --plain`).
 */
export const PLAIN_SEARCH = { exactCells: false, lineSearch: false, central: false, farthestFirst: false, flats: false, belowCertificates: false } as const;

/** Lexicographic order of tasks by their decisions (tasks of one split all have the same length). */
export function compareTasks(a: Task, b: Task): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Options of the enumerator. */
export interface EnumeratorOptions {
  /** Exact oracle for borderline LPs (e.g. HiGHS via `highsMarginSolver`). Without it they are decided by the
   * returned point's margin and counted in `stats.ambiguous`. */
  exact?: ExactMarginSolver;
  box: Box;
  threshold?: number;
  /** Keep exact cells in 1-D and 2-D to skip LPs of empty children (default true; false for comparisons). */
  exactCells?: boolean;
  /** Certify some children by a line search from the parent's witness instead of an LP (default true; false for
   * comparisons). Counts are the same either way: a point found so is accepted only on its computed margin. */
  lineSearch?: boolean;
  /**
   * Keep the dual-bound certificate of each child proved empty and reuse it, without an LP, wherever the same child
   * rows come up in the subtree of the deepest cell it needs (src/lp/below-certificates.ts; default on).
   */
  belowCertificates?: boolean;
  /** Pre-activation bounds over the box (default: interval arithmetic). Tighter bounds mean fewer hyperplanes. */
  bounds?: PreActivationBounds;
  /** Keep only cells this filter accepts (see {@link CellFilter}); without it every cell is kept, at no cost. */
  acceptCell?: CellFilter;
  /** Certify the last layers' children at once around a point on all their hyperplanes (default: when the input has
   * at least CENTRAL_INPUTS_PER_UNIT dimensions per hidden unit). Counts are the same either way. */
  central?: boolean;
  /** Branch on the last layer's units in order of their hyperplanes' distance from the cell's witness, farthest first
   * (default: above EXACT_CELL_MAX_DIM inputs; in 1-D and 2-D the exact cells already skip the LPs it saves). Counts
   * are the same either way. */
  farthestFirst?: boolean;
  /** Count the last layer's regions in a cell by the flats of its remaining hyperplanes that meet the cell
   * ({@link FlatComplex}) when their normals are independent, instead of searching their signs (default: with the
   * central certificate). Used only when no region is handed to a sink. Counts are the same either way. */
  flats?: boolean;
  /** MarginLP's pivot-row path: "auto" (the WebAssembly SIMD kernel where available) or "js" (benchmarks, tests). */
  lpKernel?: "auto" | "js";
}

/**
 * Depth-first region enumerator. One instance owns its LP and buffers; it is not reentrant. Use
 * {@link RegionEnumerator.splitTasks} then {@link RegionEnumerator.runTask} for each task, or `countAll`.
 */
export class RegionEnumerator {
  readonly net: Network;
  readonly box: Box;
  readonly threshold: number;
  /** Pre-activation bounds of the enumerator's unit-scale network (see normaliseUnits; the same signs as the given). */
  readonly bounds: PreActivationBounds;
  /** Per hidden layer and pre-activation: ZERO_ROW_NORM × the magnitude bound of its forms (see ZERO_ROW_NORM). */
  private readonly zeroNorm: Float64Array[];
  private readonly exact: ExactMarginSolver | undefined;
  private readonly acceptCell: CellFilter | undefined;
  private readonly lineSearch: boolean;
  // #33: certificates of empty children kept for their subtrees; whether the last solveInto ended on a dual bound.
  private readonly below: BelowCertificates | undefined;
  private readonly belowStride: number;
  private lastBelow = false;
  /** Certify all children of the last layer's remaining units at once when one point lies on all their hyperplanes. */
  private readonly central: boolean;
  private readonly farthestFirst: boolean;
  /** Count the last layer by flats (see EnumeratorOptions.flats); its buffers, allocated only when on. */
  private readonly flats: boolean;
  private readonly flatComplex: FlatComplex | undefined;
  private readonly flatNormals: Float64Array; // the remaining units' unit normals, FLATS_MAX_UNITS × n0
  private readonly flatOffsets: Float64Array;
  private readonly flatSubset: Float64Array; // the normals of one subset, contiguous for centralMargin
  private readonly flatResiduals: Float64Array;
  private readonly flatSubOffsets: Float64Array;
  private readonly flatGram: Float64Array;
  /** Over the lifetime: cells counted by flats, cells where flats were tried and gave up (dependent normals, an LP
   * that proved nothing, fewer regions proven than flats), and the LPs they asked. */
  flatCells = 0;
  flatFallbacks = 0;
  flatQueries = 0;
  /** LP depth of the cell on the current path where flats gave up (NO_BLOCK: none); its subcells skip them. */
  private flatsBlockedBelow = NO_BLOCK;
  /** Per sign vector of the cell's k hyperplanes: a region proven by a point with margin (see countByFlats). */
  private readonly flatProven: Uint8Array;
  /** Unit at each search position: the identity except inside the last layer under farthestFirst (see chooseUnit). */
  private readonly order: Int32Array;
  private readonly lastNorms: Float64Array; // ‖row‖ of the last layer's forms on the current cell
  /** The last hidden layer with units, its first unit and its number of units (−1: none, or not ReLU-like). */
  private readonly lastLayer: number;
  private readonly lastStart: number;
  private readonly lastEnd: number;
  /** The layer before the last, when its units can join the group (ReLU or leaky ReLU): its first unit, else lastStart. */
  private readonly centralStart: number;
  /** Slope of the layer before the last on its inactive side (0 for ReLU, α for leaky ReLU). */
  private readonly prevSlope: number;
  private readonly centralBaseA: Float64Array; // the last layer's forms with the group's earlier units off
  private readonly centralBaseC: Float64Array;
  private readonly centralWs: CentralWorkspace | undefined;
  private readonly centralNormals: Float64Array;
  private readonly centralOffsets: Float64Array;
  private readonly centralResiduals: Float64Array; // residuals h(p) of the normals of one pattern
  private readonly centralUnits: Int32Array;
  private readonly centralMargins: Float64Array;
  private readonly centralRows: Float64Array;
  private readonly centralPointBuf: Float64Array;
  /** Central certificates tried (one LP each) and found, over the enumerator's lifetime. */
  centralTries = 0;
  centralHits = 0;
  /** Per group size: central certificates tried and found in the current task (reset per task, so LP counts are the
   * same whatever worker runs the task). */
  private readonly centralTaskTries = new Int32Array(CENTRAL_KEYS);
  private readonly centralTaskHits = new Int32Array(CENTRAL_KEYS);
  private readonly centralTaskSkips = new Int32Array(CENTRAL_KEYS);
  private readonly centralTaskNextProbe = new Int32Array(CENTRAL_KEYS);
  /** Per group size: subtrees searched without a certificate in the current task, and the LPs they took. */
  private readonly centralTaskSearches = new Int32Array(CENTRAL_KEYS);
  private readonly centralTaskSearchLps = new Float64Array(CENTRAL_KEYS);
  /** Buffers handing the current cell's rows to `acceptCell` (allocated only with a filter). */
  private filterRows: Float64Array | undefined;
  private filterRhs: Float64Array | undefined;
  /** Total hidden units (pattern length). */
  readonly unitCount: number;
  readonly stats: EngineStats = { regions: 0, lps: 0, witnessHits: 0, stepHits: 0, cellRefutations: 0, lpFailures: 0, ambiguous: 0 };

  private readonly n0: number;
  private readonly layers: Network["layers"];
  private readonly flags: Int8Array[];
  private readonly unitLayer: Int32Array;
  private readonly unitIndex: Int32Array;
  private readonly rank: Int32Array; // per hidden layer: 1 for ReLU-like, k for maxout, 0 for identity
  private readonly boundaryFirst: Int32Array; // per unit u: first hidden layer whose forms are computed on reaching u
  private readonly boundaryLast: Int32Array;
  private readonly formA: Float64Array[];
  private readonly formC: Float64Array[];
  private readonly lp: MarginLP;
  private readonly pattern: Uint8Array;
  private readonly witness: Float64Array[]; // per depth
  private readonly childRows: Float64Array[]; // per depth: (k − 1) rows of length n0 for each of k children
  private readonly childRhs: Float64Array[];
  private readonly childCount: Int32Array[]; // per depth: rows per child (−1: child impossible)
  private readonly hyper: Float64Array; // scratch row (maxout piece differences)
  private readonly lineDir: Float64Array; // line search (lineAcross): direction, rows' margins and rates
  private readonly lineMargins: Float64Array;
  private readonly lineRates: Float64Array;
  private readonly witnessMargin: Float64Array; // per depth
  private readonly diameter: number;
  /** Per depth: the cell's vertices (n0 ≤ EXACT_CELL_MAX_DIM), flat [x0, y0, x1, y1, …] or [x] endpoints. */
  private readonly cells: Float64Array[] | undefined;
  private readonly cellSize: Int32Array;
  private readonly clipScratch: Float64Array;
  private readonly perChild: Int32Array; // per depth: row slots per child (1, or k − 1 for maxout)
  private sink: RegionSink | undefined;
  private stopUnit = -1;
  private taskSink: ((t: Task) => void) | undefined;
  private progressEvery = 0;
  private onTick: (() => void) | undefined;

  constructor(net: Network, opts: EnumeratorOptions) {
    requireLayerwise(net, "the counting engine");
    this.net = net;
    this.box = opts.box;
    this.threshold = opts.threshold ?? DEFAULT_INTERIOR_THRESHOLD;
    // Every unit at unit scale (exact powers of two; the same regions): tolerances then judge round-off, not units.
    const units = normaliseUnits(net);
    const work = units.net;
    this.bounds = opts.bounds
      ? (units.identity ? opts.bounds : scaleBoundsToUnits(opts.bounds, units.exponents))
      : intervalBounds(work, opts.box);
    this.zeroNorm = zeroRowThresholds(work);
    this.exact = opts.exact;
    this.acceptCell = opts.acceptCell;
    this.lineSearch = opts.lineSearch !== false;
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
    this.central = opts.central ?? this.n0 >= CENTRAL_INPUTS_PER_UNIT * N;
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
    // The layer before the last joins the group when it is a ReLU-like layer feeding the last one directly.
    const prev = this.lastLayer >= 1 ? hidden[this.lastLayer - 1] : undefined;
    const prevOk = prev !== undefined && this.rank[this.lastLayer - 1] === 1 && unitsOf(prev) === hidden[this.lastLayer].inDim;
    this.centralStart = prevOk ? lastStart - unitsOf(prev) : lastStart;
    this.prevSlope = prev?.activation.kind === "leaky-relu" ? prev.activation.alpha : 0;
    this.centralBaseA = new Float64Array(this.lastLayer >= 0 ? lastWidth * this.n0 : 0);
    this.centralBaseC = new Float64Array(lastWidth);
    const maxK = Math.max(Math.min(CENTRAL_MAX_GROUP, this.n0), Math.min(FLATS_MAX_UNITS, this.n0));
    this.flats = this.lastLayer >= 0 && (opts.flats ?? this.central);
    this.centralWs = this.lastLayer >= 0 && ((this.central && maxK >= 2) || this.flats) ? new CentralWorkspace(this.n0, maxK) : undefined;
    this.centralNormals = new Float64Array(this.centralWs ? maxK * this.n0 : 0);
    this.centralOffsets = new Float64Array(maxK);
    this.centralResiduals = new Float64Array(maxK);
    this.centralUnits = new Int32Array(maxK);
    this.centralMargins = new Float64Array(capRows + maxK);
    this.centralRows = new Float64Array(this.centralWs ? capRows * this.n0 : 0);
    const maxF = this.flats ? Math.min(FLATS_MAX_UNITS, this.n0) : 0;
    this.flatComplex = this.flats ? new FlatComplex(maxF) : undefined;
    this.flatNormals = new Float64Array(maxF * this.n0);
    this.flatOffsets = new Float64Array(maxF);
    this.flatSubset = new Float64Array(maxF * this.n0);
    this.flatResiduals = new Float64Array(maxF);
    this.flatSubOffsets = new Float64Array(maxF);
    this.flatGram = new Float64Array(maxF * maxF);
    this.flatProven = new Uint8Array(this.flats ? 2 ** maxF : 0);
    this.centralPointBuf = new Float64Array(this.n0);
    this.farthestFirst = this.lastLayer >= 0 && (opts.farthestFirst ?? this.n0 > EXACT_CELL_MAX_DIM);
    this.order = new Int32Array(N);
    this.lastNorms = new Float64Array(lastWidth);
    this.formA = hidden.map((L) => new Float64Array(L.outDim * this.n0));
    this.formC = hidden.map((L) => new Float64Array(L.outDim));
    if (hidden.length > 0) {
      this.formA[0].set(hidden[0].weights);
      this.formC[0].set(hidden[0].bias);
    }
    // Layers l ≥ 1 get their forms when the search reaches their first unit; identity layers (no units) are computed
    // at the same unit as the next layer, so boundary u covers layers boundaryFirst[u] … boundaryLast[u].
    this.boundaryFirst = new Int32Array(N + 1).fill(-1);
    this.boundaryLast = new Int32Array(N + 1).fill(-1);
    for (let l = 1, start = hidden.length ? unitsOf(hidden[0]) : 0; l < hidden.length; start += unitsOf(hidden[l]), l++) {
      if (this.boundaryFirst[start] < 0) this.boundaryFirst[start] = l;
      this.boundaryLast[start] = l;
    }
    const lo = this.box.lo, hi = this.box.hi;
    let diam = 0;
    for (let j = 0; j < this.n0; j++) diam += (hi[j] - lo[j]) ** 2;
    // t is capped at the box diameter: every hyperplane meeting the box is within that distance of every point.
    this.diameter = Math.sqrt(diam) || 1;
    this.lp = new MarginLP(lo, hi, capRows, this.diameter, { kernel: opts.lpKernel });
    this.belowStride = maxRank; // #33
    this.below = opts.belowCertificates === false ? undefined : new BelowCertificates(N * maxRank, maxRank - 1, this.n0, N + 1);
    if (this.acceptCell) {
      this.filterRows = new Float64Array(capRows * this.n0);
      this.filterRhs = new Float64Array(capRows);
    }
    this.pattern = new Uint8Array(N);
    this.witness = Array.from({ length: N + 2 }, () => new Float64Array(this.n0));
    this.childRows = Array.from({ length: N + 1 }, () => new Float64Array(maxRank * (maxRank - 1) * this.n0));
    this.childRhs = Array.from({ length: N + 1 }, () => new Float64Array(maxRank * (maxRank - 1)));
    this.childCount = Array.from({ length: N + 1 }, () => new Int32Array(maxRank));
    this.hyper = new Float64Array(this.n0);
    this.lineDir = new Float64Array(this.n0);
    this.lineMargins = new Float64Array(capRows);
    this.lineRates = new Float64Array(capRows);
    this.witnessMargin = new Float64Array(N + 2);
    this.perChild = new Int32Array(N + 1);
    this.cellSize = new Int32Array(N + 2);
    // A polygon clipped by r half-planes has at most 4 + r vertices.
    this.clipScratch = new Float64Array(2 * (4 + capRows + 2));
    this.cells = this.n0 <= EXACT_CELL_MAX_DIM && opts.exactCells !== false
      ? Array.from({ length: N + 2 }, () => new Float64Array(this.n0 * (4 + capRows + 2)))
      : undefined;
  }

  /** Stable units over the domain according to the bounds in use. */
  stableUnits(): StableUnitReport {
    return stableUnitReport(this.net, this.bounds);
  }

  /**
   * Split the search into tasks: all feasible cells after deciding the first `splitUnit` units, where `splitUnit`
   * is the smallest depth that gives at least `target` tasks (or every unit). Deterministic, and in canonical order
   * (lexicographic in the decisions): the search visits cells in an order that follows its witnesses, which depend on
   * the search options (e.g. {@link PLAIN_SEARCH}), so without it shard i/N (the tasks ≡ i mod N) of two runs with
   * other options would hold other cells.
   */
  splitTasks(target = DEFAULT_TASK_TARGET): { splitUnit: number; tasks: Task[] } {
    const N = this.unitCount;
    const regionsBefore = this.stats.regions;
    let depth = Math.min(N, Math.max(1, Math.ceil(Math.log2(Math.max(2, target)))));
    let tasks = this.collectTasks(undefined, depth);
    // Too few cells yet: deepen every task (one LP each to re-enter it) until the target or the leaves are reached.
    while (tasks.length < target && depth < N) {
      depth = Math.min(N, depth + Math.max(1, Math.ceil(Math.log2(target / Math.max(1, tasks.length)))));
      const next: Task[] = [];
      for (const t of tasks) for (const c of this.collectTasks(t, depth)) next.push(c);
      tasks = next;
    }
    // Splitting is bookkeeping: its LPs are reported, but regions are counted only when tasks run.
    this.stats.regions = regionsBefore;
    tasks.sort(compareTasks);
    return { splitUnit: depth, tasks };
  }

  /**
   * The feasible cells at unit `depth` below `from` (or the root): the children of a task `depth − from.length`
   * units deeper. A task that runs too long can be replaced by these (they partition its subtree). Their LPs are
   * counted in the stats; no regions are.
   */
  subtasks(from: Task | undefined, depth: number): Task[] {
    const regionsBefore = this.stats.regions;
    const out = this.collectTasks(from, Math.min(this.unitCount, depth));
    this.stats.regions = regionsBefore;
    return out;
  }

  /** The feasible cells at unit `depth` below `from` (or the root). */
  private collectTasks(from: Task | undefined, depth: number): Task[] {
    const out: Task[] = [];
    this.stopUnit = depth;
    this.taskSink = (t) => out.push(Uint8Array.from(t.subarray(0, depth)));
    this.startRoot();
    if (from === undefined) this.visit(0, 0);
    else {
      const d = this.replayPrefix(from);
      if (d >= 0) this.visit(from.length, d);
    }
    this.stopUnit = -1;
    this.taskSink = undefined;
    return out;
  }

  /**
   * Enumerate every region in the subtree of `task` (decisions of its first `task.length` units). Returns the number
   * of regions found. `onTick` is called every `tickEvery` regions (progress, cooperative interruption; it may throw to
   * abandon the task, whose partial count is then to be discarded).
   */
  runTask(task: Task, sink?: RegionSink, onTick?: () => void, tickEvery = 256): number {
    const before = this.stats.regions;
    this.sink = sink;
    this.onTick = onTick;
    this.progressEvery = tickEvery;
    try {
      this.startRoot();
      const depth = this.replayPrefix(task);
      if (depth >= 0) this.visit(task.length, depth);
    } finally {
      // `onTick` may throw to abandon the task (a deadline); the enumerator stays usable for the next task.
      this.sink = undefined;
      this.onTick = undefined;
    }
    return this.stats.regions - before;
  }

  /** Count every region, sequentially, through the same task split as parallel runs. */
  countAll(sink?: RegionSink): number {
    const { tasks } = this.splitTasks();
    let total = 0;
    for (const t of tasks) total += this.runTask(t, sink);
    return total;
  }

  private startRoot(): void {
    this.lp.reset();
    this.below?.enter(0, 0); // #33
    this.flatsBlockedBelow = NO_BLOCK;
    for (let u = 0; u < this.unitCount; u++) this.order[u] = u;
    this.centralTaskTries.fill(0);
    this.centralTaskHits.fill(0);
    this.centralTaskSkips.fill(0);
    this.centralTaskNextProbe.fill(CENTRAL_PROBE_EVERY);
    this.centralTaskSearches.fill(0);
    this.centralTaskSearchLps.fill(0);
    if (this.cells) {
      const c = this.cells[0], lo = this.box.lo, hi = this.box.hi;
      if (this.n0 === 1) {
        c[0] = lo[0];
        c[1] = hi[0];
        this.cellSize[0] = 2;
      } else {
        c.set([lo[0], lo[1], hi[0], lo[1], hi[0], hi[1], lo[0], hi[1]]);
        this.cellSize[0] = 4;
      }
    }
    const w = this.witness[0];
    for (let j = 0; j < this.n0; j++) w[j] = 0.5 * (this.box.lo[j] + this.box.hi[j]);
    this.witnessMargin[0] = Infinity;
  }

  /**
   * Re-enter the cell of a task: add the rows of its decisions, then one LP for an interior point. Returns the LP
   * depth reached, or −1 when the cell has no interior point (cannot happen for tasks made by `splitTasks` unless
   * the LP is numerically borderline).
   */
  private replayPrefix(task: Task): number {
    let depth = 0;
    for (let u = 0; u < task.length; u++) {
      this.enterPosition(u);
      const kids = this.prepareUnit(u, depth);
      const choice = task[u];
      if (kids < 0) {
        // Decided without a hyperplane (stable or constant): a task recorded with the other decision is empty.
        if (this.pattern[u] !== choice) return -1;
        continue;
      }
      this.pattern[u] = choice;
      const rows = this.childCount[depth][choice];
      if (rows < 0) return -1;
      this.addChildRows(depth, choice);
      depth++;
    }
    const ok = this.solveInto(depth);
    return ok ? depth : -1;
  }

  /**
   * Solve the current LP and store the maximiser as the witness at `depth`. Returns whether the cell has an interior
   * point with margin > threshold.
   */
  private solveInto(depth: number): boolean {
    this.stats.lps++;
    const lp = this.lp, thr = this.threshold;
    const status = lp.solve(thr);
    this.lastBelow = status === LPStatus.Below; // #33
    if (status === LPStatus.Below) return false; // certified: max t ≤ threshold
    const w = this.witness[depth];
    if (status === LPStatus.Optimal) {
      const tw = profileTiming() ? now() : 0; // #33 profile hook
      lp.point(w);
      const margin = Math.min(lp.marginOf(w), lp.objective());
      if (tw > 0) lpProfile[P.Time + 7] += now() - tw;
      if (margin > thr) {
        this.witnessMargin[depth] = margin;
        return true; // certified by a point
      }
      if (lp.dualBound() + lp.perturbationError <= thr) return (this.lastBelow = true), false; // certified by the dual bound
      this.stats.ambiguous++;
    } else {
      this.stats.lpFailures++;
    }
    return this.solveExactly(depth);
  }

  /** Decide the current LP with the exact oracle (borderline or failed LPs). */
  private solveExactly(depth: number): boolean {
    const lp = this.lp, m = lp.m, n0 = this.n0;
    if (!this.exact) {
      // No oracle: the point's own margin decides (conservative: never counts a region without a witness).
      const w = this.witness[depth];
      lp.point(w);
      const margin = Math.min(lp.marginOf(w), lp.objective());
      this.witnessMargin[depth] = margin;
      return margin > this.threshold;
    }
    const rows = new Float64Array(m * n0), rhs = new Float64Array(m), buf = new Float64Array(n0);
    for (let i = 0; i < m; i++) {
      rhs[i] = lp.row(i, buf);
      rows.set(buf, i * n0);
    }
    const { x } = this.exact(rows, rhs, m, this.box);
    const w = this.witness[depth];
    for (let j = 0; j < n0; j++) w[j] = Math.min(this.box.hi[j], Math.max(this.box.lo[j], x[j]));
    const margin = lp.marginOf(w);
    this.witnessMargin[depth] = margin;
    return margin > this.threshold;
  }

  /**
   * Prepare the children of unit u at LP depth `depth`: fill childRows/childRhs/childCount. Returns −1 when the unit
   * is decided without a hyperplane (stable or constant on the cell; `pattern[u]` is then set), else its number of
   * children. The forms of u's layer must be current (see enterPosition).
   */
  private prepareUnit(u: number, depth: number): number {
    const l = this.unitLayer[u], i = this.unitIndex[u], k = this.rank[l];
    const n0 = this.n0, A = this.formA[l], C = this.formC[l];
    const rows = this.childRows[depth], rhs = this.childRhs[depth], cnt = this.childCount[depth];
    this.perChild[depth] = k === 1 ? 1 : k - 1;
    if (k === 1) {
      const f = this.flags[l][i];
      if (f !== 0) {
        this.pattern[u] = f > 0 ? 1 : 0;
        return -1;
      }
      const base = i * n0;
      const nu = rowNorm(A, i, n0);
      if (nu <= this.zeroNorm[l][i]) {
        this.pattern[u] = C[i] > 0 ? 1 : 0;
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
    const lo = this.bounds.lower[l], hi = this.bounds.upper[l];
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
        if (nu <= this.zeroNorm[l][pj] + this.zeroNorm[l][pm]) {
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
      this.pattern[u] = only;
      return -1;
    }
    return k;
  }

  private addChildRows(depth: number, child: number): void {
    const rows = this.childRows[depth], rhs = this.childRhs[depth], n0 = this.n0;
    const count = this.childCount[depth][child];
    const per = this.perChild[depth];
    if (this.cells) {
      this.cells[depth + 1].set(this.cells[depth].subarray(0, this.cellSize[depth] * n0));
      this.cellSize[depth + 1] = this.cellSize[depth];
    }
    for (let r = 0; r < count; r++) {
      const at = child * per + r;
      this.lp.addRow(rows.subarray(at * n0, (at + 1) * n0), rhs[at]);
      if (this.cells) this.clipCell(depth + 1, rows, at * n0, rhs[at]);
    }
    this.below?.enter(depth + 1, this.lp.m); // #33
  }

  /** Clip the cell at `depth` by the half-space a · x ≥ b (a = rows[off … off + n0)), exactly as polygons go. */
  private clipCell(depth: number, rows: Float64Array, off: number, b: number): void {
    const cell = this.cells![depth], n = this.cellSize[depth];
    if (this.n0 === 1) {
      if (n === 0) return;
      const a = rows[off];
      if (a > 0) cell[0] = Math.max(cell[0], b / a);
      else if (a < 0) cell[1] = Math.min(cell[1], b / a);
      else if (b > 0) this.cellSize[depth] = 0;
      if (cell[0] > cell[1]) this.cellSize[depth] = 0;
      return;
    }
    // Sutherland–Hodgman against one half-plane; the output goes to the scratch buffer, then back.
    const ax = rows[off], ay = rows[off + 1], out = this.clipScratch;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const px = cell[2 * i], py = cell[2 * i + 1], qx = cell[2 * j], qy = cell[2 * j + 1];
      const fp = ax * px + ay * py - b, fq = ax * qx + ay * qy - b;
      if (fp >= 0) {
        out[2 * m] = px;
        out[2 * m + 1] = py;
        m++;
      }
      if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
        const t = fp / (fp - fq);
        out[2 * m] = px + t * (qx - px);
        out[2 * m + 1] = py + t * (qy - py);
        m++;
      }
    }
    cell.set(out.subarray(0, 2 * m));
    this.cellSize[depth] = m;
  }

  /**
   * Whether child c (rows prepared at `depth`) certainly has no interior point: some row of it has margin
   * ≤ threshold − CELL_SAFETY at every vertex of the cell (so everywhere in it, the cell being convex).
   */
  private cellRefutes(depth: number, c: number): boolean {
    if (!this.cells) return false;
    const cell = this.cells[depth], n = this.cellSize[depth], n0 = this.n0;
    if (n === 0) return true;
    const rows = this.childRows[depth], rhs = this.childRhs[depth], per = this.perChild[depth];
    const limit = this.threshold - CELL_SAFETY;
    for (let r = 0; r < this.childCount[depth][c]; r++) {
      const at = c * per + r;
      let best = -Infinity;
      for (let v = 0; v < n; v++) {
        let s = -rhs[at];
        for (let j = 0; j < n0; j++) s += rows[at * n0 + j] * cell[v * n0 + j];
        if (s > best) best = s;
      }
      if (best <= limit) return true;
    }
    return false;
  }

  /** Margin of witness `w` for the rows of `child` prepared at `depth` (min over its rows). */
  private childMarginOfWitness(depth: number, child: number, w: Float64Array): number {
    const rows = this.childRows[depth], rhs = this.childRhs[depth], n0 = this.n0;
    const per = this.perChild[depth];
    const count = this.childCount[depth][child];
    let best = Infinity;
    for (let r = 0; r < count; r++) {
      const off = (child * per + r) * n0;
      let s = -rhs[child * per + r];
      for (let q = 0; q < n0; q++) s += rows[off + q] * w[q];
      if (s < best) best = s;
    }
    return best;
  }

  /** Compute the layer forms that search position `pos` starts (positions of a layer's first unit, see boundaryFirst). */
  private enterPosition(pos: number): void {
    const bl = this.boundaryFirst[pos];
    if (bl > 0) for (let q = bl; q <= this.boundaryLast[pos]; q++) this.computeForms(q);
    // (The last layer may be the first hidden layer, whose forms are the weights themselves: no boundary there.)
    if (this.farthestFirst && pos === this.lastStart) {
      const A = this.formA[this.lastLayer], n0 = this.n0;
      for (let i = 0; i < this.lastNorms.length; i++) this.lastNorms[i] = rowNorm(A, i, n0);
    }
  }

  /**
   * Put at position `pos` of the last layer the remaining unit to branch on next: first those decided without a
   * hyperplane, then the one whose hyperplane is farthest from the witness w. A far hyperplane often misses the cell
   * (one child, settled once for the whole subtree instead of once per node below), and the units left for the
   * subtree are those passing near w, whose common points the central certificate needs. Positions after `pos` keep
   * the other remaining units in some order; the count does not depend on it.
   */
  private chooseUnit(pos: number, w: Float64Array): void {
    const order = this.order, L = this.lastLayer, A = this.formA[L], C = this.formC[L], flagsL = this.flags[L];
    const n0 = this.n0, norms = this.lastNorms;
    let best = pos, bestScore = -1;
    for (let p = pos; p < this.lastEnd; p++) {
      const i = this.unitIndex[order[p]];
      let score: number;
      if (flagsL[i] !== 0 || norms[i] <= this.zeroNorm[L][i]) score = Infinity;
      else {
        let s = C[i];
        for (let q = 0; q < n0; q++) s += A[i * n0 + q] * w[q];
        score = Math.abs(s) / norms[i];
      }
      if (score > bestScore) {
        bestScore = score;
        best = p;
        if (score === Infinity) break;
      }
    }
    const u = order[best];
    order[best] = order[pos];
    order[pos] = u;
  }

  /**
   * Visit search position `pos` (unit order[pos]) at LP depth `depth` (rows in the LP, witness at witness[depth] with margin witnessMargin[depth]).
   */
  private visit(pos: number, depth: number): void {
    const N = this.unitCount;
    // Units decided without a hyperplane do not branch: walk over them.
    let kids = -1, u = -1;
    while (pos < N && pos !== this.stopUnit) {
      this.enterPosition(pos);
      if (this.farthestFirst && pos >= this.lastStart && pos < this.lastEnd - 1 && this.stopUnit < 0) {
        this.chooseUnit(pos, this.witness[depth]);
      }
      u = this.order[pos];
      kids = this.prepareUnit(u, depth);
      if (kids >= 0) break;
      pos++;
    }
    if (pos === this.stopUnit && this.taskSink) {
      this.stats.regions++;
      this.taskSink(this.pattern);
      return;
    }
    if (pos >= N) {
      this.stats.regions++;
      if (this.sink) this.sink(this.pattern, this.witness[depth], this.witnessMargin[depth]);
      if (this.onTick && this.stats.regions % this.progressEvery === 0) this.onTick();
      return;
    }
    // The last layer's remaining units by the flats of their hyperplanes that meet the cell (not below a cell where
    // that gave up: its subcells would mostly repeat the same LPs).
    if (depth <= this.flatsBlockedBelow) this.flatsBlockedBelow = NO_BLOCK;
    if (this.flats && pos >= this.lastStart && this.stopUnit < 0 && !this.acceptCell && !this.sink &&
      depth <= this.flatsBlockedBelow) {
      const fallbacks = this.flatFallbacks, queries = this.flatQueries;
      const found = this.countByFlats(pos, depth);
      if (found >= 0) {
        const before = this.stats.regions, every = this.progressEvery;
        this.stats.regions += found;
        if (this.onTick && every > 0 && Math.floor(before / every) !== Math.floor(this.stats.regions / every)) this.onTick();
        return;
      }
      // (Dependent normals cost no LP and may be independent in a subcell, with fewer of them.)
      if (this.flatFallbacks > fallbacks && this.flatQueries > queries) this.flatsBlockedBelow = depth;
    }
    // The last layer's remaining units at once, when few are left and that has been paying in this task.
    let group = 0, lpsBefore = -1;
    if (this.central && this.centralWs && pos >= this.centralStart && this.stopUnit < 0 && !this.acceptCell &&
      (group = this.centralKey(pos)) > 0) {
      if (this.centralWorthIt(group)) {
        this.centralTaskTries[group]++;
        if (this.tryCentral(pos, depth)) {
          this.centralTaskHits[group]++;
          return;
        }
      }
      lpsBefore = this.stats.lps;
    }
    const w = this.witness[depth];
    const wm = this.witnessMargin[depth];
    const cnt = this.childCount[depth];
    // The witness's own child, when it is clear of the new hyperplanes by more than the threshold.
    let wChild = -1, wChildMargin = 0;
    const tw = profileTiming() ? now() : 0; // #33 profile hook
    if (wm > this.threshold) {
      for (let c = 0; c < kids; c++) {
        if (cnt[c] < 0) continue;
        const m = this.childMarginOfWitness(depth, c, w);
        if (m > this.threshold) {
          wChild = c;
          wChildMargin = Math.min(wm, m);
          break;
        }
      }
    }
    if (tw > 0) lpProfile[P.Time + 7] += now() - tw; // #33 profile hook
    this.lp.save(depth);
    let dirty = false;
    if (wChild >= 0) {
      this.stats.witnessHits++;
      this.addChildRows(depth, wChild);
      this.pattern[u] = wChild;
      this.witness[depth + 1].set(w);
      this.witnessMargin[depth + 1] = wChildMargin;
      if (!this.acceptCell || this.cellAccepted(depth + 1)) this.visit(pos + 1, depth + 1);
      dirty = true;
    }
    for (let c = 0; c < kids; c++) {
      if (c === wChild || cnt[c] < 0) continue;
      // Child rows live in per-depth buffers that deeper levels never touch, so only the LP needs restoring.
      if (this.cellRefutes(depth, c)) {
        this.stats.cellRefutations++;
        continue;
      }
      // #33: a kept dual-bound certificate proves this child empty in an ancestor's cell.
      const per = this.perChild[depth], key = u * this.belowStride + c;
      if (this.below?.proves(key, depth, this.childRows[depth], c * per * this.n0, this.childRhs[depth], c * per, cnt[c])) continue;
      if (dirty) this.lp.restore(depth);
      dirty = true;
      this.addChildRows(depth, c);
      const ts = profileTiming() ? now() : 0; // #33 profile hook: stepAcross is witness evaluation
      const stepped = this.stepAcross(depth, c, w, wm);
      if (ts > 0) lpProfile[P.Time + 7] += now() - ts;
      if (!stepped && !this.solveInto(depth + 1)) {
        // #33: keep the certificate of an empty child for the subtree where it holds.
        if (this.lastBelow && this.below) this.below.record(key, this.lp, depth, this.childRows[depth], c * per * this.n0, this.childRhs[depth], c * per, cnt[c]);
        continue;
      }
      if (this.acceptCell && !this.cellAccepted(depth + 1)) continue;
      this.pattern[u] = c;
      this.visit(pos + 1, depth + 1);
    }
    if (lpsBefore >= 0) {
      this.centralTaskSearches[group]++;
      this.centralTaskSearchLps[group] += this.stats.lps - lpsBefore;
    }
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
  private countByFlats(pos: number, depth: number): number {
    const L = this.lastLayer, n0 = this.n0, A = this.formA[L], C = this.formC[L], flagsL = this.flags[L];
    const normals = this.flatNormals, offsets = this.flatOffsets, cx = this.flatComplex!;
    const maxK = cx.maxK;
    let k = 0;
    for (let v = pos; v < this.lastEnd; v++) {
      const i = this.unitIndex[this.order[v]];
      if (flagsL[i] !== 0) continue;
      const nu = rowNorm(A, i, n0);
      if (nu <= this.zeroNorm[L][i]) continue; // constant on the cell: no hyperplane
      if (k === maxK) return -1;
      for (let q = 0; q < n0; q++) normals[k * n0 + q] = A[i * n0 + q] / nu;
      offsets[k] = -C[i] / nu;
      k++;
    }
    if (k < FLATS_MIN_UNITS) return -1; // (the unit at pos has a hyperplane: k ≥ 1)
    // The last layer's normals on the cell lie in the span of the layer before's active rows (ReLU): more of them than
    // that are dependent, without computing a Gram matrix. (Counting such cells by the flats of at most that many
    // hyperplanes, in general position in the quotient, was measured and dropped: see docs/benchmarks.md.)
    if (this.lastLayer > 0 && this.layers[this.lastLayer - 1].activation.kind === "relu") {
      const width = this.layers[this.lastLayer].inDim, start = this.lastStart - width;
      let active = 0;
      for (let v = start; v < this.lastStart; v++) active += this.pattern[v];
      if (k > active) return -1;
    }
    if (!independentNormals(normals, k, n0, this.flatGram)) {
      this.flatFallbacks++;
      return -1;
    }
    const lp = this.lp, m = lp.m, thr = this.threshold, rows = this.centralRows, g = this.centralMargins;
    const sub = this.flatSubset, subOff = this.flatSubOffsets, res = this.flatResiduals, p = this.witness[depth + 1];
    const proven = this.flatProven;
    for (let i = 0; i < m; i++) lp.row(i, rows.subarray(i * n0, (i + 1) * n0));
    cx.reset(k);
    proven.fill(0, 0, 2 ** k);
    // The witness's own region, when it is clear of all k hyperplanes (the only region left if no flat meets the cell).
    const w = this.witness[depth];
    if (this.witnessMargin[depth] > thr) {
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
      let size = 0;
      for (let a = 0; a < k; a++) {
        if (!((mask >> a) & 1)) continue;
        sub.set(normals.subarray(a * n0, (a + 1) * n0), size * n0);
        subOff[size++] = offsets[a];
      }
      for (let a = 0; a < size; a++) lp.addEquality(sub.subarray(a * n0, (a + 1) * n0), subOff[a]);
      this.stats.lps++;
      this.flatQueries++;
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
        meets = centralMargin(this.centralWs!, p, this.box.lo, this.box.hi, sub, res, size, rows, g, m + extra) > thr;
        misses = !meets && lp.dualBound() + lp.perturbationError <= thr;
      }
      if (meets) {
        decided = cx.markMeets(mask);
        for (let s = mask; ; s = (s - 1) & mask) {
          proven[outside | s] = 1;
          if (s === 0) break;
        }
        // All the last layer's hyperplanes meet in the cell: the central certificate's group of them would have
        // succeeded, which lets the groups reaching back into the layer before be tried (see centralWorthIt).
        if (o === 0 && this.central) {
          const key = this.centralKey(pos);
          if (key > 0) this.centralTaskHits[key]++;
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
      this.flatFallbacks++;
      return -1;
    }
    this.flatCells++;
    return cx.meets();
  }

  /**
   * Whether to try the central certificate on the group with record key `key` (see centralKey) of k units. A success costs one LP instead of the C LPs the
   * search of the subtree takes, a failure costs one LP more; with success rate p a try pays when p·C > 1. Both are
   * taken from the current task's record (C: the mean LPs of the subtrees of this size searched so far).
   */
  private centralWorthIt(key: number): boolean {
    // Groups grow from the bottom: a point on all hyperplanes of a group is also on those of the group one unit
    // shorter (the child's), so a group is not tried before that one has succeeded in this task.
    const size = key % (CENTRAL_MAX_GROUP + 1), j = (key - size) / (CENTRAL_MAX_GROUP + 1), k = key;
    if (size > 2 && this.centralTaskHits[(j > 0 ? j - 1 : 0) * (CENTRAL_MAX_GROUP + 1) + size - 1] === 0) return false;
    const tries = this.centralTaskTries[k], hits = this.centralTaskHits[k], searches = this.centralTaskSearches[k];
    if (tries < CENTRAL_WARMUP || searches === 0) return true;
    if (hits * this.centralTaskSearchLps[k] > CENTRAL_MIN_GAIN * tries * searches) return true;
    // Not paying so far: still probe now and then, since the cells of a task differ along the search.
    if (++this.centralTaskSkips[k] < this.centralTaskNextProbe[k]) return false;
    this.centralTaskSkips[k] = 0;
    this.centralTaskNextProbe[k] = Math.min(2 * this.centralTaskNextProbe[k], CENTRAL_PROBE_MAX);
    return true;
  }

  /**
   * The record key of the group that starts at unit u (its units from u on that the bounds leave unstable, in the
   * last layer and, from centralStart, the layer before): j (CENTRAL_MAX_GROUP + 1) + k for k units of which j in the
   * layer before the last;
   * 0 when the group is too small or too large.
   */
  private centralKey(pos: number): number {
    let j = 0, k = 0;
    for (let v = pos; v < this.lastEnd; v++) {
      const uv = this.order[v];
      if (this.flags[this.unitLayer[uv]][this.unitIndex[uv]] !== 0) continue;
      k++;
      if (v < this.lastStart) j++;
    }
    return k >= 2 && k <= CENTRAL_MAX_GROUP ? j * (CENTRAL_MAX_GROUP + 1) + k : 0;
  }

  /**
   * The central certificate ({@link centralMargin}) for the remaining units u … of the last layer: one LP for a point
   * of the cell on all their hyperplanes, as far as possible from the cell's rows; if every sign pattern around it
   * keeps a margin above the threshold, all 2^k regions are counted here (and handed to the sink with their points).
   * Returns false when the certificate fails (the caller then searches the subtree as usual).
   */
  private tryCentral(pos: number, depth: number): boolean {
    const L = this.lastLayer, n0 = this.n0, flagsL = this.flags[L];
    const normals = this.centralNormals, offsets = this.centralOffsets, units = this.centralUnits;
    let j = 0;
    if (pos < this.lastStart) {
      // Units of the layer before the last: fixed hyperplanes of its forms.
      const P = L - 1, A1 = this.formA[P], C1 = this.formC[P], flagsP = this.flags[P];
      for (let v = pos; v < this.lastStart; v++) {
        const i = this.unitIndex[v];
        if (flagsP[i] !== 0) continue;
        if (j === units.length) return false;
        const nu = rowNorm(A1, i, n0);
        if (nu <= this.zeroNorm[P][i]) return false;
        for (let q = 0; q < n0; q++) normals[j * n0 + q] = A1[i * n0 + q] / nu;
        offsets[j] = -C1[i] / nu;
        units[j++] = v;
      }
      this.lastLayerBase(pos);
    } else {
      this.centralBaseA.set(this.formA[L]);
      this.centralBaseC.set(this.formC[L]);
    }
    // The last layer's units, with the group's earlier units off: on their common points those units are 0, so these
    // forms agree there with the forms of every sign pattern of the earlier units.
    const BA = this.centralBaseA, BC = this.centralBaseC;
    let k = j;
    for (let v = Math.max(pos, this.lastStart); v < this.lastEnd; v++) {
      const uv = this.order[v], i = this.unitIndex[uv];
      if (flagsL[i] !== 0) continue;
      const nu = rowNorm(BA, i, n0);
      if (nu <= this.zeroNorm[L][i]) {
        if (j > 0) return false;
        continue; // constant on the cell: decided below by its offset
      }
      if (k === units.length) return false;
      for (let q = 0; q < n0; q++) normals[k * n0 + q] = BA[i * n0 + q] / nu;
      offsets[k] = -BC[i] / nu;
      units[k++] = uv;
    }
    if (k < 2) return false;
    const lp = this.lp, m = lp.m;
    lp.save(depth);
    for (let a = 0; a < k; a++) lp.addEquality(normals.subarray(a * n0, (a + 1) * n0), offsets[a]);
    this.stats.lps++;
    this.centralTries++;
    // The certificate keeps half of the cell's margin, so a point on the hyperplanes with margin ≤ 2·threshold is no use.
    const status = lp.solve(2 * this.threshold);
    let margin = -Infinity;
    const p = this.witness[depth + 1];
    const g = this.centralMargins, rows = this.centralRows;
    if (status === LPStatus.Optimal) {
      lp.point(p);
      lp.margins(p, g); // the cell's rows (then the equalities' residuals, recomputed per pattern below)
      for (let i = 0; i < m; i++) lp.row(i, rows.subarray(i * n0, (i + 1) * n0));
      margin = Infinity;
      // The last layer's normals depend on s1 only when some of its units are in the group.
      const patterns = k > j ? 2 ** j : 1;
      for (let s1 = 0; s1 < patterns && margin > this.threshold; s1++) margin = Math.min(margin, this.centralFor(s1, j, k, p, m));
    }
    lp.restore(depth);
    if (!(margin > this.threshold)) return false;
    this.centralHits++;
    // Units of the group's range decided without a hyperplane: stable, or constant on the cell.
    for (let v = pos; v < this.lastEnd; v++) {
      const uv = this.order[v], l = this.unitLayer[uv], i = this.unitIndex[uv], f = this.flags[l][i];
      if (f !== 0) this.pattern[uv] = f > 0 ? 1 : 0;
      else if (v >= this.lastStart) this.pattern[uv] = BC[i] > 0 ? 1 : 0;
    }
    const total = 2 ** k;
    if (!this.sink && !this.onTick) {
      this.stats.regions += total;
      return true;
    }
    const x = this.centralPointBuf;
    for (let s1 = 0; s1 < 2 ** j; s1++) {
      if (this.sink && (k > j || s1 === 0)) this.centralFor(s1, j, k, p, m); // V for this pattern of the earlier units
      for (let s2 = 0; s2 < 2 ** (k - j); s2++) {
        const signs = s1 | (s2 << j);
        for (let a = 0; a < k; a++) this.pattern[units[a]] = (signs >> a) & 1;
        this.stats.regions++;
        if (this.sink) {
          centralPoint(this.centralWs!, p, this.box.lo, this.box.hi, k, signs, x);
          this.sink(this.pattern, x, margin);
        }
        if (this.onTick && this.stats.regions % this.progressEvery === 0) this.onTick();
      }
    }
    return true;
  }

  /**
   * The central margin at p for one sign pattern s1 of the group's j units of the layer before the last: the last
   * layer's normals are those of the child s1 (the base forms plus the units s1 turns on). Uses the normals' first j
   * rows as they are and rewrites rows j … k − 1.
   */
  private centralFor(s1: number, j: number, k: number, p: Float64Array, m: number): number {
    const n0 = this.n0, normals = this.centralNormals, units = this.centralUnits, residual = this.centralResiduals;
    const BA = this.centralBaseA, BC = this.centralBaseC;
    const L = this.lastLayer, W = this.layers[L].weights, width = this.layers[L].inDim;
    const A1 = j > 0 ? this.formA[L - 1] : BA, C1 = j > 0 ? this.formC[L - 1] : BC, on = 1 - this.prevSlope;
    for (let a = 0; a < k; a++) {
      let h = 0, off: number;
      const row = normals.subarray(a * n0, (a + 1) * n0);
      if (a < j) off = this.centralOffsets[a];
      else {
        const r = this.unitIndex[units[a]];
        row.set(BA.subarray(r * n0, (r + 1) * n0));
        let c = BC[r];
        for (let t = 0; t < j; t++) {
          if (!((s1 >> t) & 1)) continue;
          const i = this.unitIndex[units[t]], w = W[r * width + i] * on;
          if (w === 0) continue;
          for (let q = 0; q < n0; q++) row[q] += w * A1[i * n0 + q];
          c += w * C1[i];
        }
        let nu = 0;
        for (let q = 0; q < n0; q++) nu += row[q] * row[q];
        nu = Math.sqrt(nu);
        if (nu <= this.zeroNorm[L][r]) return -Infinity;
        for (let q = 0; q < n0; q++) row[q] /= nu;
        off = -c / nu;
      }
      for (let q = 0; q < n0; q++) h += row[q] * p[q];
      residual[a] = h - off;
    }
    return centralMargin(this.centralWs!, p, this.box.lo, this.box.hi, normals, residual, k, this.centralRows, this.centralMargins, m);
  }

  /**
   * The last layer's forms on the current cell with the remaining units of the layer before it off (their stable ones
   * as the bounds say), into centralBaseA/C: A = W D A_prev, c = W D c_prev + b (as computeForms, for a pattern that
   * is not the search's yet).
   */
  private lastLayerBase(u: number): void {
    const L = this.lastLayer, P = L - 1, n0 = this.n0, layer = this.layers[L], width = layer.inDim;
    const A1 = this.formA[P], C1 = this.formC[P], flagsP = this.flags[P], prevStart = this.centralStart;
    const BA = this.centralBaseA, BC = this.centralBaseC, slope = this.prevSlope;
    BA.fill(0);
    for (let r = 0; r < layer.outDim; r++) {
      let c = layer.bias[r];
      for (let i = 0; i < width; i++) {
        const v = prevStart + i;
        // Decided units as the search set them; later ones: stable as the bounds say, unstable (the group's) off.
        const active = v < u ? this.pattern[v] === 1 : flagsP[i] > 0;
        const w = layer.weights[r * width + i] * (active ? 1 : slope);
        if (w === 0) continue;
        c += w * C1[i];
        for (let q = 0; q < n0; q++) BA[r * n0 + q] += w * A1[i * n0 + q];
      }
      BC[r] = c;
    }
  }

  /** Ask `acceptCell` about the cell now in the LP, whose witness is at `depth`. */
  private cellAccepted(depth: number): boolean {
    const lp = this.lp, n0 = this.n0, rows = this.filterRows!, rhs = this.filterRhs!;
    for (let i = 0; i < lp.m; i++) rhs[i] = lp.row(i, rows.subarray(i * n0, (i + 1) * n0));
    return this.acceptCell!(rows, rhs, lp.m, this.witness[depth], this.witnessMargin[depth]);
  }

  /**
   * Try to certify child c of a ReLU-like unit without an LP, from the witness w (margin wm) on the other side of the
   * child's hyperplane (unit normal a, at distance d from w). First the ball step: if d < wm, the ball of radius wm
   * around w lies in the cell and reaches across, so w + s·a with s = (d + wm) / 2 lies in the child with margin
   * (wm − d) / 2 before clipping to the box. Otherwise (or if clipping spoils it), when d < LINE_SEARCH_REACH · wm, a line search
   * ({@link lineAcross}).
   * A point is accepted as the child's witness only when its margin against every row, computed directly, exceeds the
   * threshold, so these shortcuts can save LPs but never change a count.
   */
  private stepAcross(depth: number, c: number, w: Float64Array, wm: number): boolean {
    if (this.perChild[depth] !== 1 || !(wm > this.threshold)) return false;
    const d = -this.childMarginOfWitness(depth, c, w);
    const n0 = this.n0, a = this.childRows[depth].subarray(c * n0, (c + 1) * n0);
    const x = this.witness[depth + 1], lo = this.box.lo, hi = this.box.hi;
    if (d < wm) {
      const s = (d + Math.min(wm, this.diameter)) / 2;
      for (let j = 0; j < n0; j++) x[j] = Math.min(hi[j], Math.max(lo[j], w[j] + s * a[j]));
      if (this.acceptStep(depth, x)) return true;
    }
    // Measured on MNIST networks: the search succeeds for most d < 2·wm, for 7 % of 2·wm ≤ d < 4·wm, and rarely beyond.
    return this.lineSearch && d < LINE_SEARCH_REACH * wm && this.lineAcross(depth, a, w);
  }

  /**
   * The line search of {@link stepAcross}: from w along a restricted to the coordinates that sit on a bound of the
   * box and that a moves inward (an LP optimum has all but a few coordinates on bounds; the others stay fixed), to the
   * step s ≤ sBox (where a moving coordinate reaches its other bound) that maximises the smallest row margin
   * min_i g_i + s·r_i (g the margins at w, r the rows' rates along the direction).
   */
  private lineAcross(depth: number, a: Float64Array, w: Float64Array): boolean {
    const n0 = this.n0, lo = this.box.lo, hi = this.box.hi, dir = this.lineDir, lp = this.lp;
    let sBox = Infinity, moving = 0;
    for (let j = 0; j < n0; j++) {
      const aj = a[j];
      let v = 0;
      if (aj > 0 && w[j] <= lo[j]) {
        v = aj;
        sBox = Math.min(sBox, (hi[j] - w[j]) / aj);
      } else if (aj < 0 && w[j] >= hi[j]) {
        v = aj;
        sBox = Math.min(sBox, (lo[j] - w[j]) / aj);
      }
      dir[j] = v;
      moving += v === 0 ? 0 : 1;
    }
    if (moving === 0) return false;
    const g = this.lineMargins, r = this.lineRates;
    const m = lp.margins(w, g);
    lp.rowProducts(dir, r);
    // The envelope min_i g_i + s·r_i is concave: bisect on the sign of its slope (the rate of the row attaining it).
    let sLo = 0, sHi = Math.min(sBox, this.diameter);
    for (let it = 0; it < LINE_SEARCH_STEPS; it++) {
      const s = 0.5 * (sLo + sHi);
      let best = Infinity, slope = 0;
      for (let i = 0; i < m; i++) {
        const v = g[i] + s * r[i];
        if (v < best) {
          best = v;
          slope = r[i];
        }
      }
      if (slope > 0) sLo = s;
      else sHi = s;
    }
    const s = sLo;
    let predicted = Infinity;
    for (let i = 0; i < m; i++) predicted = Math.min(predicted, g[i] + s * r[i]);
    if (!(predicted > this.threshold)) return false;
    const x = this.witness[depth + 1];
    for (let j = 0; j < n0; j++) x[j] = Math.min(hi[j], Math.max(lo[j], w[j] + s * dir[j]));
    return this.acceptStep(depth, x);
  }

  /** Accept x (in witness[depth + 1]) as the child's witness if its directly computed margin exceeds the threshold. */
  private acceptStep(depth: number, x: Float64Array): boolean {
    const margin = Math.min(this.lp.marginOf(x), this.diameter);
    if (!(margin > this.threshold)) return false;
    this.witnessMargin[depth + 1] = margin;
    this.stats.stepHits++;
    return true;
  }

  /**
   * Forms of hidden layer l (l ≥ 1) from layer l − 1's forms and the decided pattern of its units:
   * A^l = W^l D A^{l−1}, c^l = W^l D c^{l−1} + b^l (D selects / scales per the activation).
   */
  private computeForms(l: number): void {
    const n0 = this.n0;
    // Fold identity layers: find the last layer before l with units, composing through identity layers.
    const prev = this.layers[l - 1];
    const layer = this.layers[l];
    const Ap = this.formA[l - 1], Cp = this.formC[l - 1];
    const A = this.formA[l], C = this.formC[l];
    const a = prev.activation;
    const width = outputWidthOf(prev);
    // Offset of layer l − 1's units in the pattern.
    let off = 0;
    for (let q = 0; q < l - 1; q++) off += unitsOf(this.layers[q]);
    A.fill(0);
    for (let r = 0; r < layer.outDim; r++) {
      let c = layer.bias[r];
      const ab = r * n0;
      for (let kk = 0; kk < width; kk++) {
        let w = layer.weights[r * width + kk];
        if (w === 0) continue;
        let src = kk;
        if (a.kind === "relu") {
          if (!this.pattern[off + kk]) continue;
        } else if (a.kind === "leaky-relu") {
          if (!this.pattern[off + kk]) w *= a.alpha;
        } else if (a.kind === "maxout") {
          src = kk * a.rank + this.pattern[off + kk];
        }
        if (w === 0) continue;
        c += w * Cp[src];
        const sb = src * n0;
        for (let j = 0; j < n0; j++) A[ab + j] += w * Ap[sb + j];
      }
      C[r] = c;
    }
  }
}

/**
 * ZERO_ROW_NORM × the magnitude bound M of every hidden pre-activation's forms over all patterns: M = ‖W⁰_r‖ in the
 * first layer, Σ_k |W_rk| · M′_k deeper (M′_k: M of the unit k feeds through, × max(1, |α|) for leaky ReLU, the max
 * over its pieces for maxout). Throws ScaleError when a bound overflows (forms beyond the double range).
 */
function zeroRowThresholds(net: Network): Float64Array[] {
  const hidden = hiddenLayers(net), out: Float64Array[] = [];
  let feed: Float64Array | undefined; // M′ of the current layer's inputs
  for (const layer of hidden) {
    const width = layer.inDim, W = layer.weights, M = new Float64Array(layer.outDim);
    for (let r = 0; r < layer.outDim; r++) {
      let s = 0;
      if (!feed) {
        for (let k = 0; k < width; k++) s += W[r * width + k] ** 2;
        s = Math.sqrt(s);
      } else for (let k = 0; k < width; k++) s += Math.abs(W[r * width + k]) * feed[k];
      if (!Number.isFinite(s)) throw new ScaleError("the network's pre-activations overflow the double range even at unit scale");
      M[r] = s;
    }
    out.push(M.map((v) => ZERO_ROW_NORM * v));
    const a = layer.activation;
    if (a.kind === "maxout") {
      feed = new Float64Array(layer.outDim / a.rank);
      for (let i = 0; i < feed.length; i++) for (let j = 0; j < a.rank; j++) feed[i] = Math.max(feed[i], M[i * a.rank + j]);
    } else feed = a.kind === "leaky-relu" ? M.map((v) => v * Math.max(1, Math.abs(a.alpha))) : M;
  }
  return out;
}

/** Euclidean norm of row i of a row-major matrix with n columns. */
function rowNorm(M: Float64Array, i: number, n: number): number {
  let s = 0;
  for (let q = 0; q < n; q++) s += M[i * n + q] * M[i * n + q];
  return Math.sqrt(s);
}
