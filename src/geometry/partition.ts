/**
 * Exact planar partition of a 2-input piecewise-linear network (or of a 2-D slice of any network, see slice.ts):
 * every linear region inside a convex domain as a convex polygon, with its activation pattern and the affine map of
 * the output on it. Layer by layer, each current polygon is cut by the lines of the layer's units, whose
 * pre-activations are affine on it (Serra et al. 2018, §2: on a region g^l = W^l h^{l−1} + b^l with h^{l−1} affine).
 * No LPs: in 2-D a cell is its polygon. Isomorphic: no Node APIs.
 *
 * A polygon counts as a region exactly when the counting engine would count its pattern: some point of it is
 * farther than the threshold from the lines of its unit edges (domain edges bound the point, they do not count
 * towards the radius), see {@link chebyshevCenter}. Polygons below the threshold are kept apart as slivers, so
 * that regions and slivers together tile the domain.
 */
import { interiorThreshold } from "../count/session.ts";
import { normaliseUnits } from "../model/normalise.ts";
import type { ActivationPattern, AffineMap } from "../model/evaluate.ts";
import type { Activation, Network } from "../model/network.ts";
import { hiddenLayers, hiddenUnitCount, outputWidthOf, unitsOf } from "../model/network.ts";
import { ModelError } from "../model/validate.ts";
import {
  DOMAIN_EDGE,
  SNAP_RELATIVE,
  ZERO_GRADIENT,
  KEPT_WHOLE,
  classifyVertices,
  clipBySide,
  clipHalfPlane,
  interiorPointOf,
  polygonArea,
  polygonDiameter,
} from "./polygon.ts";
import type { PlaneDomain, PlaneRect } from "./slice.ts";
import { rectDomain } from "./slice.ts";
import { requireLayerwise } from "../model/lower.ts";

/** One polygon of the partition. */
export interface PlanarRegion {
  /** Vertices `[u0, v0, u1, v1, …]`, counter-clockwise. */
  polygon: Float64Array;
  /** Per edge (vertex i → i + 1): the hidden unit (pattern index) whose hyperplane carries it, or DOMAIN_EDGE. */
  edges: Int32Array;
  /** Activation pattern, encoded as `evaluate` encodes it. */
  pattern: ActivationPattern;
  /** The output on the polygon as a function of the plane coordinates: f(u, v) = J (u, v) + c, `cols` = 2. */
  output: AffineMap;
  area: number;
  /** A point inside the polygon and the radius the region criterion measured there (Infinity: no unit edge). */
  point: Float64Array;
  radius: number;
}

/** The partition of a convex domain of the plane. */
export interface PlanarPartition {
  domain: PlaneDomain;
  /** Area of the domain (regions and slivers add up to it). */
  domainArea: number;
  /** The full-dimensional regions (interior radius > threshold), in a deterministic order. */
  regions: PlanarRegion[];
  /** Polygons with an interior radius ≤ threshold: not regions, kept so that the polygons tile the domain. */
  slivers: PlanarRegion[];
  threshold: number;
  /** Hidden units (pattern length). */
  units: number;
  /** Largest number of polygons alive after any layer (work measure). */
  peakPieces: number;
}

/** Options of {@link planarPartition}. */
export interface PartitionOptions {
  /** Interior-radius threshold in plane units (default DEFAULT_INTERIOR_THRESHOLD, the engine's). */
  threshold?: number;
  /** Called after each hidden layer with the number of polygons so far. */
  onLayer?: (layer: number, layers: number, pieces: number) => void;
}

/** Is this edge label a unit's hyperplane (its distance counts in the region criterion)? */
export const isUnitEdge = (label: number): boolean => label >= 0;

/**
 * The units of the current layer on which a piece differs from its cell's pattern, as a chain shared with the piece
 * it was cut from: each link sets pattern[unit] = value. Cutting a piece in two adds one link to one child (the side
 * with bit 1, or maxout piece j > 0) instead of copying a pattern of every hidden unit per piece.
 */
interface Trail {
  unit: number;
  value: number;
  up: Trail | null;
}

/** A polygon being cut within one layer: its vertices, edge labels and how its pattern differs from its cell's. */
interface Piece {
  poly: Float64Array;
  labels: Int32Array;
  n: number;
  trail: Trail | null;
}

/** A polygon between layers: its vertices, edge labels and pattern, and where its parent's forms are. */
interface Cell {
  poly: Float64Array;
  labels: Int32Array;
  n: number;
  pattern: Uint8Array;
  /**
   * Offset of its parent's pre-activation forms in the previous layer's block buffer: G (rows × 2) then gc (rows).
   * The cell's own h = σ(G (u, v) + gc) is read from them through its pattern bits, so children share one block.
   */
  at: number;
}

/** A weight matrix's nonzeros by row, and a column → live-slot map (−1 when not live) for {@link composeCell}. */
interface SparseRows {
  start: Int32Array;
  col: Int32Array;
  val: Float64Array;
  pos: Int32Array;
}

/**
 * Rows of W as compressed nonzeros when fewer than 1 in SPARSE_WEIGHTS_RATIO entries are nonzero (convolutions and
 * pools lowered to dense layers): the compose loop then costs the nonzeros, not rows × live columns.
 */
const SPARSE_WEIGHTS_RATIO = 4;
function sparseRows(W: Float64Array, rows: number, width: number, pos: Int32Array): SparseRows | undefined {
  let nnz = 0;
  for (let i = 0; i < W.length; i++) if (W[i] !== 0) nnz++;
  if (nnz * SPARSE_WEIGHTS_RATIO >= W.length) return undefined;
  const start = new Int32Array(rows + 1), col = new Int32Array(nnz), val = new Float64Array(nnz);
  for (let r = 0, at = 0; r < rows; r++) {
    for (let k = 0; k < width; k++) {
      const w = W[r * width + k];
      if (w !== 0) {
        col[at] = k;
        val[at++] = w;
      }
    }
    start[r + 1] = at;
  }
  return { start, col, val, pos };
}

/** The previous layer's view of a cell: where its parent's forms are and how its pattern turns them into h. */
interface ParentForms {
  data: Float64Array;
  /** Pre-activation rows per block (for maxout: units × rank). */
  rows: number;
  activation: Activation;
  /** Pattern offset of the previous layer's units. */
  offset: number;
}

/**
 * The cell's pre-activations of the next layer, G = W h, gc = W h_c + b, where h = A (u, v) + h_c is the previous
 * layer's output on the cell: A's row k is the parent's pre-activation row picked and scaled by the cell's pattern
 * (ReLU: on or off, leaky ReLU: 1 or α, maxout: the winning piece; Serra et al. 2018, §2). Rows of h that are
 * identically zero (ReLU units off on the cell) are skipped. Specialised to the plane's two columns.
 */
function composeCell(W: Float64Array, b: Float64Array, outDim: number, width: number, parent: ParentForms, cell: Cell, G: Float64Array, gc: Float64Array, live: Int32Array, h: Float64Array, sparse?: SparseRows, WT?: Float64Array): void {
  const src = parent.data, at = cell.at, cAt = at + 2 * parent.rows, act = parent.activation;
  let m = 0;
  for (let k = 0; k < width; k++) {
    let row = k, scale = 1;
    if (act.kind === "relu") scale = cell.pattern[parent.offset + k];
    else if (act.kind === "leaky-relu") scale = cell.pattern[parent.offset + k] ? 1 : act.alpha;
    else if (act.kind === "maxout") row = k * act.rank + cell.pattern[parent.offset + k];
    if (scale === 0) continue;
    h[3 * m] = scale * src[at + 2 * row];
    h[3 * m + 1] = scale * src[at + 2 * row + 1];
    h[3 * m + 2] = scale * src[cAt + row];
    live[m++] = k;
  }
  if (sparse) {
    // Sparse W (a lowered convolution or pooling): walk each row's nonzeros and keep those on live columns.
    const pos = sparse.pos;
    for (let q = 0; q < m; q++) pos[live[q]] = q;
    for (let r = 0; r < outDim; r++) {
      let g0 = 0, g1 = 0, s = b[r];
      for (let t = sparse.start[r]; t < sparse.start[r + 1]; t++) {
        const q = pos[sparse.col[t]];
        if (q < 0) continue;
        const w = sparse.val[t];
        g0 += w * h[3 * q];
        g1 += w * h[3 * q + 1];
        s += w * h[3 * q + 2];
      }
      G[2 * r] = g0;
      G[2 * r + 1] = g1;
      gc[r] = s;
    }
    for (let q = 0; q < m; q++) pos[live[q]] = -1;
    return;
  }
  if (WT) {
    // W transposed at hand: add each live column in turn (contiguous), the same sums in the same order as below.
    for (let r = 0; r < outDim; r++) {
      G[2 * r] = 0;
      G[2 * r + 1] = 0;
      gc[r] = b[r];
    }
    for (let q = 0; q < m; q++) {
      const col = live[q] * outDim, h0 = h[3 * q], h1 = h[3 * q + 1], h2 = h[3 * q + 2];
      for (let r = 0; r < outDim; r++) {
        const w = WT[col + r];
        G[2 * r] += w * h0;
        G[2 * r + 1] += w * h1;
        gc[r] += w * h2;
      }
    }
    return;
  }
  for (let r = 0; r < outDim; r++) {
    const base = r * width;
    let g0 = 0, g1 = 0, s = b[r];
    for (let q = 0; q < m; q++) {
      const w = W[base + live[q]];
      g0 += w * h[3 * q];
      g1 += w * h[3 * q + 1];
      s += w * h[3 * q + 2];
    }
    G[2 * r] = g0;
    G[2 * r + 1] = g1;
    gc[r] = s;
  }
}

/**
 * Cells of one layer are composed in the order the previous layer's cuts produced them, so consecutive cells usually
 * differ in a few units of the previous layer (siblings differ in one). Then G, gc are the previous cell's plus one
 * rank-1 term per unit that flipped (W's column k times the change of h's row k), rows·3 operations per flip instead of
 * rows·live·3 for a full {@link composeCell}. At most this many flips are applied that way ...
 */
const MAX_FLIPS = 8;
/** ... and every this many cells in a row the forms are composed afresh, so rounding cannot build up along a chain. */
const FRESH_EVERY = 16;

/**
 * G, gc of `cell` from those of `prev` (same parent block, ReLU or leaky ReLU), by the rank-1 terms of the units of
 * the previous layer whose bits differ. False (nothing written) when the activation is not ReLU-family or more than
 * {@link MAX_FLIPS} bits differ. `WT` is W transposed (column k of W at WT[k·outDim …]), so each term reads one
 * contiguous column.
 */
function updateCell(WT: Float64Array, outDim: number, width: number, parent: ParentForms, prev: Cell, cell: Cell, prevG: Float64Array, prevGc: Float64Array, G: Float64Array, gc: Float64Array, flips: Int32Array): boolean {
  const act = parent.activation;
  if ((act.kind !== "relu" && act.kind !== "leaky-relu") || prev.at !== cell.at) return false;
  let d = 0;
  const a = prev.pattern, b = cell.pattern, o = parent.offset;
  for (let k = 0; k < width; k++) {
    if (a[o + k] !== b[o + k]) {
      if (d === MAX_FLIPS) return false;
      flips[d++] = k;
    }
  }
  if (G !== prevG) {
    G.set(prevG);
    gc.set(prevGc);
  }
  const src = parent.data, at = cell.at, cAt = at + 2 * parent.rows;
  const off = act.kind === "relu" ? 0 : act.alpha;
  for (let i = 0; i < d; i++) {
    const k = flips[i];
    // The change of h's row k: (on − off)·forms_k when the unit turned on, the negative when it turned off.
    const ds = b[o + k] ? 1 - off : off - 1;
    const h0 = ds * src[at + 2 * k], h1 = ds * src[at + 2 * k + 1], h2 = ds * src[cAt + k];
    const col = k * outDim;
    for (let r = 0; r < outDim; r++) {
      const w = WT[col + r];
      G[2 * r] += w * h0;
      G[2 * r + 1] += w * h1;
      gc[r] += w * h2;
    }
  }
  return true;
}

/** W (rows × width, row-major) transposed: column k at [k·rows, (k + 1)·rows). */
function transpose(W: Float64Array, rows: number, width: number): Float64Array {
  const T = new Float64Array(W.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < width; k++) T[k * rows + r] = W[r * width + k];
  return T;
}

/**
 * Elements per chunk of an {@link Arena}: 64 Ki elements (512 KiB of doubles), large enough that chunk allocation is
 * rare, small enough that the unused tail of the last chunk is negligible beside a partition's polygons.
 */
const ARENA_CHUNK = 1 << 16;

/**
 * Hands out views of large typed-array chunks instead of one small array each: tens of thousands of polygons,
 * labels and patterns would otherwise each get their own buffer (off the V8 heap above 64 bytes), and allocating and
 * collecting those dominated the partition of wide networks. A view keeps its whole chunk alive, so arenas are made
 * per partition (one per layer for patterns), never shared across calls.
 */
class Arena<T extends Float64Array | Int32Array | Uint8Array> {
  private chunk: T;
  private used = 0;
  constructor(private readonly make: (n: number) => T, private readonly size = ARENA_CHUNK) {
    this.chunk = make(size);
  }
  /** A fresh zero-filled view of `n` elements. */
  take(n: number): T {
    if (this.used + n > this.chunk.length) {
      this.chunk = this.make(Math.max(this.size, n));
      this.used = 0;
    }
    const v = this.chunk.subarray(this.used, this.used + n) as T;
    this.used += n;
    return v;
  }
}

/** Reusable buffers for clipping (grown on demand, never shrunk) and the arenas its results are copied into. */
class ClipScratch {
  side = new Int8Array(16);
  out = new Float64Array(32);
  outLabels = new Int32Array(16);
  readonly coords = new Arena((n) => new Float64Array(n));
  readonly labels = new Arena((n) => new Int32Array(n));
  ensure(n: number): void {
    if (this.side.length >= n + 1) return;
    const cap = 2 * (n + 1);
    this.side = new Int8Array(cap);
    this.out = new Float64Array(2 * cap);
    this.outLabels = new Int32Array(cap);
  }
  /** The clipped result, copied out of the scratch buffers into arena views of its exact size. */
  take(m: number): { poly: Float64Array; labels: Int32Array } {
    const poly = this.coords.take(2 * m), labels = this.labels.take(m);
    poly.set(this.out.subarray(0, 2 * m));
    labels.set(this.outLabels.subarray(0, m));
    return { poly, labels };
  }
}

/**
 * Keep the part of `p` where ax·u + ay·v + c ≥ 0 (`inclusive`) or > 0, new edges labelled `label`. Returns the
 * kept piece (the same object when nothing is cut away) or undefined when no interior is left. A form with a
 * zero gradient is a constant: all or nothing.
 */
function keepSide(p: Piece, ax: number, ay: number, c: number, inclusive: boolean, label: number, snap: number, s: ClipScratch): Piece | undefined {
  s.ensure(p.n);
  const m = clipHalfPlane(p.poly, p.labels, p.n, ax, ay, c, label, snap, s.side, s.out, s.outLabels, !inclusive);
  if (m === KEPT_WHOLE) return p;
  if (m === 0) return undefined;
  const { poly, labels } = s.take(m);
  return { poly, labels, n: m, trail: p.trail };
}

/** Side mask of a ReLU-family unit's line over a polygon's vertices (1 all positive, 2 none positive, 3 crossing). */
function cellSide(p: { poly: Float64Array; n: number }, ax: number, ay: number, c: number, snap: number, s: ClipScratch): number {
  if (Math.hypot(ax, ay) < ZERO_GRADIENT) return c > 0 ? 1 : 2;
  s.ensure(p.n);
  const mask = classifyVertices(p.poly, p.n, ax, ay, c, snap, s.side);
  return mask === 0 ? 2 : mask;
}

/**
 * Cuts a cell by the lines of ReLU-family units that cross it, depth first: a piece is split by the first line of
 * its list, and each child keeps only those of the remaining lines that cross it (a line missing a piece misses its
 * children; a child wholly on a line's positive side gets that bit in its trail). So a line is tried only on pieces
 * of the pieces it crossed, not on every piece of the cell, which made the first layer's 256 lines × ~16,000 pieces
 * quadratic. Children are visited positive side first, so the pieces come out in the order that cutting every piece
 * by each line in turn gives, and each is clipped by the same lines in the same order.
 */
class LineCutter {
  /** Lists of positions in `cross`, stacked: a piece's list sits at the top when it is popped. */
  private lists = new Int32Array(1024);
  private norms = new Float64Array(64);
  private readonly stack: Piece[] = [];
  private readonly from: number[] = [];
  private readonly to: number[] = [];

  /** The final pieces of `root` (its lines: units cross[0 … crossing)) onto `out`, in order. */
  cut(root: Piece, cross: Int32Array, crossing: number, G: Float64Array, gc: Float64Array, offset: number, snap: number, s: ClipScratch, out: Piece[]): void {
    if (this.norms.length < crossing) this.norms = new Float64Array(2 * crossing);
    const norms = this.norms;
    for (let i = 0; i < crossing; i++) norms[i] = Math.hypot(G[2 * cross[i]], G[2 * cross[i] + 1]);
    this.reserve(crossing);
    for (let i = 0; i < crossing; i++) this.lists[i] = i;
    const { stack, from, to } = this;
    stack.push(root);
    from.push(0);
    to.push(crossing);
    while (stack.length > 0) {
      const p = stack.pop()!, a = from.pop()!, b = to.pop()!;
      if (a === b) {
        out.push(p);
        continue;
      }
      const pos = this.lists[a], u = cross[pos];
      const ax = G[2 * u], ay = G[2 * u + 1], c = gc[u], norm = norms[pos];
      const mask = this.sides(p, ax, ay, c, norm, snap, s, true);
      if (mask !== 3) {
        // Not crossing after all (only the root's lists come from another test): decided for the whole piece.
        if (mask === 1) p.trail = { unit: offset + u, value: 1, up: p.trail };
        stack.push(p);
        from.push(a + 1);
        to.push(b);
        continue;
      }
      let plus: Piece | undefined, minus: Piece | undefined;
      let m = clipBySide(p.poly, p.labels, p.n, ax, ay, c, s.side, 1, offset + u, s.out, s.outLabels);
      if (m >= 3) {
        const { poly, labels } = s.take(m);
        plus = { poly, labels, n: m, trail: { unit: offset + u, value: 1, up: p.trail } };
      }
      m = clipBySide(p.poly, p.labels, p.n, ax, ay, c, s.side, -1, offset + u, s.out, s.outLabels);
      if (m >= 3) {
        const { poly, labels } = s.take(m);
        minus = { poly, labels, n: m, trail: p.trail };
      }
      // The children's lists are written above b (minus, then plus), then moved down to a: the plus child, pushed
      // last and popped first, has its list on top.
      this.reserve(b + 2 * (b - a));
      const k2 = minus ? this.filter(minus, a + 1, b, b, cross, G, gc, offset, snap, s) : 0;
      const k1 = plus ? this.filter(plus, a + 1, b, b + k2, cross, G, gc, offset, snap, s) : 0;
      this.lists.copyWithin(a, b, b + k2 + k1);
      if (minus) {
        stack.push(minus);
        from.push(a);
        to.push(a + k2);
      }
      if (plus) {
        stack.push(plus);
        from.push(a + k2);
        to.push(a + k2 + k1);
      }
    }
  }

  /** Capacity for `n` list entries. */
  private reserve(n: number): void {
    if (this.lists.length >= n) return;
    const grown = new Int32Array(2 * n);
    grown.set(this.lists);
    this.lists = grown;
  }

  /**
   * Write at `at` the lines of lists[a … b) that cross `p`; lines with `p` wholly on their positive side go into its
   * trail. Returns how many were written.
   */
  private filter(p: Piece, a: number, b: number, at: number, cross: Int32Array, G: Float64Array, gc: Float64Array, offset: number, snap: number, s: ClipScratch): number {
    const lists = this.lists, norms = this.norms;
    let k = 0;
    for (let i = a; i < b; i++) {
      const pos = lists[i], u = cross[pos];
      const mask = this.sides(p, G[2 * u], G[2 * u + 1], gc[u], norms[pos], snap, s, false);
      if (mask === 3) lists[at + k++] = pos;
      else if (mask === 1) p.trail = { unit: offset + u, value: 1, up: p.trail };
    }
    return k;
  }

  /**
   * Side mask of `p`'s vertices for the line ax·u + ay·v + c (norm = its Math.hypot), as {@link classifyVertices}
   * and {@link cellSide} decide it: 1 all positive, 2 none positive, 3 crossing; the sides go into s.side when `keep`.
   */
  private sides(p: Piece, ax: number, ay: number, c: number, norm: number, snap: number, s: ClipScratch, keep: boolean): number {
    if (norm < ZERO_GRADIENT) return c > 0 ? 1 : 2;
    const tol = snap * norm, poly = p.poly;
    let mask = 0;
    if (keep) {
      s.ensure(p.n);
      const side = s.side;
      for (let i = 0; i < p.n; i++) {
        const g = ax * poly[2 * i] + ay * poly[2 * i + 1] + c;
        const sd = g > tol ? 1 : g < -tol ? -1 : 0;
        side[i] = sd;
        if (sd > 0) mask |= 1;
        else if (sd < 0) mask |= 2;
      }
    } else {
      for (let i = 0; i < p.n && mask !== 3; i++) {
        const g = ax * poly[2 * i] + ay * poly[2 * i + 1] + c;
        if (g > tol) mask |= 1;
        else if (g < -tol) mask |= 2;
      }
    }
    return mask === 0 ? 2 : mask;
  }
}

/** Patterns per chunk of a layer's pattern arena (512 patterns of 512 units: 256 KiB). */
const PATTERNS_PER_CHUNK = 512;

/**
 * Relative slack of the disc test in {@link cellSideFast}: a form's value at a vertex, computed in floating point,
 * is within a few ulps (~1e-15 relative) of |ax·u| + |ay·v| + |c|; 1e-12 of that bound covers it a thousandfold, so
 * the test decides a line only when evaluating every vertex would decide it the same way.
 */
const DISC_SLACK = 1e-12;

/** Centre (vertex mean) and radius (farthest vertex) of a disc holding a polygon, plus its largest |coordinate|. */
function enclosingDisc(poly: Float64Array, n: number): Float64Array {
  let cx = 0, cy = 0, big = 0;
  for (let i = 0; i < n; i++) {
    cx += poly[2 * i];
    cy += poly[2 * i + 1];
  }
  cx /= n;
  cy /= n;
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    const dx = poly[2 * i] - cx, dy = poly[2 * i + 1] - cy;
    r2 = Math.max(r2, dx * dx + dy * dy);
    big = Math.max(big, Math.abs(poly[2 * i]), Math.abs(poly[2 * i + 1]));
  }
  disc[0] = cx;
  disc[1] = cy;
  disc[2] = Math.sqrt(r2);
  disc[3] = big;
  return disc;
}
const disc = new Float64Array(4);

/**
 * {@link cellSide} of a cell, answered from its enclosing disc when the line is far from it: every vertex lies
 * within r of the centre, so |g(centre)| > ‖(ax, ay)‖·r + snap·‖(ax, ay)‖ + slack puts them all strictly on one side
 * beyond the snap band, exactly as classifying each vertex would. Lines near the disc get the vertex test.
 */
function cellSideFast(p: { poly: Float64Array; n: number }, d: Float64Array, ax: number, ay: number, c: number, snap: number, s: ClipScratch): number {
  const norm = Math.sqrt(ax * ax + ay * ay);
  // Near-zero gradients (within a factor 2 of ZERO_GRADIENT, where sqrt and hypot might disagree) take the exact path.
  if (norm >= 2 * ZERO_GRADIENT) {
    const g = ax * d[0] + ay * d[1] + c;
    const reach = norm * (d[2] + snap) + DISC_SLACK * (norm * 2 * d[3] + Math.abs(c));
    if (g > reach) return 1;
    if (g < -reach) return 2;
  }
  return cellSide(p, ax, ay, c, snap, s);
}

/**
 * Cut `p` by a maxout unit of rank k with pieces g_j = G[row0 + j]·(u, v) + gc[row0 + j]: child j is where g_j is
 * the first maximal piece (g_j > g_m for m < j, g_j ≥ g_m for m > j), as `evaluate` decides.
 */
function splitMaxout(p: Piece, unit: number, rank: number, G: Float64Array, gc: Float64Array, row0: number, snap: number, s: ClipScratch, out: Piece[]): void {
  for (let j = 0; j < rank; j++) {
    let q: Piece | undefined = p;
    for (let m = 0; m < rank && q; m++) {
      if (m === j) continue;
      const ax = G[2 * (row0 + j)] - G[2 * (row0 + m)], ay = G[2 * (row0 + j) + 1] - G[2 * (row0 + m) + 1];
      q = keepSide(q, ax, ay, gc[row0 + j] - gc[row0 + m], m > j, unit, snap, s);
    }
    if (!q) continue;
    out.push({ poly: q.poly, labels: q.labels, n: q.n, trail: j === 0 ? p.trail : { unit, value: j, up: p.trail } });
    if (q === p) return; // the whole polygon is child j
  }
}

/**
 * Partition a convex domain of the plane (a rectangle or a polygon) into the linear regions of a 2-input network.
 * Each region comes with its vertices, the unit carrying each edge, its activation pattern and its output map.
 *
 * @example
 * const p = planarPartition(net2, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
 * p.regions.length; // 1557 for random-2-32-32-s5, as countRegions finds
 */
export function planarPartition(model: Network, domain: PlaneRect | PlaneDomain, opts: PartitionOptions = {}): PlanarPartition {
  requireLayerwise(model, "the planar partition");
  if (model.inputDim !== 2) throw new ModelError(`a planar partition needs a 2-input network, this one takes ${model.inputDim} inputs (slice it first)`);
  // Every unit at unit scale (exact powers of two, the same function and regions): ZERO_GRADIENT then judges round-off.
  const net = normaliseUnits(model).net;
  const dom = "poly" in domain ? domain : rectDomain(domain);
  const domainArea = polygonArea(dom.poly, dom.labels.length);
  if (!(domainArea > 0)) throw new ModelError("the domain of a planar partition must be a counter-clockwise polygon with positive area");
  const threshold = interiorThreshold(opts.threshold);
  const snap = SNAP_RELATIVE * polygonDiameter(dom.poly, dom.labels.length);
  const N = hiddenUnitCount(net);
  const scratch = new ClipScratch();

  // The input as the "previous layer": identity forms u and v, so h^0 = (u, v).
  let parent: ParentForms = { data: Float64Array.of(1, 0, 0, 1, 0, 0), rows: 2, activation: { kind: "identity" }, offset: 0 };
  let cells: Cell[] = [{
    poly: Float64Array.from(dom.poly),
    labels: Int32Array.from(dom.labels),
    n: dom.labels.length,
    pattern: new Uint8Array(N),
    at: 0,
  }];
  let width = 2, offset = 0, peakPieces = 1;
  const hidden = hiddenLayers(net);
  const maxWidth = Math.max(2, ...net.layers.map((layer) => layer.inDim));
  const live = new Int32Array(maxWidth), h = new Float64Array(3 * maxWidth), pos = new Int32Array(maxWidth).fill(-1), flips = new Int32Array(MAX_FLIPS);
  const last = net.layers[net.layers.length - 1];
  const regions: PlanarRegion[] = [], slivers: PlanarRegion[] = [];
  /** A polygon of the partition with its output map: a region, or a sliver when its interior radius is too small. */
  const finish = (poly: Float64Array, labels: Int32Array, n: number, pattern: Uint8Array, J: Float64Array, c: Float64Array): void => {
    const { point, radius } = interiorPointOf(poly, labels, n, threshold, isUnitEdge);
    const region: PlanarRegion = { polygon: poly, edges: labels, pattern, output: { rows: last.outDim, cols: 2, J, c }, area: polygonArea(poly, n), point, radius };
    (radius > threshold ? regions : slivers).push(region);
  };
  hidden.forEach((layer, l) => {
    const next: Cell[] = [];
    const act = layer.activation, rows = layer.outDim, units = unitsOf(layer);
    // One block of forms per cell of this layer, shared by all its children; the last hidden layer needs only the
    // cell at hand (its pieces' output maps are composed at once), updated in place from one cell to the next.
    const lastHidden = l === hidden.length - 1;
    const blocks = new Float64Array(3 * rows * (lastHidden ? 1 : cells.length));
    const here: ParentForms = { data: blocks, rows, activation: act, offset };
    const sparse = sparseRows(layer.weights, rows, width, pos);
    const WT = parent.activation.kind === "relu" || parent.activation.kind === "leaky-relu" ? transpose(layer.weights, rows, width) : layer.weights;
    // This layer's patterns: one view per piece of a cut cell (an uncut cell keeps its own pattern).
    const patterns = new Arena((n) => new Uint8Array(n), Math.max(ARENA_CHUNK, PATTERNS_PER_CHUNK * N));
    const cross = new Int32Array(units);
    let pieces: Piece[] = [], buffer: Piece[] = [];
    const cutter = new LineCutter();
    let fresh = 0, emitted = 0;
    const outWidth = outputWidthOf(layer), outs = last.outDim, Wout = last.weights;
    // ReLU: a unit switched on adds its form to h; leaky ReLU: (1 − α) of it (the trail only sets bits to 1).
    const onGain = act.kind === "relu" ? 1 : act.kind === "leaky-relu" ? 1 - act.alpha : NaN;
    let baseJ: Float64Array | undefined, baseC: Float64Array | undefined;
    /**
     * A piece of the cell at hand: a cell of the next layer, or after the last hidden layer a region at once. Its
     * output map is the cell's (composed from the cell's pattern once) plus one rank-1 term per unit of its trail
     * (ReLU family), else composed from its pattern (maxout).
     */
    const emit = (poly: Float64Array, labels: Int32Array, n: number, pattern: Uint8Array, at: number, trail: Trail | null, G: Float64Array, gc: Float64Array): void => {
      emitted++;
      if (!lastHidden) {
        next.push({ poly, labels, n, pattern, at });
        return;
      }
      let J: Float64Array, c: Float64Array;
      if (baseJ && baseC) {
        if (trail === null) {
          J = baseJ;
          c = baseC;
          baseJ = baseC = undefined; // handed over: the cell's other pieces get copies of it
        } else {
          J = Float64Array.from(baseJ);
          c = Float64Array.from(baseC);
        }
        for (let t = trail; t; t = t.up) {
          const k = t.unit - offset, h0 = onGain * G[2 * k], h1 = onGain * G[2 * k + 1], h2 = onGain * gc[k];
          for (let r = 0; r < outs; r++) {
            const w = Wout[r * outWidth + k];
            J[2 * r] += w * h0;
            J[2 * r + 1] += w * h1;
            c[r] += w * h2;
          }
        }
      } else {
        J = new Float64Array(outs * 2);
        c = new Float64Array(outs);
        composeCell(Wout, last.bias, outs, outWidth, here, { poly, labels, n, pattern, at }, J, c, live, h);
      }
      finish(poly, labels, n, pattern, J, c);
    };
    for (let ci = 0; ci < cells.length; ci++) {
      const cell = cells[ci];
      const at = lastHidden ? 0 : 3 * rows * ci;
      const G = blocks.subarray(at, at + 2 * rows), gc = blocks.subarray(at + 2 * rows, at + 3 * rows);
      const before = lastHidden ? 0 : at - 3 * rows;
      if (ci > 0 && fresh < FRESH_EVERY && updateCell(WT, rows, width, parent, cells[ci - 1], cell, blocks.subarray(before, before + 2 * rows), blocks.subarray(before + 2 * rows, before + 3 * rows), G, gc, flips)) {
        fresh++;
      } else {
        composeCell(layer.weights, layer.bias, rows, width, parent, cell, G, gc, live, h, sparse, WT === layer.weights ? undefined : WT);
        fresh = 0;
      }
      // The lines that cross the cell; the others are decided for every piece from the cell's own vertices (the
      // pieces lie inside it). Bits of this layer start at 0, so only "all positive" is written, into the cell's
      // pattern, which every piece's pattern starts from. Maxout units are all cut piece by piece.
      let crossing = 0;
      if (act.kind === "maxout") {
        for (let u = 0; u < units; u++) cross[crossing++] = u;
      } else {
        const disc = enclosingDisc(cell.poly, cell.n);
        for (let u = 0; u < units; u++) {
          const mask = cellSideFast(cell, disc, G[2 * u], G[2 * u + 1], gc[u], snap, scratch);
          if (mask === 1) cell.pattern[offset + u] = 1;
          else if (mask === 3) cross[crossing++] = u;
        }
      }
      baseJ = baseC = undefined;
      if (lastHidden && act.kind !== "maxout" && crossing > 0) {
        // The cell's output map with this layer's bits as decided for the whole cell (crossing lines' bits at 0).
        baseJ = new Float64Array(outs * 2);
        baseC = new Float64Array(outs);
        composeCell(Wout, last.bias, outs, outWidth, here, { poly: cell.poly, labels: cell.labels, n: cell.n, pattern: cell.pattern, at }, baseJ, baseC, live, h);
      }
      if (crossing === 0) {
        emit(cell.poly, cell.labels, cell.n, cell.pattern, at, null, G, gc);
        continue;
      }
      pieces.length = 0;
      const root: Piece = { poly: cell.poly, labels: cell.labels, n: cell.n, trail: null };
      if (act.kind === "maxout") {
        pieces.push(root);
        for (let i = 0; i < crossing; i++) {
          const u = cross[i];
          buffer.length = 0;
          for (const p of pieces) splitMaxout(p, offset + u, act.rank, G, gc, u * act.rank, snap, scratch, buffer);
          const swap = pieces;
          pieces = buffer;
          buffer = swap;
        }
      } else {
        cutter.cut(root, cross, crossing, G, gc, offset, snap, scratch, pieces);
      }
      if (pieces.length === 1 && pieces[0].trail === null) {
        const p = pieces[0];
        emit(p.poly, p.labels, p.n, cell.pattern, at, null, G, gc);
        continue;
      }
      for (const p of pieces) {
        const pattern = patterns.take(N);
        pattern.set(cell.pattern);
        for (let t = p.trail; t; t = t.up) pattern[t.unit] = t.value;
        emit(p.poly, p.labels, p.n, pattern, at, p.trail, G, gc);
      }
    }
    cells = next;
    parent = here;
    width = outputWidthOf(layer);
    offset += units;
    peakPieces = Math.max(peakPieces, emitted);
    opts.onLayer?.(l + 1, hidden.length, emitted);
  });

  // Without hidden layers the domain is the one region; else the last hidden layer has finished every region.
  for (const cell of cells) {
    const J = new Float64Array(last.outDim * 2), c = new Float64Array(last.outDim);
    composeCell(last.weights, last.bias, last.outDim, width, parent, cell, J, c, live, h);
    finish(cell.poly, cell.labels, cell.n, cell.pattern, J, c);
  }
  return { domain: dom, domainArea, regions, slivers, threshold, units: N, peakPieces };
}

/** Every polygon of a partition, regions first, then slivers. */
export function allPolygons(p: PlanarPartition): PlanarRegion[] {
  return p.slivers.length === 0 ? p.regions : [...p.regions, ...p.slivers];
}
