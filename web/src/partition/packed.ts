/**
 * A planar partition and its class boundary packed into flat typed arrays, so the partition worker can hand them to
 * the page cheaply (a few typed arrays, no per-region objects): polygons with their edge labels, patterns and output
 * maps; class cells; boundary polylines. The page draws from these arrays and looks regions up by pattern.
 */
import { allPolygons, classBoundary, type ClassBoundary, hiddenUnitCount, lowerOnBox, type Network, outputDim, type PlanarPartition, planarPartitionFast, type PlaneRect } from "tessera";

/** The exact partition of a view rectangle, flat. Polygons are the regions first, then the slivers. */
export interface PackedPartition {
  rect: PlaneRect;
  /** Hidden units (pattern length) and outputs of the network. */
  units: number;
  outputs: number;
  /** Full-dimensional regions (what `tessera count` counts) and slivers (thinner than the threshold). */
  regions: number;
  slivers: number;
  /** Interior-radius threshold of the region criterion (plane units). */
  threshold: number;
  /** Polygon k has vertices polyStart[k] … polyStart[k+1] − 1 in `coords` (x, y pairs) and `labels` (edge k → k+1). */
  polyStart: Uint32Array;
  coords: Float64Array;
  /** Edge labels: the hidden unit (pattern index) whose hyperplane carries the edge, or −1 on the rectangle. */
  labels: Int32Array;
  /** Pattern of polygon k: patterns[k·units … (k+1)·units − 1]. */
  patterns: Uint8Array;
  /** Output map of polygon k: f(x) = J x + c with J[k·outputs·2 …] row-major [outputs × 2], c[k·outputs …]. */
  J: Float64Array;
  c: Float64Array;
  /** Class cells (a polygon clipped to where one class is predicted): vertices and class. */
  cellStart: Uint32Array;
  cellCoords: Float64Array;
  cellClass: Uint16Array;
  /** The polygon each class cell lies in. */
  cellPoly: Int32Array;
  /**
   * Boundary pieces (segments of f_i = f_j inside one polygon): piece k runs from (pieceSegments[4k], [4k + 1]) to
   * ([4k + 2], [4k + 3]), between classes pieceClasses[2k] < [2k + 1], in polygon piecePoly[k].
   */
  pieceSegments: Float64Array;
  pieceClasses: Int32Array;
  piecePoly: Int32Array;
  /** Class boundary polylines: vertices and whether each is closed. */
  lineStart: Uint32Array;
  lineCoords: Float64Array;
  lineClosed: Uint8Array;
  /** Boundary pieces (segments of f_i = f_j inside one region). */
  boundaryPieces: number;
  /** Time to partition and find the boundary, in milliseconds. */
  ms: number;
}

/** Concatenate flat vertex arrays with their start offsets (in vertices). */
export function concat(parts: ArrayLike<number>[], perVertex: number): { start: Uint32Array; data: Float64Array } {
  const start = new Uint32Array(parts.length + 1);
  for (let k = 0; k < parts.length; k++) start[k + 1] = start[k] + parts[k].length / perVertex;
  const data = new Float64Array(start[parts.length] * perVertex);
  parts.forEach((p, k) => data.set(p, start[k] * perVertex));
  return { start, data };
}

/** The network a picture of `rect` partitions: per-unit layers (residual blocks, PReLU per channel) lowered to ReLU layers equal on the rectangle (src/model/lower.ts). */
export function lowerForView(model: Network, rect: PlaneRect): Network {
  return lowerOnBox(model, { lo: Float64Array.of(rect.umin, rect.vmin), hi: Float64Array.of(rect.umax, rect.vmax) }).network;
}

/** Partition `rect` exactly (planarPartitionFast: the 2-D skeleton, else polygon clipping), find the class boundary, and pack both (`onLayer`: progress). */
export function packPartition(model: Network, rect: PlaneRect, onLayer?: (layer: number, layers: number, pieces: number) => void): PackedPartition {
  const net = lowerForView(model, rect);
  const t0 = performance.now();
  const partition = planarPartitionFast(net, rect, { onLayer });
  const boundary = classBoundary(partition);
  return packOf(net, partition, boundary, performance.now() - t0);
}

/** Pack a partition of `net` and its class boundary (`ms`: the time they took). */
export function packOf(net: Network, partition: PlanarPartition, boundary: ClassBoundary, ms: number): PackedPartition {
  const rect = rectOfDomain(partition);
  const polys = allPolygons(partition);
  const units = hiddenUnitCount(net), outputs = outputDim(net);
  const { start: polyStart, data: coords } = concat(polys.map((p) => p.polygon), 2);
  const labels = new Int32Array(polyStart[polys.length]);
  const patterns = new Uint8Array(polys.length * units);
  const J = new Float64Array(polys.length * outputs * 2), c = new Float64Array(polys.length * outputs);
  polys.forEach((p, k) => {
    labels.set(p.edges, polyStart[k]);
    patterns.set(p.pattern, k * units);
    J.set(p.output.J, k * outputs * 2);
    c.set(p.output.c, k * outputs);
  });
  const { start: cellStart, data: cellCoords } = concat(boundary.cells.map((cell) => cell.polygon), 2);
  const cellClass = Uint16Array.from(boundary.cells, (cell) => cell.cls);
  const cellPoly = Int32Array.from(boundary.cells, (cell) => cell.region);
  const { start: lineStart, data: lineCoords } = concat(boundary.polylines.map((l) => l.points), 2);
  const lineClosed = Uint8Array.from(boundary.polylines, (l) => (l.closed ? 1 : 0));
  return {
    rect,
    units,
    outputs,
    regions: partition.regions.length,
    slivers: partition.slivers.length,
    threshold: partition.threshold,
    polyStart,
    coords,
    labels,
    patterns,
    J,
    c,
    cellStart,
    cellCoords,
    cellClass,
    cellPoly,
    pieceSegments: boundary.pieces.segments.slice(0, 4 * boundary.pieces.count),
    pieceClasses: boundary.pieces.classes.slice(0, 2 * boundary.pieces.count),
    piecePoly: boundary.pieces.regions.slice(0, boundary.pieces.count),
    lineStart,
    lineCoords,
    lineClosed,
    boundaryPieces: boundary.pieces.count,
    ms,
  };
}

/** The bounding rectangle of a partition's domain (the view rectangle, or a strip of it). */
function rectOfDomain(p: PlanarPartition): PlaneRect {
  const q = p.domain.poly;
  let umin = Infinity, umax = -Infinity, vmin = Infinity, vmax = -Infinity;
  for (let i = 0; i < q.length; i += 2) {
    umin = Math.min(umin, q[i]);
    umax = Math.max(umax, q[i]);
    vmin = Math.min(vmin, q[i + 1]);
    vmax = Math.max(vmax, q[i + 1]);
  }
  return { umin, umax, vmin, vmax };
}

/** Is (x, y) inside the counter-clockwise convex polygon with vertices from..to−1 of `coords` (edges included)? */
export function insideConvex(coords: Float64Array, from: number, to: number, x: number, y: number): boolean {
  for (let i = from; i < to; i++) {
    const j = i + 1 < to ? i + 1 : from;
    const ax = coords[2 * i], ay = coords[2 * i + 1];
    if ((coords[2 * j] - ax) * (y - ay) - (coords[2 * j + 1] - ay) * (x - ax) < 0) return false;
  }
  return true;
}

/** Index of the polygon of a packed partition that holds (x, y), or −1. */
export function polygonAt(p: PackedPartition, x: number, y: number): number {
  const n = p.polyStart.length - 1;
  for (let k = 0; k < n; k++) if (insideConvex(p.coords, p.polyStart[k], p.polyStart[k + 1], x, y)) return k;
  return -1;
}

/** The typed arrays of a packed partition (to transfer it between threads). */
function packedArrays(p: PackedPartition): ArrayBufferView[] {
  return [p.polyStart, p.coords, p.labels, p.patterns, p.J, p.c, p.cellStart, p.cellCoords, p.cellClass, p.cellPoly, p.pieceSegments, p.pieceClasses, p.piecePoly, p.lineStart, p.lineCoords, p.lineClosed];
}

/** A copy of a packed partition with arrays of its own. */
export function copyPacked(p: PackedPartition): PackedPartition {
  return {
    ...p,
    rect: { ...p.rect },
    polyStart: p.polyStart.slice(),
    coords: p.coords.slice(),
    labels: p.labels.slice(),
    patterns: p.patterns.slice(),
    J: p.J.slice(),
    c: p.c.slice(),
    cellStart: p.cellStart.slice(),
    cellCoords: p.cellCoords.slice(),
    cellClass: p.cellClass.slice(),
    cellPoly: p.cellPoly.slice(),
    pieceSegments: p.pieceSegments.slice(),
    pieceClasses: p.pieceClasses.slice(),
    piecePoly: p.piecePoly.slice(),
    lineStart: p.lineStart.slice(),
    lineCoords: p.lineCoords.slice(),
    lineClosed: p.lineClosed.slice(),
  };
}

/** The distinct buffers of a packed partition's arrays (a postMessage transfer list). */
export function packedBuffers(p: PackedPartition): ArrayBuffer[] {
  return [...new Set(packedArrays(p).map((a) => a.buffer as ArrayBuffer))];
}
