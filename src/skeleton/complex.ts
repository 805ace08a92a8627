/**
 * The polyhedral complex of a piecewise-linear network in a low-dimensional input box (1 to 4 inputs), kept as its
 * 1-skeleton: vertices (coordinates, the current layer's pre-activations, and the hyperplanes through them), edges
 * (vertex pairs and the hyperplanes containing them) and cells (lists of edge ids). It is refined unit by unit in
 * layer order, in the manner of Berzins' edge subdivision (ICML 2023): a unit's pre-activation is affine on every
 * current cell, so its sign is evaluated once per vertex, an edge whose end points have opposite signs is split once
 * at the zero of the linear interpolation (the split is memoised per edge, so the cells sharing the edge share the
 * new vertex), and the new vertices and on-plane vertices of a cut cell are joined where they share a 2-face
 * (Berzins 2023, §3: two cut points are adjacent iff their sign vectors share d − 1 zeros).
 *
 * Degenerate cases are exact by construction: a vertex whose value is within round-off of zero
 * ({@link ZERO_RELATIVE}) lies on the hyperplane (a hyperplane through an existing vertex adds no vertex), a cell
 * whose vertices all lie on one closed side is not cut (coincident hyperplanes, dead units, units constant on the
 * cell), and a cut that does not close up (a polygon in 3-D, a simple polytope in 4-D) throws
 * {@link SkeletonUndecided}, never a wrong cell.
 * Flat typed arrays throughout. Isomorphic: no Node APIs.
 */
import type { Activation, Box, DenseLayer as Layer, Network } from "../model/network.ts";
import { hiddenLayers, hiddenUnitCount, outputWidthOf, unitsOf } from "../model/network.ts";

/**
 * A vertex lies on a unit's hyperplane when |g(v)| ≤ ZERO_RELATIVE · s, s = |b| + Σ_k |w_k| · max_v |h_k(v)| (the
 * magnitude of the terms g is summed from over the complex). Round-off of g at a vertex is a few ulps of s per layer
 * (≈ 1e-16 · s · depth), so 1e-11 leaves five orders of magnitude against calling a computed zero non-zero, while a
 * vertex this close to a hyperplane can only hide a cell of interior radius ≈ 1e-11 · s / |∇g|, far below the
 * default region threshold (1e-8) for O(1) weights; the region test on every cell (see count.ts) still applies.
 */
export const ZERO_RELATIVE = 1e-11;

/** Most vertices a complex may have (2^26: ids, products and offsets stay far inside the typed arrays' ranges). */
const CUT_KEY = 2 ** 26;

/** Largest input dimension the skeleton handles (cut polytopes are joined from supports of d − 1 hyperplanes). */
export const SKELETON_MAX_DIM = 4;

/** The network has a construct the skeleton does not handle (the caller counts with another method). */
export class SkeletonUnsupported extends Error {
  override name = "SkeletonUnsupported";
}

/** Round-off made a cut inconsistent (a cell not cut into two convex pieces): the caller must use a certified method. */
export class SkeletonUndecided extends Error {
  override name = "SkeletonUndecided";
}

/** Hyperplane id of the box facet x_j = lo_j (side 0) or x_j = hi_j (side 1): negative, units are ≥ 0. */
export const boxFacet = (j: number, side: number): number => -1 - (2 * j + side);

/** Why a network cannot be refined by the skeleton, or undefined when it can. */
export function skeletonSupport(net: Network): string | undefined {
  if (hiddenLayers(net).length === 0) return "the skeleton engine needs a hidden layer (an affine network has one region)";
  if (net.inputDim < 1 || net.inputDim > SKELETON_MAX_DIM) return `the skeleton engine handles 1 to ${SKELETON_MAX_DIM} inputs, this model has ${net.inputDim}`;
  for (const layer of hiddenLayers(net)) {
    const a = layer.activation;
    if (a.kind === "maxout" && a.rank !== 2) return `the skeleton engine handles maxout of rank 2 (one bend per unit), not rank ${a.rank}`;
    if (a.kind === "identity") return "the skeleton engine needs a piecewise-linear activation on every hidden layer";
  }
  return undefined;
}

/** Output k of an activation on the pre-activation rows at H[base…] (maxout of rank 2: the larger of rows 2k, 2k + 1). */
function activate(H: Float64Array, base: number, k: number, kind: Activation["kind"], alpha: number): number {
  if (kind === "identity") return H[base + k];
  if (kind === "maxout") {
    const g0 = H[base + 2 * k];
    const g1 = H[base + 2 * k + 1];
    return g1 > g0 ? g1 : g0;
  }
  const g = H[base + k];
  return g > 0 ? g : kind === "leaky-relu" ? alpha * g : 0;
}

/**
 * hmax[k] = max(hmax[k], |h_k|) for the activation outputs h at the row H[base…] (maxout of rank 2: max(|g_2k|,
 * |g_2k+1|), which bounds |h_k|), k < w: the magnitudes behind {@link ZERO_RELATIVE}'s scales.
 */
function magnitudes(H: Float64Array, base: number, w: number, maxout: boolean, kind: Activation["kind"], alpha: number, hmax: Float64Array): void {
  for (let k = 0; k < w; k++) {
    const h = maxout ? Math.max(Math.abs(H[base + 2 * k]), Math.abs(H[base + 2 * k + 1])) : Math.abs(activate(H, base, k, kind, alpha));
    if (h > hmax[k]) hmax[k] = h;
  }
}

/**
 * out[ob + r] += Σ_q WT[ks[q] · width + r] · hs[q] for r < width, added one term at a time in q order (the same
 * numbers as a loop over q of `out += WT · h`), four columns per pass over the row so that it is loaded and stored a
 * quarter as often.
 */
function addColumns(out: Float64Array, ob: number, width: number, WT: Float64Array, ks: Int32Array, hs: Float64Array, n: number): void {
  let q = 0;
  for (; q + 4 <= n; q += 4) {
    const w0 = ks[q] * width;
    const w1 = ks[q + 1] * width;
    const w2 = ks[q + 2] * width;
    const w3 = ks[q + 3] * width;
    const h0 = hs[q];
    const h1 = hs[q + 1];
    const h2 = hs[q + 2];
    const h3 = hs[q + 3];
    for (let r = 0; r < width; r++) {
      let o = out[ob + r];
      o += WT[w0 + r] * h0;
      o += WT[w1 + r] * h1;
      o += WT[w2 + r] * h2;
      o += WT[w3 + r] * h3;
      out[ob + r] = o;
    }
  }
  for (; q < n; q++) {
    const wq = ks[q] * width;
    const h = hs[q];
    for (let r = 0; r < width; r++) out[ob + r] += WT[wq + r] * h;
  }
}

/** `a` with room for `need` entries, grown to exactly that, keeping its first `used` entries (the rest is dead). */
function exactF(a: Float64Array, need: number, used: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(need);
  b.set(used < a.length ? a.subarray(0, used) : a);
  return b;
}

/**
 * Vertices a layer after the first adds per (parent cell, unit) pair its parent's vertices show cut, reserved at the
 * layer's start (by input dimension; a larger count grows by doubling). Measured per layer on the fixtures and seeded
 * networks: 1.2 to 1.5 in 2-D, 1.3 to 2.5 in 3-D, 2.2 to 3.8 in 4-D (a vertex made on an edge or 2-face is shared
 * by the cells around it; in 1-D a cut adds exactly one). Reserving by this count instead of 4× the vertices present
 * allocates and zeroes less (random-2-64-64-64-s7's last layer: 14,398 vertices for 12,462 instead of 23,900), which
 * measured 1.04 to 1.24× faster on that fixture in same-process A/Bs (docs/benchmarks.md), and no change in 3-D.
 */
const VERTICES_PER_CUT = [0, 1, 1.6, 2.5, 4];

/** Most vertices reserved for the first layer from its arrangement bound (more grows by doubling). */
const FIRST_LAYER_RESERVE = 1 << 20;

/** C(n, k) as a double (exact for the small values used here). */
function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * Vertex pair → edge id, cleared in O(1) by a generation stamp: open addressing with linear probing over flat arrays
 * (no per-entry objects, as Berzins pairs split edges by hashing), kept at most half full.
 */
class PairTable {
  private lo = new Int32Array(1024);
  private hi = new Int32Array(1024);
  private val = new Int32Array(1024);
  private gen = new Int32Array(1024);
  private stamp = 1;
  private count = 0;
  /** Forget every entry. */
  clear(): void {
    this.stamp++;
    this.count = 0;
  }
  private slot(lo: number, hi: number): number {
    const mask = this.lo.length - 1;
    let h = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca77)) & mask;
    while (this.gen[h] === this.stamp && (this.lo[h] !== lo || this.hi[h] !== hi)) h = (h + 1) & mask;
    return h;
  }
  /** The value of (lo, hi), or −1. */
  get(lo: number, hi: number): number {
    const h = this.slot(lo, hi);
    return this.gen[h] === this.stamp ? this.val[h] : -1;
  }
  set(lo: number, hi: number, v: number): void {
    if (2 * (this.count + 1) > this.lo.length) this.grow();
    const h = this.slot(lo, hi);
    if (this.gen[h] !== this.stamp) this.count++;
    this.lo[h] = lo;
    this.hi[h] = hi;
    this.val[h] = v;
    this.gen[h] = this.stamp;
  }
  private grow(): void {
    const { lo, hi, val, gen, stamp } = this;
    const n = 2 * lo.length;
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.val = new Int32Array(n);
    this.gen = new Int32Array(n);
    this.count = 0;
    for (let i = 0; i < lo.length; i++) if (gen[i] === stamp) this.set(lo[i], hi[i], val[i]);
  }
}

/** Growable typed arrays (amortised doubling). */
function grownF(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function grownI(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function grownU(a: Uint8Array, need: number): Uint8Array {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Per unit of a layer, the parent cells it cuts (CSR), and each parent's descendants as a linked list. */
interface ParentGroups {
  /** Per unit: 1 if some vertex is strictly positive (negative) at the layer's start. */
  anyPos: Uint8Array;
  anyNeg: Uint8Array;
  start: Int32Array;
  list: Int32Array;
  head: Int32Array;
  next: Int32Array;
  parents: number;
  /** Bit masks per parent (`words` words of 32 units): the units cutting it, and (with patterns) those positive on it. */
  words: number;
  mixed: Int32Array;
  parentPos: Int32Array;
  /** The parent of each cell made during the layer (cells older than the layer are their own parents). */
  parentOf: Int32Array;
  /** Per vertex present at the layer's start (`vertices` of them), `words` words of unit bits: strictly positive, negative. */
  vertices: number;
  posBits: Int32Array;
  negBits: Int32Array;
}

/** The typed arrays a refined {@link Skeleton} leaves to the next one made with the same {@link SkeletonWorkspace}. */
interface SkeletonBuffers {
  X: Float64Array;
  G: Float64Array;
  F: Float64Array;
  vSupStart: Int32Array;
  vSupLen: Int32Array;
  vSup: Int32Array;
  sign: Int8Array;
  vMark: Int32Array;
  sStamp: Int32Array;
  EA: Int32Array;
  EB: Int32Array;
  eSupStart: Int32Array;
  eSupLen: Int32Array;
  eSup: Int32Array;
  eSplit: Int32Array;
  cStart: Int32Array;
  cLen: Int32Array;
  cE: Int32Array;
  cEAlt: Int32Array;
  posBits: Int32Array;
  negBits: Int32Array;
  mixed: Int32Array;
  list: Int32Array;
  next: Int32Array;
  parentOf: Int32Array;
  cutEdges: PairTable;
}

/**
 * Buffers reused from one count to the next: a {@link Skeleton} made with a workspace takes over the typed arrays
 * (vertices, pre-activations, edges, cells, scratch) that the previous skeleton made with it released, so repeated
 * counts in one process (benchmarks, an explorer recounting) allocate and zero almost nothing once the arrays have
 * grown to the largest complex seen. Every array is rewritten before it is read (stamps are cleared on taking over),
 * so results are the same as without a workspace. A skeleton that released its buffers must not be read any more;
 * one workspace serves one skeleton at a time.
 *
 * @example
 * const ws = new SkeletonWorkspace();
 * for (const net of nets) skeletonCount(net, { box, workspace: ws }).regions;
 */
export class SkeletonWorkspace {
  /** @internal The buffers left by the last skeleton released into this workspace. */
  buffers: SkeletonBuffers | undefined;
}

/** First buffers of a skeleton in `d` inputs (grown by doubling or reserved per layer as the complex grows). */
function freshBuffers(d: number): SkeletonBuffers {
  const vCap = 1024;
  const eCap = 2048;
  const none = new Int32Array(0);
  return {
    X: new Float64Array(vCap * d),
    G: new Float64Array(0),
    F: new Float64Array(0),
    vSupStart: new Int32Array(vCap),
    vSupLen: new Int32Array(vCap),
    vSup: new Int32Array(d >= 3 ? vCap * 4 : 0),
    sign: new Int8Array(vCap),
    vMark: new Int32Array(vCap),
    sStamp: new Int32Array(vCap),
    EA: new Int32Array(eCap),
    EB: new Int32Array(eCap),
    eSupStart: new Int32Array(eCap),
    eSupLen: new Int32Array(eCap),
    eSup: new Int32Array(d >= 2 ? eCap * (d - 1) : 0),
    eSplit: new Int32Array(eCap),
    cStart: new Int32Array(1024),
    cLen: new Int32Array(1024),
    cE: new Int32Array(8192),
    cEAlt: none,
    posBits: none,
    negBits: none,
    mixed: none,
    list: none,
    next: none,
    parentOf: none,
    cutEdges: new PairTable(),
  };
}

/** Options of {@link Skeleton}. */
export interface SkeletonOptions {
  /** Keep each cell's activation pattern (for `--regions`, `--complex`); costs one byte per cell and unit. */
  patterns?: boolean;
  /** Called after each hidden layer with the number of cells so far. */
  onLayer?: (layer: number, layers: number, cells: number) => void;
  /** Take over the buffers an earlier skeleton released into this workspace ({@link Skeleton.release}). */
  workspace?: SkeletonWorkspace;
}

/**
 * The refined complex. Construct it, then {@link Skeleton.refineAll}; read cells through {@link Skeleton.cellCount},
 * {@link Skeleton.cellEdges}, and vertex/edge arrays.
 */
export class Skeleton {
  readonly d: number;
  readonly units: number;
  // Vertices.
  vCount = 0;
  X: Float64Array;
  /** Current layer's pre-activations, vertex-major (stride `gw`). */
  G: Float64Array = new Float64Array(0);
  gw = 0;
  /** Hyperplanes through each vertex (d ≥ 3 only): arena `vSup`, ranges `vSupStart`/`vSupLen`. */
  vSupStart: Int32Array;
  vSupLen: Int32Array;
  vSup: Int32Array;
  vSupTop = 0;
  /** Sign of the unit being inserted at each vertex (−1, 0, +1; its value is read from G where needed). */
  private sign: Int8Array;
  private vMark: Int32Array;
  // Edges.
  eCount = 0;
  EA: Int32Array;
  EB: Int32Array;
  /** Hyperplanes containing each edge (d ≥ 2; in 2-D the one line carrying it): arena `eSup`, ranges per edge. */
  eSupStart: Int32Array;
  eSupLen: Int32Array;
  eSup: Int32Array;
  eSupTop = 0;
  /**
   * Per edge: −1, or the first of the two halves it was split into (ids s and s + 1: s from its end point A to the new
   * vertex, s + 1 from it to B). A split edge leaves every cell, so the memo needs no clearing between units.
   */
  private eSplit: Int32Array;
  // Cells: edge lists in an append-only arena.
  cCount = 0;
  cStart: Int32Array;
  cLen: Int32Array;
  cE: Int32Array;
  cTop = 0;
  /** Patterns, cell-major (stride `units`), when kept. */
  P: Uint8Array;
  readonly keepPatterns: boolean;
  private readonly onLayer?: (layer: number, layers: number, cells: number) => void;
  /** Per hidden layer: units whose hyperplane cuts no cell (one sign over the whole box), always active / inactive. */
  readonly stableActive: number[] = [];
  readonly stableInactive: number[] = [];
  private layerIndex = 0;
  private scratchPos: Int32Array = new Int32Array(64);
  private scratchNeg: Int32Array = new Int32Array(64);
  private items: Int32Array = new Int32Array(64);
  private planeEdges: Int32Array = new Int32Array(64);
  private sup: Int32Array = new Int32Array(16);

  constructor(
    readonly net: Network,
    readonly box: Box,
    opts: SkeletonOptions = {},
  ) {
    const why = skeletonSupport(net);
    if (why) throw new SkeletonUnsupported(why);
    const d = (this.d = net.inputDim);
    this.units = hiddenUnitCount(net);
    this.keepPatterns = opts.patterns ?? false;
    this.onLayer = opts.onLayer;
    this.P = new Uint8Array(this.keepPatterns ? 1024 * Math.max(1, this.units) : 0);
    // The buffers an earlier skeleton released into the workspace, or small fresh ones. Capacities are the shortest
    // array of each group (vertices, edges, cells); the sign stamps are cleared (every other array is written before
    // it is read).
    const b = opts.workspace?.buffers ?? freshBuffers(d);
    if (opts.workspace) opts.workspace.buffers = undefined;
    this.vCap = Math.min(Math.floor(b.X.length / d), b.vSupStart.length, b.vSupLen.length, b.sign.length, b.vMark.length, b.sStamp.length);
    this.X = b.X;
    this.vSupStart = b.vSupStart;
    this.vSupLen = b.vSupLen;
    this.vSup = b.vSup;
    this.sign = b.sign;
    this.vMark = b.vMark;
    this.sStamp = b.sStamp.fill(0);
    this.heldG = b.G;
    this.spare = b.F;
    // Per-edge arrays grow together from EA's length; views keep them equally long should they differ.
    const eCap = Math.min(b.EA.length, b.EB.length, b.eSupStart.length, b.eSupLen.length, b.eSplit.length);
    this.EA = b.EA.subarray(0, eCap);
    this.EB = b.EB.subarray(0, eCap);
    this.eSupStart = b.eSupStart.subarray(0, eCap);
    this.eSupLen = b.eSupLen.subarray(0, eCap);
    this.eSplit = b.eSplit.subarray(0, eCap);
    this.eSup = b.eSup;
    const cCap = Math.min(b.cStart.length, b.cLen.length);
    this.cStart = b.cStart.subarray(0, cCap);
    this.cLen = b.cLen.subarray(0, cCap);
    this.cE = b.cE;
    this.cEAlt = b.cEAlt;
    this.pgPos = b.posBits;
    this.pgNeg = b.negBits;
    this.pgMixed = b.mixed;
    this.pgList = b.list;
    this.pgNext = b.next;
    this.pgParentOf = b.parentOf;
    this.cutEdges = b.cutEdges;
    this.initBox();
  }

  /**
   * Leave this skeleton's typed arrays to the next skeleton made with `ws` (see {@link SkeletonWorkspace}). This
   * skeleton must not be read afterwards: its arrays will be overwritten.
   */
  release(ws: SkeletonWorkspace): void {
    ws.buffers = {
      X: this.X,
      G: this.G,
      F: this.F.length >= this.spare.length ? this.F : this.spare,
      vSupStart: this.vSupStart,
      vSupLen: this.vSupLen,
      vSup: this.vSup,
      sign: this.sign,
      vMark: this.vMark,
      sStamp: this.sStamp,
      EA: this.EA,
      EB: this.EB,
      eSupStart: this.eSupStart,
      eSupLen: this.eSupLen,
      eSup: this.eSup,
      eSplit: this.eSplit,
      cStart: this.cStart,
      cLen: this.cLen,
      cE: this.cE,
      cEAlt: this.cEAlt,
      posBits: this.pgPos,
      negBits: this.pgNeg,
      mixed: this.pgMixed,
      list: this.pgList,
      next: this.pgNext,
      parentOf: this.pgParentOf,
      cutEdges: this.cutEdges,
    };
  }
  /** A buffer taken over from a workspace, used for G at the first layer when it is large enough. */
  private heldG: Float64Array;
  /** The cell arena's other half: compaction copies the live lists into it (kept, not collected, between compactions). */
  private cEAlt: Int32Array;
  /** Per-layer buffers of parentGroups, reused from layer to layer (and from a workspace). */
  private pgPos: Int32Array;
  private pgNeg: Int32Array;
  private pgMixed: Int32Array;
  private pgList: Int32Array;
  private pgNext: Int32Array;
  private pgParentOf: Int32Array;

  /** The box as the first cell: 2^d vertices, d·2^(d−1) edges. */
  private initBox(): void {
    const { d } = this;
    const { lo, hi } = this.box;
    const corners = 1 << d;
    const x = new Float64Array(d);
    const sup = new Int32Array(d);
    for (let m = 0; m < corners; m++) {
      for (let j = 0; j < d; j++) {
        const side = (m >> j) & 1;
        x[j] = side ? hi[j] : lo[j];
        sup[j] = boxFacet(j, side);
      }
      this.addVertex(x, sup, d);
    }
    const edges: number[] = [];
    for (let m = 0; m < corners; m++) {
      for (let j = 0; j < d; j++) {
        if ((m >> j) & 1) continue;
        const n = m | (1 << j);
        let k = 0;
        for (let i = 0; i < d; i++) if (i !== j) sup[k++] = boxFacet(i, (m >> i) & 1);
        edges.push(this.addEdge(m, n, sup, k));
      }
    }
    const c = this.newCell();
    this.setCellEdges(c, edges, edges.length);
  }

  private addVertex(x: ArrayLike<number>, sup: ArrayLike<number>, supLen: number): number {
    const v = this.vCount++;
    const d = this.d;
    if (v >= CUT_KEY) throw new SkeletonUnsupported(`the complex outgrew ${CUT_KEY} vertices`);
    if (v >= this.vCap) this.growVertices(v + 1);
    for (let j = 0; j < d; j++) this.X[v * d + j] = x[j];
    if (d >= 3) this.setVertexSupport(v, sup, supLen);
    this.vMark[v] = 0;
    return v;
  }

  /**
   * Room for `cap` vertices in every per-vertex array (contents kept, G and F included): the capacity at least
   * doubles, and every array is sized from the one capacity `vCap` (an array grown on its own could fall behind).
   */
  private growVertices(cap: number): void {
    if (cap > this.vCap) this.vCap = Math.max(cap, 2 * this.vCap);
    const n = this.vCap;
    this.X = grownF(this.X, n * this.d);
    this.vSupStart = grownI(this.vSupStart, n);
    this.vSupLen = grownI(this.vSupLen, n);
    if (this.sign.length < n) {
      const s = new Int8Array(n);
      s.set(this.sign);
      this.sign = s;
    }
    this.vMark = grownI(this.vMark, n);
    this.sStamp = grownI(this.sStamp, n);
    this.G = exactF(this.G, n * this.gw, this.vCount * this.gw);
    this.F = exactF(this.F, n * this.fw, this.vCount * this.fw);
  }
  /** Capacity of the per-vertex arrays, in vertices. */
  private vCap = 1024;

  private setVertexSupport(v: number, sup: ArrayLike<number>, len: number): void {
    this.vSup = grownI(this.vSup, this.vSupTop + len + 1);
    this.vSupStart[v] = this.vSupTop;
    this.vSupLen[v] = len;
    for (let i = 0; i < len; i++) this.vSup[this.vSupTop++] = sup[i];
  }

  private addEdge(a: number, b: number, sup: ArrayLike<number>, supLen: number): number {
    const e = this.eCount++;
    if (e >= this.EA.length) this.growEdges(this.EA.length * 2);
    this.EA[e] = a;
    this.EB[e] = b;
    this.eSplit[e] = -1;
    if (this.d >= 2) {
      this.eSup = grownI(this.eSup, this.eSupTop + supLen);
      this.eSupStart[e] = this.eSupTop;
      this.eSupLen[e] = supLen;
      for (let i = 0; i < supLen; i++) this.eSup[this.eSupTop++] = sup[i];
    }
    return e;
  }

  /** Room for `cap` edges in every per-edge array (contents kept), and for their supports (d − 1 each). */
  private growEdges(cap: number): void {
    if (cap > this.EA.length) {
      this.EA = grownI(this.EA, cap);
      this.EB = grownI(this.EB, cap);
      this.eSupStart = grownI(this.eSupStart, cap);
      this.eSupLen = grownI(this.eSupLen, cap);
      this.eSplit = grownI(this.eSplit, cap);
    }
    if (this.d >= 2) this.eSup = grownI(this.eSup, cap * (this.d - 1));
  }

  private newCell(): number {
    const c = this.cCount++;
    if (c >= this.cStart.length) {
      this.cStart = grownI(this.cStart, c + 1);
      this.cLen = grownI(this.cLen, c + 1);
    }
    if (this.keepPatterns) this.P = grownU(this.P, (c + 1) * this.units);
    return c;
  }

  private setCellEdges(c: number, list: ArrayLike<number>, n: number): void {
    if (this.cTop + n > this.cE.length) this.compactCells(n);
    this.cStart[c] = this.cTop;
    this.cLen[c] = n;
    for (let i = 0; i < n; i++) this.cE[this.cTop++] = list[i];
  }

  /** Rewrite the cell arena without the lists of cells since cut (or grow it when it is mostly live). */
  private compactCells(extra: number): void {
    let live = 0;
    for (let c = 0; c < this.cCount; c++) live += this.cLen[c];
    const need = Math.max(8192, 3 * (live + extra));
    const next = this.cEAlt.length >= need ? this.cEAlt : new Int32Array(need);
    let top = 0;
    for (let c = 0; c < this.cCount; c++) {
      const s = this.cStart[c];
      const n = this.cLen[c];
      const cE = this.cE;
      for (let i = 0; i < n; i++) next[top + i] = cE[s + i];
      this.cStart[c] = top;
      top += n;
    }
    this.cEAlt = this.cE;
    this.cE = next;
    this.cTop = top;
  }

  /** Edge ids of cell c (a view: valid until the next cut). */
  cellEdges(c: number): Int32Array {
    return this.cE.subarray(this.cStart[c], this.cStart[c] + this.cLen[c]);
  }

  /**
   * The pre-activations W h + b of `layer` at vertices [0, V) into `out` (stride layer.outDim), h = the activation
   * `act` of the rows of `H` (stride hw; identity for the inputs). Per vertex, the row starts at b and adds W's column
   * k times h_k for the non-zero h_k only (about half of a ReLU layer's are 0), W read transposed (`WT`) so that both
   * the column and the row of `out` are contiguous.
   */
  private preActivations(layer: Layer, WT: Float64Array, H: Float64Array, hw: number, act: Activation, out: Float64Array, V: number, hmax?: Float64Array): void {
    const { outDim, bias: b } = layer;
    const maxout = act.kind === "maxout";
    const w = maxout ? hw / act.rank : hw;
    const alpha = act.kind === "leaky-relu" ? act.alpha : 0;
    const ks = this.colIds.length >= w ? this.colIds : (this.colIds = new Int32Array(w));
    const hs = this.colScales.length >= w ? this.colScales : (this.colScales = new Float64Array(w));
    for (let v = 0; v < V; v++) {
      const hb = v * hw;
      const gb = v * outDim;
      for (let r = 0; r < outDim; r++) out[gb + r] = b[r];
      if (hmax) magnitudes(H, hb, w, maxout, act.kind, alpha, hmax);
      let n = 0;
      for (let k = 0; k < w; k++) {
        const h = activate(H, hb, k, act.kind, alpha);
        if (h === 0) continue;
        ks[n] = k;
        hs[n++] = h;
      }
      addColumns(out, gb, outDim, WT, ks, hs, n);
    }
  }
  /** Scratch of addColumns' callers: the columns with a non-zero factor and the factors. */
  private colIds = new Int32Array(0);
  private colScales = new Float64Array(0);

  /** W transposed (column k of W contiguous at k · outDim). */
  private static transposed(layer: Layer): Float64Array {
    const { outDim, inDim, weights: W } = layer;
    const WT = new Float64Array(outDim * inDim);
    for (let r = 0; r < outDim; r++) for (let k = 0; k < inDim; k++) WT[k * outDim + r] = W[r * inDim + k];
    return WT;
  }

  /**
   * Per pre-activation row of `layer`: the magnitude scale |b| + Σ |w_k| max_v |h_k(v)| of {@link ZERO_RELATIVE}, h
   * the activation `act` of the rows of `H` (stride hw) at every vertex. For ReLU and leaky ReLU |h_k| is convex on
   * every cell, so its maximum over the box is at a vertex; for maxout max(|g_0|, |g_1|) bounds it.
   */
  private rowScales(layer: Layer, H: Float64Array, hw: number, act: Activation): Float64Array {
    const maxout = act.kind === "maxout";
    const w = maxout ? hw / act.rank : hw;
    const alpha = act.kind === "leaky-relu" ? act.alpha : 0;
    const hmax = new Float64Array(w);
    for (let v = 0; v < this.vCount; v++) magnitudes(H, v * hw, w, maxout, act.kind, alpha, hmax);
    return Skeleton.scalesOf(layer, hmax);
  }

  /** The scales of {@link rowScales} from the maxima `hmax` of the layer's input magnitudes over every vertex. */
  private static scalesOf(layer: Layer, hmax: Float64Array): Float64Array {
    const w = hmax.length;
    const s = new Float64Array(layer.outDim);
    for (let r = 0; r < layer.outDim; r++) {
      let t = Math.abs(layer.bias[r]);
      for (let k = 0; k < w; k++) t += Math.abs(layer.weights[r * w + k]) * hmax[k];
      s[r] = t;
    }
    return s;
  }

  /**
   * Refine by every hidden unit, layer by layer. The pre-activations G of layer l are known at every vertex when the
   * layer starts; those of layer l + 1 (F) are computed there once for the vertices present, and carried to each
   * vertex the layer's cuts add, m = (1 − t) a + t b on an edge ab: h^l is affine along ab except for a kink at each
   * unit k whose hyperplane crosses ab strictly inside, so F(m) = (1 − t) F(a) + t F(b) − Σ_k W^{l+1}_{:,k} e_k, with
   * e_k = (1 − t) h_k(a) + t h_k(b) − h_k(m) the kink's gap (Serra et al. 2018, §2: g^{l+1} = W^{l+1} h^l + b^{l+1}).
   * A vertex's row of W^{l+1} h^l is thus computed once, in the layer where the vertex is made or at the start of the
   * previous one, not at every layer start. Round-off grows by a few ulps per split along a chain of splits in one
   * layer, far below {@link ZERO_RELATIVE}.
   */
  refineAll(): void {
    const hidden = hiddenLayers(this.net);
    const identity: Activation = { kind: "identity" };
    // Layer 0's pre-activations at the box's corners, and its scales, from the inputs.
    let scales: Float64Array = this.rowScales(hidden[0], this.X, this.d, identity);
    this.gw = hidden[0].outDim;
    const gNeed = this.vCap * this.gw;
    this.G = this.heldG.length >= gNeed ? this.heldG : new Float64Array(gNeed);
    this.heldG = new Float64Array(0);
    this.preActivations(hidden[0], Skeleton.transposed(hidden[0]), this.X, this.d, identity, this.G, this.vCount);
    let unit = 0;
    for (let l = 0; l < hidden.length; l++) {
      const layer = hidden[l];
      this.layerIndex = l;
      this.stableActive.push(0);
      this.stableInactive.push(0);
      const act = layer.activation;
      const next = l + 1 < hidden.length ? hidden[l + 1] : undefined;
      this.fw = next ? next.outDim : 0;
      // Room for the vertices this layer will add, so that the per-vertex arrays (G and F: vertices × width) are
      // rarely copied to grow. Layer 0 is an arrangement of n hyperplanes and the box's 2d facets, with at most
      // C(n + 2d, d) vertices; a later layer adds about VERTICES_PER_CUT[d] vertices per (parent cell, unit) pair
      // that the parent's vertices show to be cut (more doubles). F reuses the buffer of the layer before last when
      // it is large enough (its contents are dead).
      this.act = act;
      this.alpha = act.kind === "leaky-relu" ? act.alpha : 0;
      const maxout = act.kind === "maxout";
      const n = unitsOf(layer);
      const tols = new Float64Array(n);
      for (let i = 0; i < n; i++) tols[i] = ZERO_RELATIVE * (maxout ? scales[2 * i + 1] + scales[2 * i] : scales[i]);
      const groups = this.parentGroups(n, maxout, tols);
      const cap = Math.max(this.vCap, l === 0 ? Math.min(binomial(n + 2 * this.d, this.d), FIRST_LAYER_RESERVE) : this.vCount + Math.ceil(VERTICES_PER_CUT[this.d] * groups.start[n]));
      const eCap = l === 0 ? (this.d + 1) * cap : this.eCount + (this.d + 1) * (cap - this.vCount);
      const fw = this.fw;
      this.F = new Float64Array(0);
      this.fw = 0;
      this.growVertices(cap); // every per-vertex array but F, which is not copied: its contents are made below
      // Edges likewise: the fixtures' complexes end with about d + 1 edges per vertex (random-2-64-64-64-s7 3.0,
      // random-3-24-24-24-s8 3.9).
      this.growEdges(eCap);
      this.fw = fw;
      const fNeed = this.vCap * fw;
      this.F = this.spare.length >= fNeed ? this.spare : new Float64Array(fNeed);
      this.spare = new Float64Array(0);
      if (next) {
        // The magnitudes of h^l for the next layer's scales: over the vertices present here, and over each vertex the
        // layer adds as carryNext makes its row (every vertex's, as rowScales would read them at the layer's end).
        this.hmax = new Float64Array(unitsOf(layer));
        this.nextWT = Skeleton.transposed(next);
        this.nextBias = next.bias;
        this.preActivations(next, this.nextWT, this.G, this.gw, act, this.F, this.vCount, this.hmax);
      }
      const first = unit;
      for (let i = 0; i < n; i++, unit++) {
        if (maxout) this.insertUnit(unit, 2 * i + 1, 2 * i, tols[i], groups, i);
        else this.insertUnit(unit, i, -1, tols[i], groups, i);
      }
      if (this.keepPatterns) this.layerPatterns(first, n, groups);
      this.onLayer?.(l + 1, hidden.length, this.cCount);
      if (next) {
        scales = Skeleton.scalesOf(next, this.hmax);
        this.spare = this.G;
        this.G = this.F;
        this.gw = this.fw;
        this.F = new Float64Array(0);
        this.fw = 0;
      }
    }
  }
  /** Next layer's pre-activations at every vertex (stride fw; 0 in the last hidden layer), and W^{l+1} transposed. */
  private F: Float64Array = new Float64Array(0);
  /** The buffer of the layer before last, reused for the next F. */
  private spare: Float64Array = new Float64Array(0);
  private fw = 0;
  private nextWT: Float64Array = new Float64Array(0);
  /** Per unit of the layer being refined: max over vertices of |h_k| (maxout: max(|g_2k|, |g_2k+1|)), for scalesOf. */
  private hmax: Float64Array = new Float64Array(0);
  private act: Activation = { kind: "relu" };
  private alpha = 0;

  /**
   * The pattern bits of the layer's units (pattern indices first …) on the cells the units did not visit: a unit
   * sets the bit of every cell it scans (1 where the cell lies on its positive side, as `evaluate` decides g > 0 inside;
   * a cut's positive piece 1, its negative piece 0); a cell whose parent the unit does not cut lies on the parent's
   * side, 1 when some vertex of the parent is strictly positive (all zero: the unit is ≡ 0 there, bit 0).
   */
  private layerPatterns(first: number, n: number, groups: ParentGroups): void {
    const U = this.units;
    const { words, mixed, parentPos, parentOf, parents } = groups;
    for (let c = 0; c < this.cCount; c++) {
      const p = c < parents ? c : parentOf[c];
      const base = c * U + first;
      for (let i = 0; i < n; i++) {
        const w = p * words + (i >>> 5);
        const bit = 1 << (i & 31);
        if ((mixed[w] & bit) === 0) this.P[base + i] = (parentPos[w] & bit) !== 0 ? 1 : 0;
      }
    }
  }

  /** Value of the hyperplane function of unit row (maxout: row − minus) at vertex v. */
  private value(v: number, row: number, minus: number): number {
    const b = v * this.gw;
    return minus < 0 ? this.G[b + row] : this.G[b + row] - this.G[b + minus];
  }

  /**
   * The cells at the start of a layer ("parents") each unit of the layer cuts: every pre-activation of the layer is
   * affine on a parent, so a unit can cut a descendant of it only if the parent's own vertices take both signs
   * (a descendant's vertices are convex combinations of them). Returns CSR lists per unit and per-parent descendant
   * lists, so that a unit scans only the cells it may cut instead of all of them.
   */
  private parentGroups(n: number, maxout: boolean, tols: Float64Array): ParentGroups {
    const C = this.cCount;
    const V = this.vCount;
    const gw = this.gw;
    const G = this.G;
    // Signs of every unit at every vertex as bit masks (32 units a word), computed once per vertex.
    const words = (n + 31) >>> 5;
    // The buffers of the layer before (or a workspace's) when large enough, cleared where read.
    const posBits = this.pgPos.length >= V * words ? this.pgPos.fill(0, 0, V * words) : (this.pgPos = new Int32Array(V * words));
    const anyPos = new Uint8Array(n);
    const anyNeg = new Uint8Array(n);
    const negBits = this.pgNeg.length >= V * words ? this.pgNeg.fill(0, 0, V * words) : (this.pgNeg = new Int32Array(V * words));
    for (let v = 0; v < V; v++) {
      const b = v * gw;
      for (let i = 0; i < n; i++) {
        const g = maxout ? G[b + 2 * i + 1] - G[b + 2 * i] : G[b + i];
        if (g > tols[i]) {
          posBits[v * words + (i >>> 5)] |= 1 << (i & 31);
          anyPos[i] = 1;
        } else if (g < -tols[i]) {
          negBits[v * words + (i >>> 5)] |= 1 << (i & 31);
          anyNeg[i] = 1;
        }
      }
    }
    const counts = new Int32Array(n + 1);
    const mixed = this.pgMixed.length >= C * words ? this.pgMixed : (this.pgMixed = new Int32Array(C * words)); // every entry < C · words written below
    const pos = new Int32Array(words);
    const neg = new Int32Array(words);
    for (let p = 0; p < C; p++) {
      pos.fill(0);
      neg.fill(0);
      const s0 = this.cStart[p];
      const len = this.cLen[p];
      for (let k = 0; k < len; k++) {
        const e = this.cE[s0 + k];
        const a = this.EA[e] * words;
        const b = this.EB[e] * words;
        for (let w = 0; w < words; w++) {
          pos[w] |= posBits[a + w] | posBits[b + w];
          neg[w] |= negBits[a + w] | negBits[b + w];
        }
      }
      for (let w = 0; w < words; w++) {
        let m = pos[w] & neg[w];
        mixed[p * words + w] = m;
        while (m !== 0) {
          const bit = 31 - Math.clz32(m & -m);
          counts[(w << 5) + bit + 1]++;
          m &= m - 1;
        }
      }
    }
    for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
    const list = this.pgList.length >= counts[n] ? this.pgList : (this.pgList = new Int32Array(counts[n])); // read below counts[n] only
    const fill = counts.slice(0, n);
    for (let p = 0; p < C; p++) {
      for (let w = 0; w < words; w++) {
        let m = mixed[p * words + w];
        while (m !== 0) {
          const bit = 31 - Math.clz32(m & -m);
          list[fill[(w << 5) + bit]++] = p;
          m &= m - 1;
        }
      }
    }
    const head = new Int32Array(C);
    for (let p = 0; p < C; p++) head[p] = p;
    // Per parent: the units it lies positive for (the OR of its vertices' bits), for the patterns of uncut cells.
    const parentPos = new Int32Array(this.keepPatterns ? C * words : 0);
    if (this.keepPatterns) {
      for (let p = 0; p < C; p++) {
        const s0 = this.cStart[p];
        const len = this.cLen[p];
        for (let k = 0; k < len; k++) {
          const e = this.cE[s0 + k];
          const a = this.EA[e] * words;
          const b = this.EB[e] * words;
          for (let w = 0; w < words; w++) parentPos[p * words + w] |= posBits[a + w] | posBits[b + w];
        }
      }
    }
    // Descendant lists: a parent's starts empty (−1); a cell made during the layer gets its link and parent as it is
    // made, before either is read.
    const nNeed = Math.max(1024, 4 * C);
    const next = this.pgNext.length >= nNeed ? this.pgNext : (this.pgNext = new Int32Array(nNeed));
    next.fill(-1, 0, C);
    const parentOf = this.pgParentOf.length >= nNeed ? this.pgParentOf : (this.pgParentOf = new Int32Array(nNeed));
    return { anyPos, anyNeg, start: counts, list, head, next, parents: C, words, mixed, parentPos, parentOf, vertices: V, posBits, negBits };
  }

  /**
   * Cut the cells by the hyperplane of pattern index `unit`: g[row] = 0 (ReLU, leaky ReLU), or g[row] − g[minus] = 0
   * (maxout of rank 2: the pattern is 1 where piece 1 is strictly larger, as `evaluate` decides). Only
   * the descendants of the parents unit `i` of the layer cuts are scanned (`groups`).
   */
  private insertUnit(unit: number, row: number, minus: number, tol: number, groups: ParentGroups, i: number): void {
    let pos = 0;
    let neg = 0;
    this.signStamp++;
    this.row = row;
    this.minus = minus;
    // Rows a new vertex needs: all while they feed the next layer or the patterns' outputs, else only the units
    // still to insert (the last hidden layer when counting).
    this.rowFrom = this.fw > 0 || this.keepPatterns ? 0 : Math.max(row, minus) + 1;
    this.tol = tol;
    if (this.d >= 3) {
      // Every vertex on the hyperplane records it (the supports pair cut points and find facets later), so every
      // vertex is evaluated: those present at the layer's start from the layer's sign bits (the same test on the
      // same numbers, read from 4 bytes per vertex instead of a row of G), the others from G.
      const V = this.vCount;
      const gw = this.gw;
      const G = this.G;
      const { vertices: V0, words, posBits, negBits } = groups;
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      const stamp = this.signStamp;
      for (let v = 0; v < V0; v++) {
        const s = (posBits[v * words + word] & bit) !== 0 ? 1 : (negBits[v * words + word] & bit) !== 0 ? -1 : 0;
        this.sign[v] = s;
        this.sStamp[v] = stamp;
        if (s > 0) pos++;
        else if (s < 0) neg++;
        else this.addSupport(v, unit);
      }
      for (let v = V0; v < V; v++) {
        const g = minus < 0 ? G[v * gw + row] : G[v * gw + row] - G[v * gw + minus];
        const s = g > tol ? 1 : g < -tol ? -1 : 0;
        this.sign[v] = s;
        this.sStamp[v] = this.signStamp;
        if (s > 0) pos++;
        else if (s < 0) neg++;
        else this.addSupport(v, unit);
      }
    } else {
      // In 1-D and 2-D only the vertices of the cells scanned are evaluated (cellSide does it, once per vertex and
      // unit). Some vertex is strictly positive (negative) iff one present when the layer started is: the others are
      // convex combinations of them.
      pos = groups.anyPos[i];
      neg = groups.anyNeg[i];
    }
    if (pos === 0 || neg === 0) {
      // No cell is cut: every cell lies on one closed side (a unit ≡ 0 counts as inactive, as its pattern bit is 0).
      if (pos > 0) this.stableActive[this.layerIndex]++;
      else this.stableInactive[this.layerIndex]++;
      return;
    }
    if (this.d >= 3) this.cutEdges.clear();
    const { start, list, head } = groups;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const p = list[k];
      for (let c = head[p]; c >= 0; c = groups.next[c]) {
        const side = this.cellSide(c);
        if (side !== 2) {
          // The cell lies on one closed side: its pattern bit is 1 where the unit is positive inside it.
          if (this.keepPatterns) this.P[c * this.units + unit] = side === 1 ? 1 : 0;
          continue;
        }
        const cn = this.cutCell(c, unit);
        if (this.keepPatterns) {
          this.P[c * this.units + unit] = 1;
          this.P[cn * this.units + unit] = 0;
        }
        // The new cell joins its parent's descendants.
        if (cn >= groups.next.length) {
          groups.next = this.pgNext = grownI(groups.next, 2 * cn);
          groups.parentOf = this.pgParentOf = grownI(groups.parentOf, 2 * cn);
        }
        groups.parentOf[cn] = p;
        groups.next[cn] = groups.next[c];
        groups.next[c] = cn;
        c = cn; // cn lies on the cut's negative side: nothing more to cut there
      }
    }
  }

  /** Value and sign of the unit being inserted at vertex v. */
  private evaluateSign(v: number): void {
    const b = v * this.gw;
    const g = this.minus < 0 ? this.G[b + this.row] : this.G[b + this.row] - this.G[b + this.minus];
    this.sign[v] = g > this.tol ? 1 : g < -this.tol ? -1 : 0;
    this.sStamp[v] = this.signStamp;
  }
  /** The unit being inserted: its row (maxout: minus the row `minus`), tolerance, and the stamp of evaluated signs. */
  private row = 0;
  private minus = -1;
  private tol = 0;
  private signStamp = 0;
  private rowFrom = 0;
  private sStamp: Int32Array = new Int32Array(1024);

  /** Record that vertex v lies on hyperplane `unit` (d ≥ 3). */
  private addSupport(v: number, unit: number): void {
    const s = this.vSupStart[v];
    const n = this.vSupLen[v];
    if (n > 0 && this.vSup[s + n - 1] === unit) return;
    if (s + n === this.vSupTop) {
      this.vSup = grownI(this.vSup, this.vSupTop + 1);
      this.vSup[this.vSupTop++] = unit;
      this.vSupLen[v] = n + 1;
      return;
    }
    this.vSup = grownI(this.vSup, this.vSupTop + n + 1);
    const t = this.vSupTop;
    this.vSup.copyWithin(t, s, s + n);
    this.vSup[t + n] = unit;
    this.vSupStart[v] = t;
    this.vSupLen[v] = n + 1;
    this.vSupTop = t + n + 1;
  }

  /** 1: vertices of c all ≥ 0, some > 0; −1: all ≤ 0, some < 0; 0: all zero; 2: both signs (c is cut; read up to the first edge showing it). */
  private cellSide(c: number): number {
    const s0 = this.cStart[c];
    const n = this.cLen[c];
    let pos = false;
    let neg = false;
    const stamp = this.signStamp;
    for (let i = 0; i < n; i++) {
      const e = this.cE[s0 + i];
      const va = this.EA[e];
      const vb = this.EB[e];
      if (this.sStamp[va] !== stamp) this.evaluateSign(va);
      if (this.sStamp[vb] !== stamp) this.evaluateSign(vb);
      const a = this.sign[va];
      const b = this.sign[vb];
      if (a > 0 || b > 0) pos = true;
      if (a < 0 || b < 0) neg = true;
      // Both signs: the cell is cut, the rest of its edges need not be read here (cutCell evaluates the signs it
      // still lacks).
      if (pos && neg) return 2;
    }
    return pos ? 1 : neg ? -1 : 0;
  }

  /** The vertex where edge e (end points of opposite signs) meets the hyperplane, and its two halves (memoised). */
  private splitEdge(e: number, unit: number): void {
    const half = this.eSplit[e];
    if (half >= 0) {
      // Split by this unit for a neighbouring cell (its new vertex carries this unit's stamp and sign 0). A split
      // left by an earlier unit would mean a cell kept an edge that unit cut: inconsistent, left to a certified method.
      const m = this.EB[half];
      if (this.sStamp[m] !== this.signStamp || this.sign[m] !== 0) throw new SkeletonUndecided(`edge ${e} met again after a split, at unit ${unit}`);
      return;
    }
    const a = this.EA[e];
    const b = this.EB[e];
    const ga = this.value(a, this.row, this.minus);
    const gb = this.value(b, this.row, this.minus);
    const t = ga / (ga - gb); // the zero of the pre-activation, affine along the edge
    const d = this.d;
    const x = this.tmpX;
    for (let j = 0; j < d; j++) x[j] = this.X[a * d + j] + t * (this.X[b * d + j] - this.X[a * d + j]);
    let supLen = 0;
    if (d >= 2) {
      const s = this.eSupStart[e];
      supLen = this.eSupLen[e];
      if (this.edgeSup.length < supLen + 1) this.edgeSup = new Int32Array(2 * supLen + 2);
      for (let i = 0; i < supLen; i++) this.edgeSup[i] = this.eSup[s + i];
      this.edgeSup[supLen] = unit;
    }
    const m = this.addVertex(x, this.edgeSup, supLen + 1);
    const gw = this.gw;
    const G = this.G;
    for (let r = this.rowFrom; r < gw; r++) G[m * gw + r] = G[a * gw + r] + t * (G[b * gw + r] - G[a * gw + r]);
    if (this.fw > 0) this.carryNext(a, b, m, t);
    this.sign[m] = 0;
    this.sStamp[m] = this.signStamp;
    const ea = this.addEdge(a, m, this.edgeSup, supLen);
    this.addEdge(m, b, this.edgeSup, supLen); // id ea + 1
    this.eSplit[e] = ea;
  }
  /** F at the new vertex m = (1 − t) a + t b: interpolated, less the gap of each kink of h^l strictly inside ab. */
  private carryNext(a: number, b: number, m: number, t: number): void {
    const fw = this.fw;
    const F = this.F;
    const G = this.G;
    const gw = this.gw;
    const kind = this.act.kind;
    const alpha = this.alpha;
    const maxout = kind === "maxout";
    const w = maxout ? gw >> 1 : gw;
    const ga = a * gw;
    const gb = b * gw;
    const gm = m * gw;
    const WT = this.nextWT;
    // The kinks (units whose g_k, maxout g_2k+1 − g_2k, changes sign strictly inside ab) and their gaps, and how
    // many units are non-zero at m: when the kinks are as many, W h(m) + b directly costs no more and is exact.
    const kinks = this.kinks.length >= w ? this.kinks : (this.kinks = new Int32Array(w));
    const gaps = this.gaps.length >= w ? this.gaps : (this.gaps = new Float64Array(w));
    let nk = 0;
    let nz = 0;
    magnitudes(G, gm, w, maxout, kind, alpha, this.hmax);
    if (kind === "relu") {
      // ReLU: the loop below with activate inlined (h = g > 0 ? g : 0), the same arithmetic.
      for (let k = 0; k < w; k++) {
        const gmk = G[gm + k];
        const hm = gmk > 0 ? gmk : 0;
        if (hm !== 0) nz++;
        const da = G[ga + k];
        const db = G[gb + k];
        if (!((da < 0 && db > 0) || (da > 0 && db < 0))) continue;
        const e = (1 - t) * (da > 0 ? da : 0) + t * (db > 0 ? db : 0) - hm;
        if (e === 0) continue;
        kinks[nk] = k;
        gaps[nk++] = -e; // subtracted below: adding −e is the same number
      }
    } else {
      for (let k = 0; k < w; k++) {
        const hm = activate(G, gm, k, kind, alpha);
        if (hm !== 0) nz++;
        const da = maxout ? G[ga + 2 * k + 1] - G[ga + 2 * k] : G[ga + k];
        const db = maxout ? G[gb + 2 * k + 1] - G[gb + 2 * k] : G[gb + k];
        if (!((da < 0 && db > 0) || (da > 0 && db < 0))) continue;
        const e = (1 - t) * activate(G, ga, k, kind, alpha) + t * activate(G, gb, k, kind, alpha) - hm;
        if (e === 0) continue;
        kinks[nk] = k;
        gaps[nk++] = -e;
      }
    }
    const fm = m * fw;
    if (nk >= nz) {
      const bias = this.nextBias;
      for (let r = 0; r < fw; r++) F[fm + r] = bias[r];
      const ks = this.colIds.length >= w ? this.colIds : (this.colIds = new Int32Array(w));
      const hs = this.colScales.length >= w ? this.colScales : (this.colScales = new Float64Array(w));
      let n = 0;
      for (let k = 0; k < w; k++) {
        const h = activate(G, gm, k, kind, alpha);
        if (h === 0) continue;
        ks[n] = k;
        hs[n++] = h;
      }
      addColumns(F, fm, fw, WT, ks, hs, n);
      return;
    }
    const fa = a * fw;
    const fb = b * fw;
    for (let r = 0; r < fw; r++) F[fm + r] = F[fa + r] + t * (F[fb + r] - F[fa + r]);
    addColumns(F, fm, fw, WT, kinks, gaps, nk);
  }
  private kinks = new Int32Array(0);
  private gaps = new Float64Array(0);
  private nextBias: Float64Array = new Float64Array(0);
  private tmpX = new Float64Array(4);
  /** Cut edges made for the unit being inserted, by their end points (d ≥ 3). */
  private cutEdges: PairTable;
  private edgeSup = new Int32Array(8);
  private markStamp = 0;

  /** Cut cell c (its vertices take both signs): c keeps the positive side, the returned new cell the negative one. */
  private cutCell(c: number, unit: number): number {
    const s0 = this.cStart[c];
    const n = this.cLen[c];
    const cap = 2 * n + 8;
    if (this.scratchPos.length < cap) {
      this.scratchPos = new Int32Array(2 * cap);
      this.scratchNeg = new Int32Array(2 * cap);
      this.items = new Int32Array(2 * cap);
      this.planeEdges = new Int32Array(2 * cap);
    }
    const P = this.scratchPos;
    const N = this.scratchNeg;
    const items = this.items;
    const plane = this.planeEdges;
    let np = 0;
    let nn = 0;
    let ni = 0;
    let nPlane = 0;
    const mark = ++this.markStamp; // vertices already listed among this cut's items carry it
    const stamp = this.signStamp;
    for (let i = 0; i < n; i++) {
      const e = this.cE[s0 + i];
      const a = this.EA[e];
      const b = this.EB[e];
      if (this.sStamp[a] !== stamp) this.evaluateSign(a);
      if (this.sStamp[b] !== stamp) this.evaluateSign(b);
      const sa = this.sign[a];
      const sb = this.sign[b];
      if (sa === 0 && this.vMark[a] !== mark) {
        this.vMark[a] = mark;
        items[ni++] = a;
      }
      if (sb === 0 && this.vMark[b] !== mark) {
        this.vMark[b] = mark;
        items[ni++] = b;
      }
      if (sa >= 0 && sb >= 0) {
        if (sa === 0 && sb === 0) {
          P[np++] = e;
          N[nn++] = e;
          plane[nPlane++] = e;
        } else P[np++] = e;
      } else if (sa <= 0 && sb <= 0) N[nn++] = e;
      else {
        this.splitEdge(e, unit);
        // The halves: e's (A, m) and (m, B); the one at the positive end point goes to the positive side.
        const ea = this.eSplit[e];
        P[np++] = sa > 0 ? ea : ea + 1;
        N[nn++] = sa > 0 ? ea + 1 : ea;
        items[ni++] = this.EB[ea];
      }
    }
    // Join the cut's vertices: the new edges of the cut polytope (d = 2: one edge; d ≥ 3: the pairs sharing d − 1
    // hyperplanes, the new one included, i.e. lying on one 2-face of the cell; Berzins 2023, §3).
    const d = this.d;
    if (d === 2) {
      if (ni !== 2 || nPlane !== 0) throw new SkeletonUndecided(`cell cut into ${ni} points at unit ${unit}`);
      this.sup[0] = unit;
      const e = this.addEdge(items[0], items[1], this.sup, 1);
      P[np++] = e;
      N[nn++] = e;
    } else {
      let degreeSum = 2 * nPlane;
      for (let i = 0; i < ni; i++) {
        for (let j = i + 1; j < ni; j++) {
          const vi = items[i];
          const vj = items[j];
          const k = this.sharedSupport(vi, vj);
          if (k < d - 1) continue;
          if (this.inPlane(vi, vj, plane, nPlane)) continue;
          // The cut edge lies in a 2-face shared with a neighbouring cell: made once, found by its end points
          // (hashing, as Berzins pairs split edges) when the neighbour is cut by the same unit.
          const lo = vi < vj ? vi : vj;
          const hi = vi < vj ? vj : vi;
          let e = this.cutEdges.get(lo, hi);
          if (e < 0) {
            e = this.addEdge(vi, vj, this.sup, k);
            this.cutEdges.set(lo, hi, e);
          }
          degreeSum += 2;
          P[np++] = e;
          N[nn++] = e;
        }
      }
      // Every vertex of the cut polytope (a polygon in 3-D, a simple 3-polytope in 4-D) has d − 1 edges; anything
      // else (a degenerate vertex, or round-off) is left to a certified method.
      if (ni < d || degreeSum !== (d - 1) * ni) throw new SkeletonUndecided(`cell cut into a polytope of ${ni} vertices and ${degreeSum / 2} edges at unit ${unit}`);
    }
    // The positive side keeps id c, the negative side is a new cell.
    const cn = this.newCell();
    if (this.keepPatterns) {
      // The new cell inherits the earlier layers' bits (this layer's are set when it is done).
      const u = this.units;
      this.P.copyWithin(cn * u, c * u, c * u + u);
    }
    this.setCellEdges(c, P, np);
    this.setCellEdges(cn, N, nn);
    return cn;
  }

  /** Size of the intersection of two vertices' supports, written to `this.sup` (d ≥ 3). */
  private sharedSupport(a: number, b: number): number {
    const sa = this.vSupStart[a];
    const na = this.vSupLen[a];
    const sb = this.vSupStart[b];
    const nb = this.vSupLen[b];
    this.sup = grownI(this.sup, Math.min(na, nb));
    let k = 0;
    for (let i = 0; i < na; i++) {
      const h = this.vSup[sa + i];
      for (let j = 0; j < nb; j++) {
        if (this.vSup[sb + j] === h) {
          this.sup[k++] = h;
          break;
        }
      }
    }
    return k;
  }

  private inPlane(a: number, b: number, plane: Int32Array, n: number): boolean {
    for (let i = 0; i < n; i++) {
      const e = plane[i];
      if ((this.EA[e] === a && this.EB[e] === b) || (this.EA[e] === b && this.EB[e] === a)) return true;
    }
    return false;
  }
}
