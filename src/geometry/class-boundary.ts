/**
 * Class boundaries of a classifier on a planar partition. The predicted class is the argmax of the outputs (the
 * first maximal one on ties, as argmax does); a one-output network predicts class 1 where f > 0 and class 0
 * elsewhere. Inside a region the outputs are affine, so class i's cell is the region clipped by f_i − f_j ≥ 0 for
 * every j, and the boundary between classes i and j is a segment of the line f_i = f_j. The outputs are continuous
 * across region edges, so these segments join into polylines (Serra et al. 2018's picture of a ReLU classifier:
 * the boundary is a chain of hyperplane pieces). Isomorphic: no Node APIs.
 */
import type { AffineMap } from "../model/evaluate.ts";
import type { PlanarPartition, PlanarRegion } from "./partition.ts";
import { allPolygons } from "./partition.ts";
import { DOMAIN_EDGE, KEPT_WHOLE, SNAP_RELATIVE, clipHalfPlane, polygonDiameter } from "./polygon.ts";

/**
 * Endpoints of boundary pieces closer than this (relative to the domain's diameter) are the same point. Two
 * regions compute a shared endpoint from different (but, on their common edge, equal) affine maps, so the copies
 * differ by round-off (≈ 1e-16) magnified by 1/sin of the angle between the boundary and the edge; 1e-9 allows
 * angles down to ~1e-7 rad and is still far below any feature a picture or a count can show.
 */
export const JOIN_RELATIVE = 1e-9;

/** Edge label of a class cell's edge on the line f_i = f_j, for the other class j. */
export function classEdgeLabel(j: number): number {
  return -2 - j;
}

/** The other class of a class-edge label, or −1 for unit and domain edges. */
export function classOfEdgeLabel(label: number): number {
  return label <= -2 ? -2 - label : -1;
}

/** The part of one region where one class is predicted. */
export interface ClassCell {
  /** Index of the region in `allPolygons(partition)`. */
  region: number;
  cls: number;
  polygon: Float64Array;
  /** Edge labels: region edge labels (units, DOMAIN_EDGE) or {@link classEdgeLabel}(j) on f_cls = f_j. */
  edges: Int32Array;
}

/** Boundary pieces as flat arrays: piece k runs from (segments[4k], segments[4k+1]) to (segments[4k+2], segments[4k+3]). */
export interface BoundaryPieces {
  count: number;
  segments: Float64Array;
  /** The two classes either side, smaller first: classes[2k], classes[2k + 1]. */
  classes: Int32Array;
  /** Index of the region (in `allPolygons(partition)`) that holds the piece. */
  regions: Int32Array;
}

/** Boundary pieces joined end to end. */
export interface Polyline {
  /** `[u0, v0, u1, v1, …]`; a closed polyline does not repeat its first point. */
  points: Float64Array;
  closed: boolean;
  /** The classes either side of its first piece. */
  classes: [number, number];
  /** Number of pieces joined. */
  pieces: number;
}

/** The class structure of a partition. */
export interface ClassBoundary {
  /** Number of classes (2 for a one-output network). */
  classes: number;
  cells: ClassCell[];
  pieces: BoundaryPieces;
  polylines: Polyline[];
  /** Absolute endpoint-matching tolerance used (JOIN_RELATIVE × domain diameter). */
  tolerance: number;
}

/** Class scores as affine forms on the plane: the outputs, or (0, f) for a one-output network. */
function scoreForms(output: AffineMap): { J: Float64Array; c: Float64Array; k: number } {
  if (output.rows === 1) return { J: Float64Array.of(0, 0, output.J[0], output.J[1]), c: Float64Array.of(0, output.c[0]), k: 2 };
  return { J: output.J, c: output.c, k: output.rows };
}

/** Number of classes a network with `outputs` outputs predicts. */
export function classCount(outputs: number): number {
  return outputs === 1 ? 2 : outputs;
}

/** The predicted class at an output vector: argmax (first maximal), or f > 0 for one output. */
export function predictedClass(output: ArrayLike<number>): number {
  if (output.length === 1) return output[0] > 0 ? 1 : 0;
  let best = 0;
  for (let i = 1; i < output.length; i++) if (output[i] > output[best]) best = i;
  return best;
}

/** Scratch buffers of {@link classCells}, two output pairs used in turn, grown on demand and never shrunk. */
const scratch = { side: new Int8Array(16), out: [new Float64Array(32), new Float64Array(32)], labels: [new Int32Array(16), new Int32Array(16)] };
function clipScratch(cap: number): typeof scratch {
  if (scratch.side.length < cap) {
    scratch.side = new Int8Array(2 * cap);
    scratch.out = [new Float64Array(4 * cap), new Float64Array(4 * cap)];
    scratch.labels = [new Int32Array(2 * cap), new Int32Array(2 * cap)];
  }
  return scratch;
}

/**
 * Split one region into its class cells (class i: f_i − f_j ≥ 0 for j > i and > 0 for j < i, argmax's tie rule).
 * `snap` is the clipping tolerance (SNAP_RELATIVE × domain diameter).
 */
export function classCells(region: PlanarRegion, regionIndex: number, snap: number): ClassCell[] {
  const { J, c, k } = scoreForms(region.output);
  const cells: ClassCell[] = [];
  const cap = region.edges.length + k + 1;
  const s = clipScratch(cap);
  for (let i = 0; i < k; i++) {
    let poly = region.polygon, labels = region.edges, n = labels.length, flip = 0;
    for (let j = 0; j < k && n > 0; j++) {
      if (j === i) continue;
      // Clip into the scratch pair the current polygon is not in (results are copied out below).
      const out = s.out[flip], outLabels = s.labels[flip];
      const m = clipHalfPlane(poly, labels, n, J[2 * i] - J[2 * j], J[2 * i + 1] - J[2 * j + 1], c[i] - c[j], classEdgeLabel(j), snap, s.side, out, outLabels, j < i);
      if (m === KEPT_WHOLE) continue;
      n = m;
      poly = out.subarray(0, 2 * m);
      labels = outLabels.subarray(0, m);
      flip ^= 1;
    }
    if (n === 0) continue;
    cells.push({ region: regionIndex, cls: i, polygon: poly.slice(0, 2 * n), edges: labels.slice(0, n) });
    if (n === region.edges.length && poly === region.polygon) break; // the whole region is class i
  }
  return cells;
}

/**
 * The boundary pieces on a class cell's edges, each once (from the cell of the smaller class): pushes the segment's
 * ends to `seg`, its two classes to `cls` and the cell's region to `reg`.
 */
export function cellPieces(cell: ClassCell, seg: number[], cls: number[], reg: number[]): void {
  const n = cell.edges.length;
  for (let e = 0; e < n; e++) {
    const other = classOfEdgeLabel(cell.edges[e]);
    if (other <= cell.cls) continue;
    const f = (e + 1) % n;
    const x0 = cell.polygon[2 * e], y0 = cell.polygon[2 * e + 1], x1 = cell.polygon[2 * f], y1 = cell.polygon[2 * f + 1];
    if (x0 === x1 && y0 === y1) continue;
    seg.push(x0, y0, x1, y1);
    cls.push(cell.cls, other);
    reg.push(cell.region);
  }
}

/**
 * Class cells, boundary pieces and polylines of a partition. Pieces come from the cells' class edges, each once
 * (from the cell of the smaller class).
 */
export function classBoundary(partition: PlanarPartition): ClassBoundary {
  const polygons = allPolygons(partition);
  const diameter = polygonDiameter(partition.domain.poly, partition.domain.labels.length);
  const snap = SNAP_RELATIVE * diameter, tolerance = JOIN_RELATIVE * diameter;
  const cells: ClassCell[] = [];
  const seg: number[] = [], cls: number[] = [], reg: number[] = [];
  polygons.forEach((region, r) => {
    for (const cell of classCells(region, r, snap)) {
      cells.push(cell);
      cellPieces(cell, seg, cls, reg);
    }
  });
  const pieces: BoundaryPieces = { count: reg.length, segments: Float64Array.from(seg), classes: Int32Array.from(cls), regions: Int32Array.from(reg) };
  const classes = partition.regions.length + partition.slivers.length > 0 ? classCount(polygons[0].output.rows) : 0;
  return { classes, cells, pieces, polylines: joinPieces(pieces, tolerance), tolerance };
}

/** Endpoints of pieces clustered within a tolerance (grid hashing): `cluster[2k + end]` for end 0 and 1 of piece k. */
export function clusterEndpoints(pieces: BoundaryPieces, tolerance: number): { cluster: Int32Array; clusters: number } {
  const cluster = new Int32Array(2 * pieces.count);
  const grid = new Map<string, number[]>(); // cell key → endpoint indices that founded a cluster
  const founders: number[] = [];
  const cell = tolerance > 0 ? tolerance : 1;
  const px = (i: number) => pieces.segments[2 * i], py = (i: number) => pieces.segments[2 * i + 1];
  for (let i = 0; i < 2 * pieces.count; i++) {
    const gx = Math.floor(px(i) / cell), gy = Math.floor(py(i) / cell);
    let found = -1;
    for (let dx = -1; dx <= 1 && found < 0; dx++) {
      for (let dy = -1; dy <= 1 && found < 0; dy++) {
        for (const f of grid.get(`${gx + dx},${gy + dy}`) ?? []) {
          if (Math.hypot(px(f) - px(i), py(f) - py(i)) <= tolerance) {
            found = cluster[f];
            break;
          }
        }
      }
    }
    if (found < 0) {
      found = founders.length;
      founders.push(i);
      const key = `${gx},${gy}`;
      const list = grid.get(key);
      if (list) list.push(i);
      else grid.set(key, [i]);
    }
    cluster[i] = found;
  }
  return { cluster, clusters: founders.length };
}

/**
 * Join pieces whose endpoints match (within `tolerance`) into polylines. A polyline stops where an endpoint is
 * shared by other than two pieces (a junction of three classes, or the domain's boundary).
 */
export function joinPieces(pieces: BoundaryPieces, tolerance: number): Polyline[] {
  const { cluster, clusters } = clusterEndpoints(pieces, tolerance);
  // Incidence lists: endpoint indices (2k + end) per cluster.
  const start = new Int32Array(clusters + 1);
  for (let i = 0; i < cluster.length; i++) start[cluster[i] + 1]++;
  for (let c = 0; c < clusters; c++) start[c + 1] += start[c];
  const fill = start.slice(0, clusters), incident = new Int32Array(cluster.length);
  for (let i = 0; i < cluster.length; i++) incident[fill[cluster[i]]++] = i;
  const degree = (c: number) => start[c + 1] - start[c];
  const used = new Uint8Array(pieces.count);
  const polylines: Polyline[] = [];
  const s = pieces.segments;

  /** Walk from endpoint `end` (2k + e) of an unused piece k through clusters of degree 2. */
  const walk = (first: number): Polyline => {
    const pts: number[] = [s[2 * first], s[2 * first + 1]];
    const k0 = first >> 1;
    let end = first, count = 0, closed = false;
    for (;;) {
      const k = end >> 1;
      used[k] = 1;
      count++;
      const far = end ^ 1;
      const c = cluster[far];
      // The next piece through a cluster of degree 2.
      let next = -1;
      if (degree(c) === 2) {
        for (let q = start[c]; q < start[c + 1]; q++) if (incident[q] !== far) next = incident[q];
      }
      if (next >= 0 && next >> 1 === k0 && cluster[next] === cluster[first]) {
        closed = true;
        break;
      }
      pts.push(s[2 * far], s[2 * far + 1]);
      if (next < 0 || used[next >> 1]) break;
      end = next;
    }
    return { points: Float64Array.from(pts), closed, classes: [pieces.classes[2 * k0], pieces.classes[2 * k0 + 1]], pieces: count };
  };

  // Open polylines start at clusters of degree ≠ 2; what is left are closed loops.
  for (let c = 0; c < clusters; c++) {
    if (degree(c) === 2) continue;
    for (let q = start[c]; q < start[c + 1]; q++) if (!used[incident[q] >> 1]) polylines.push(walk(incident[q]));
  }
  for (let k = 0; k < pieces.count; k++) if (!used[k]) polylines.push(walk(2 * k));
  return polylines;
}

/** Result of {@link checkBoundaryContinuity}. */
export interface ContinuityReport {
  ok: boolean;
  /** Piece endpoints examined (2 per piece). */
  endpoints: number;
  /** Endpoints on the domain's boundary (nothing beyond to meet). */
  onDomainBoundary: number;
  /** Endpoints on a region edge met by a piece of another region (the continuity claim). */
  metAcrossEdges: number;
  /** Endpoints inside a region where pieces of three or more classes meet. */
  junctions: number;
  problemCount: number;
  problems: string[];
}

/** Distance from (x, y) to the segment p→q. */
function segmentDistance(x: number, y: number, px: number, py: number, qx: number, qy: number): number {
  const dx = qx - px, dy = qy - py, len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - px) * dx + (y - py) * dy) / len2));
  return Math.hypot(x - px - t * dx, y - py - t * dy);
}

/** Distance from (x, y) to the nearest edge of a polygon whose label passes `which`. */
function distanceToEdges(poly: Float64Array, labels: Int32Array, x: number, y: number, which: (label: number) => boolean): number {
  const n = labels.length;
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    if (!which(labels[i])) continue;
    const j = (i + 1) % n;
    best = Math.min(best, segmentDistance(x, y, poly[2 * i], poly[2 * i + 1], poly[2 * j], poly[2 * j + 1]));
  }
  return best;
}

/**
 * Continuity of the class boundary across region edges (the outputs are continuous, so a boundary piece that ends
 * on a region edge must go on in the adjacent region): every piece endpoint is on the domain's boundary, or is met
 * by a piece of another region, or is a junction of at least three pieces inside its region.
 */
export function checkBoundaryContinuity(partition: PlanarPartition, boundary: ClassBoundary): ContinuityReport {
  const polygons = allPolygons(partition);
  const { pieces, tolerance } = boundary;
  const { cluster, clusters } = clusterEndpoints(pieces, tolerance);
  const members: number[][] = Array.from({ length: clusters }, () => []);
  for (let i = 0; i < cluster.length; i++) members[cluster[i]].push(i);
  const report: ContinuityReport = { ok: true, endpoints: cluster.length, onDomainBoundary: 0, metAcrossEdges: 0, junctions: 0, problemCount: 0, problems: [] };
  const dom = partition.domain;
  for (let i = 0; i < cluster.length; i++) {
    const x = pieces.segments[2 * i], y = pieces.segments[2 * i + 1], r = pieces.regions[i >> 1];
    if (distanceToEdges(dom.poly, dom.labels, x, y, () => true) <= tolerance) {
      report.onDomainBoundary++;
      continue;
    }
    const others = members[cluster[i]].filter((q) => q >> 1 !== i >> 1);
    if (others.some((q) => pieces.regions[q >> 1] !== r)) {
      report.metAcrossEdges++;
      continue;
    }
    if (others.length >= 2) {
      report.junctions++;
      continue;
    }
    const region = polygons[r];
    const onEdge = distanceToEdges(region.polygon, region.edges, x, y, (l) => l !== DOMAIN_EDGE) <= tolerance;
    report.problemCount++;
    if (report.problems.length < 10) {
      report.problems.push(
        `boundary piece ${i >> 1} (classes ${pieces.classes[i & ~1]}/${pieces.classes[(i & ~1) + 1]}) ends at (${x}, ${y}) ` +
          (onEdge ? "on an edge of its region but no piece of the adjacent region meets it" : "inside its region with no junction"),
      );
    }
  }
  report.ok = report.problemCount === 0;
  return report;
}
