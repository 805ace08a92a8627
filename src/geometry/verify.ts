/**
 * A verifier for planar partitions, in the spirit of delaunator's `validate`: the polygons are convex and tile the
 * domain (areas add up to its area, domain edges cover its perimeter), each region's interior point evaluates to
 * the region's pattern and output map, no pattern appears twice, and every unit edge is covered exactly by edges of
 * neighbours that carry the same unit, whose patterns differ in that unit (adjacency is symmetric). Tests and
 * `tessera draw/boundary --verify` call it. Isomorphic: no Node APIs.
 */
import { applyAffine, evaluate, patternToString } from "../model/evaluate.ts";
import type { Network } from "../model/network.ts";
import type { PlanarPartition, PlanarRegion } from "./partition.ts";
import { allPolygons } from "./partition.ts";
import { DOMAIN_EDGE, polygonDiameter } from "./polygon.ts";

/** Relative tolerance on the area sum (the criterion: areas add up to the domain's to 1e-9 relative). */
export const AREA_RELATIVE_TOLERANCE = 1e-9;

/**
 * Geometric tolerance (relative to the domain's diameter) for "on the same line" and "on the domain boundary". Two
 * polygons share an edge because one cut made it; later cuts move its endpoints along the line (by round-off times
 * 1/sin of the crossing angle) but never off it by more than round-off (≈ 1e-16 relative). 1e-13 leaves room for
 * that and stays below the clipping snap (SNAP_RELATIVE = 1e-12), the narrowest sliver a partition keeps.
 */
export const EDGE_RELATIVE_TOLERANCE = 1e-13;

/**
 * Along a line, positions are less precise than across it: a vertex where two nearly parallel lines cross moves
 * along them by round-off × 1/sin(angle) (5e-13 seen at an angle of 3e-4 rad on a 2-64-64-64 net). Overlaps of
 * collinear edges shorter than this (relative to the domain's diameter) are such touching ends, not shared edges.
 */
export const OVERLAP_RELATIVE_TOLERANCE = 1e-9;

/** Edge coverage must be 1 to this relative precision (the overlaps of neighbours' edges add up to the edge). */
export const COVERAGE_TOLERANCE = 1e-6;

/** Relative tolerance between the network's output at a region's point and the region's output map. */
export const OUTPUT_RELATIVE_TOLERANCE = 1e-9;

/** Result of {@link verifyPartition}. */
export interface PartitionReport {
  ok: boolean;
  regions: number;
  slivers: number;
  areaSum: number;
  domainArea: number;
  relativeAreaError: number;
  /** Regions whose interior point evaluates to another pattern. */
  patternMismatches: number;
  /** Regions whose output map disagrees with the network at the interior point. */
  outputMismatches: number;
  duplicatePatterns: number;
  /** Polygons that are not convex and counter-clockwise. */
  nonConvex: number;
  /** Unit edges checked for coverage by neighbours. */
  edges: number;
  /** Unit edges not covered exactly once by neighbours' edges. */
  uncoveredEdges: number;
  /** Neighbour pairs across a unit edge whose patterns do not differ exactly in that unit, or whose labels differ. */
  labelMismatches: number;
  /** Polygon pairs that are neighbours one way only. */
  asymmetricPairs: number;
  /** Domain-edge length over the domain's perimeter (1 when the polygons' outer edges cover it). */
  perimeterCoverage: number;
  problemCount: number;
  /** The first problems, one line each. */
  problems: string[];
}

interface EdgeRef {
  poly: number;
  edge: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  label: number;
}

function edgesOf(polygons: PlanarRegion[]): EdgeRef[] {
  const edges: EdgeRef[] = [];
  polygons.forEach((p, i) => {
    const n = p.edges.length;
    for (let e = 0; e < n; e++) {
      const f = (e + 1) % n;
      edges.push({ poly: i, edge: e, x0: p.polygon[2 * e], y0: p.polygon[2 * e + 1], x1: p.polygon[2 * f], y1: p.polygon[2 * f + 1], label: p.edges[e] });
    }
  });
  return edges;
}

/** Convex and counter-clockwise: every turn is a left turn (up to `tol` times the edge lengths). */
function isConvexCCW(poly: Float64Array, n: number, tol: number): boolean {
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n, k = (i + 2) % n;
    const ax = poly[2 * j] - poly[2 * i], ay = poly[2 * j + 1] - poly[2 * i + 1];
    const bx = poly[2 * k] - poly[2 * j], by = poly[2 * k + 1] - poly[2 * j + 1];
    if (ax * by - ay * bx < -tol * Math.hypot(ax, ay) * Math.hypot(bx, by) - tol * tol) return false;
  }
  return true;
}

/** Uniform grid over edge bounding boxes, for finding the edges near an edge. */
class EdgeGrid {
  private readonly cells: number[][];
  private readonly x0: number;
  private readonly y0: number;
  private readonly size: number;
  private readonly g: number;

  constructor(private readonly edges: EdgeRef[], lo: [number, number], hi: [number, number]) {
    this.g = Math.max(1, Math.min(1024, Math.round(Math.sqrt(edges.length) / 2)));
    this.x0 = lo[0];
    this.y0 = lo[1];
    this.size = Math.max(hi[0] - lo[0], hi[1] - lo[1]) / this.g || 1;
    this.cells = Array.from({ length: this.g * this.g }, () => []);
    edges.forEach((e, i) => this.visit(e, (c) => this.cells[c].push(i)));
  }

  private clampIndex(v: number, origin: number): number {
    return Math.max(0, Math.min(this.g - 1, Math.floor((v - origin) / this.size)));
  }

  /** Call `f` with every grid cell the edge's bounding box touches. */
  visit(e: EdgeRef, f: (cell: number) => void): void {
    const i0 = this.clampIndex(Math.min(e.x0, e.x1), this.x0), i1 = this.clampIndex(Math.max(e.x0, e.x1), this.x0);
    const j0 = this.clampIndex(Math.min(e.y0, e.y1), this.y0), j1 = this.clampIndex(Math.max(e.y0, e.y1), this.y0);
    for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) f(i * this.g + j);
  }

  /** Edge indices sharing a grid cell with `e` (each once). */
  near(e: EdgeRef, stamp: Int32Array, token: number): number[] {
    const found: number[] = [];
    this.visit(e, (c) => {
      for (const k of this.cells[c]) {
        if (stamp[k] === token) continue;
        stamp[k] = token;
        found.push(k);
      }
    });
    return found;
  }
}

/** Length of the overlap of edge f with edge e when f lies on e's line (within tol), else 0. */
function collinearOverlap(e: EdgeRef, f: EdgeRef, tol: number): number {
  const dx = e.x1 - e.x0, dy = e.y1 - e.y0, len = Math.hypot(dx, dy);
  if (len === 0) return 0;
  const ux = dx / len, uy = dy / len;
  const d0 = Math.abs(-uy * (f.x0 - e.x0) + ux * (f.y0 - e.y0)), d1 = Math.abs(-uy * (f.x1 - e.x0) + ux * (f.y1 - e.y0));
  if (d0 > tol || d1 > tol) return 0;
  const t0 = ux * (f.x0 - e.x0) + uy * (f.y0 - e.y0), t1 = ux * (f.x1 - e.x0) + uy * (f.y1 - e.y0);
  return Math.max(0, Math.min(len, Math.max(t0, t1)) - Math.max(0, Math.min(t0, t1)));
}

/** Distance from (x, y) to the boundary of a polygon. */
function distanceToBoundary(poly: Float64Array, n: number, x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const px = poly[2 * i], py = poly[2 * i + 1], dx = poly[2 * j] - px, dy = poly[2 * j + 1] - py;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - px) * dx + (y - py) * dy) / len2));
    best = Math.min(best, Math.hypot(x - px - t * dx, y - py - t * dy));
  }
  return best;
}

/**
 * Verify a planar partition of the 2-input network `net` (the network it was computed from; for a slice, the
 * sliced network). Returns a report; `ok` when every check passes.
 */
export function verifyPartition(net: Network, partition: PlanarPartition): PartitionReport {
  const polygons = allPolygons(partition);
  const dom = partition.domain, domN = dom.labels.length;
  const diameter = polygonDiameter(dom.poly, domN);
  const tol = EDGE_RELATIVE_TOLERANCE * diameter, overlapTol = OVERLAP_RELATIVE_TOLERANCE * diameter;
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (line: string) => {
    problemCount++;
    if (problems.length < 10) problems.push(line);
  };

  // Tiling by area.
  let areaSum = 0;
  for (const p of polygons) areaSum += p.area;
  const relativeAreaError = Math.abs(areaSum - partition.domainArea) / partition.domainArea;
  if (!(relativeAreaError <= AREA_RELATIVE_TOLERANCE)) problem(`polygon areas add up to ${areaSum}, the domain's area is ${partition.domainArea} (relative error ${relativeAreaError.toExponential(2)})`);

  // Convexity, patterns and output maps at the interior points, distinct patterns.
  let nonConvex = 0, patternMismatches = 0, outputMismatches = 0, duplicatePatterns = 0;
  const seen = new Set<string>();
  polygons.forEach((p, i) => {
    if (!(p.area > 0) || !isConvexCCW(p.polygon, p.edges.length, 1e-12)) {
      nonConvex++;
      problem(`polygon ${i} is not convex and counter-clockwise`);
    }
    const key = patternToString(p.pattern);
    if (seen.has(key)) {
      duplicatePatterns++;
      problem(`pattern ${key} appears twice`);
    }
    seen.add(key);
    if (i >= partition.regions.length) return; // a sliver's point may sit on its edge: nothing to evaluate
    const { output, pattern } = evaluate(net, p.point);
    if (patternToString(pattern) !== key) {
      patternMismatches++;
      problem(`region ${i}: its point (${p.point[0]}, ${p.point[1]}) has pattern ${patternToString(pattern)}, not ${key}`);
    }
    const mapped = applyAffine(p.output, p.point);
    for (let r = 0; r < output.length; r++) {
      if (Math.abs(mapped[r] - output[r]) > OUTPUT_RELATIVE_TOLERANCE * Math.max(1, Math.abs(output[r]))) {
        outputMismatches++;
        problem(`region ${i}: output ${r} is ${output[r]} at its point, its affine map gives ${mapped[r]}`);
        break;
      }
    }
  });

  // Shared edges: coverage, labels, symmetric adjacency; domain edges on the domain's boundary.
  const edges = edgesOf(polygons);
  let lo: [number, number] = [Infinity, Infinity], hi: [number, number] = [-Infinity, -Infinity];
  for (let i = 0; i < domN; i++) {
    lo = [Math.min(lo[0], dom.poly[2 * i]), Math.min(lo[1], dom.poly[2 * i + 1])];
    hi = [Math.max(hi[0], dom.poly[2 * i]), Math.max(hi[1], dom.poly[2 * i + 1])];
  }
  const grid = new EdgeGrid(edges, lo, hi);
  const stamp = new Int32Array(edges.length).fill(-1);
  const neighbours: Set<number>[] = polygons.map(() => new Set());
  let unitEdges = 0, uncoveredEdges = 0, labelMismatches = 0, domainLength = 0;
  edges.forEach((e, i) => {
    const len = Math.hypot(e.x1 - e.x0, e.y1 - e.y0);
    if (e.label === DOMAIN_EDGE) {
      domainLength += len;
      const mx = (e.x0 + e.x1) / 2, my = (e.y0 + e.y1) / 2;
      if (distanceToBoundary(dom.poly, domN, mx, my) > tol) problem(`polygon ${e.poly}: edge ${e.edge} is marked as domain boundary but lies inside the domain`);
      return;
    }
    unitEdges++;
    let covered = 0;
    for (const k of grid.near(e, stamp, i)) {
      const f = edges[k];
      if (f.poly === e.poly) continue;
      const overlap = collinearOverlap(e, f, tol);
      if (overlap <= overlapTol) continue;
      covered += overlap;
      neighbours[e.poly].add(f.poly);
      const a = polygons[e.poly].pattern, b = polygons[f.poly].pattern;
      let differs = 0;
      for (let u = 0; u < a.length; u++) if (a[u] !== b[u]) differs++;
      if (f.label !== e.label || differs !== 1 || a[e.label] === b[e.label]) {
        labelMismatches++;
        problem(`polygons ${e.poly} and ${f.poly} share an edge of unit ${e.label} (other side: ${f.label}) but their patterns differ in ${differs} units`);
      }
    }
    if (Math.abs(covered - len) > COVERAGE_TOLERANCE * len + overlapTol) {
      uncoveredEdges++;
      problem(`polygon ${e.poly}: edge ${e.edge} (unit ${e.label}, length ${len}) is covered ${covered} by neighbours`);
    }
  });
  let asymmetricPairs = 0;
  neighbours.forEach((set, a) => {
    for (const b of set) {
      if (!neighbours[b].has(a)) {
        asymmetricPairs++;
        problem(`polygon ${a} lists ${b} as a neighbour but not the other way round`);
      }
    }
  });
  let perimeter = 0;
  for (let i = 0; i < domN; i++) {
    const j = (i + 1) % domN;
    perimeter += Math.hypot(dom.poly[2 * j] - dom.poly[2 * i], dom.poly[2 * j + 1] - dom.poly[2 * i + 1]);
  }
  const perimeterCoverage = domainLength / perimeter;
  if (Math.abs(perimeterCoverage - 1) > COVERAGE_TOLERANCE) problem(`the polygons' domain edges cover ${perimeterCoverage} of the domain's perimeter`);

  return {
    ok: problemCount === 0,
    regions: partition.regions.length,
    slivers: partition.slivers.length,
    areaSum,
    domainArea: partition.domainArea,
    relativeAreaError,
    patternMismatches,
    outputMismatches,
    duplicatePatterns,
    nonConvex,
    edges: unitEdges,
    uncoveredEdges,
    labelMismatches,
    asymmetricPairs,
    perimeterCoverage,
    problemCount,
    problems,
  };
}
