/**
 * A view partitioned by two workers: each partitions one vertical strip of the rectangle (left and right of a seam),
 * and the two packed strips are joined exactly into the packed partition of the whole view, the same regions,
 * patterns, polygons (as point sets), class cells and boundary as one worker's `packPartition` (see the core's
 * src/geometry/partition-merge.ts: pieces of one pattern either side of the seam are one region). DOM-free.
 */
import {
  cellPieces,
  classBoundary,
  classCells,
  type ClassCell,
  joinPieces,
  joinSeamPieces,
  JOIN_RELATIVE,
  type Network,
  planarPartitionFast,
  type PlanarRegion,
  type PlaneRect,
  polygonArea,
  seamEdgeOf,
  seamTolerances,
  SNAP_RELATIVE,
} from "tessera";
import { concat, lowerForView, packOf, type PackedPartition } from "./packed.ts";

/**
 * Networks with at least this many hidden units are partitioned in two strips by two workers. CPU time of the
 * seeded random 2-256-256-2 (87,299 regions, bench/partition-wide.ts --strips): one worker 2,059–2,223 ms, the
 * slower strip 1,155–1,297 ms plus the page's join 374–485 ms, so on two free cores the partition's critical path is
 * 1.26–1.33× shorter. Smaller networks are not split: 2-8-8-2 takes 1–5 ms in one worker, less than a second
 * worker's round trip. On this shared machine (load 11–33, all of Chromium in one scheduling group) the split was
 * not faster in wall time (docs/explorer.md). Nor on a quiet machine (study paused, load 2.2–2.7, 2026-12-08, trained
 * 2-256-256-2, 40,881 regions, bench/explorer.ts --only 256,256, runs in turn): one worker 1,562 and 1,377 ms request →
 * painted, split 1,712 and 1,531 ms; the slower strip's partition (1,127–1,238 ms) took as long as the whole view
 * in one worker (955–1,010 ms). So "auto" splits no view for now (Infinity); `?split=always` keeps the exact split
 * available, and tested, for a machine where it pays.
 */
export const SPLIT_MIN_UNITS = Number.POSITIVE_INFINITY;

/** The seam of a view split at pixel column boundary: the plane u of the column nearest the middle of the picture. */
export function seamOf(rect: PlaneRect, layout: { s: number; ox: number }, dpr: number): number {
  const mid = layout.ox + (layout.s * (rect.umax - rect.umin)) / 2;
  const column = Math.round(mid * dpr);
  const u = rect.umin + (column / dpr - layout.ox) / layout.s;
  // Strictly inside, whatever the rounding (a strip must have positive width).
  return u > rect.umin && u < rect.umax ? u : (rect.umin + rect.umax) / 2;
}

/** The two strips of `rect` either side of `seam`. */
export function stripsOf(rect: PlaneRect, seam: number): [PlaneRect, PlaneRect] {
  return [
    { umin: rect.umin, umax: seam, vmin: rect.vmin, vmax: rect.vmax },
    { umin: seam, umax: rect.umax, vmin: rect.vmin, vmax: rect.vmax },
  ];
}

/**
 * Partition one strip (side 0: left of the seam, 1: right) of the view `rect` and pack it with its class boundary.
 * The network is lowered on the whole view, so both strips partition the same network.
 */
export function packStrip(model: Network, rect: PlaneRect, seam: number, side: 0 | 1, onLayer?: (layer: number, layers: number, pieces: number) => void): PackedPartition {
  const net = lowerForView(model, rect);
  const t0 = performance.now();
  const partition = planarPartitionFast(net, stripsOf(rect, seam)[side], { onLayer });
  const boundary = classBoundary(partition);
  return packOf(net, partition, boundary, performance.now() - t0);
}

/** Polygon k of a packed partition as the core's region (views of its arrays; point and radius are not packed). */
function regionView(p: PackedPartition, k: number): PlanarRegion {
  const a = p.polyStart[k], b = p.polyStart[k + 1];
  const polygon = p.coords.subarray(2 * a, 2 * b);
  return {
    polygon,
    edges: p.labels.subarray(a, b),
    pattern: p.patterns.subarray(k * p.units, (k + 1) * p.units),
    output: { rows: p.outputs, cols: 2, J: p.J.subarray(2 * p.outputs * k, 2 * p.outputs * (k + 1)), c: p.c.subarray(p.outputs * k, p.outputs * (k + 1)) },
    area: polygonArea(polygon, b - a),
    point: new Float64Array(2),
    radius: NaN,
  };
}

/** The result of {@link joinStrips}. */
export interface JoinedStrips {
  /** The packed partition of the whole view. */
  merged: PackedPartition;
  /**
   * What each strip's worker paints besides its own polygons: the joined polygons (with their class cells), every
   * boundary polyline of the view, and the other strip's polygons near the seam (their edges' ink reaches across).
   */
  paint: [StripPaint, StripPaint];
}

/** The rest of the picture a strip's worker paints (see {@link JoinedStrips}). */
export interface StripPaint {
  /** Which of the strip's own polygons were joined (not painted: the joined polygon is). */
  dropped: Int32Array;
  /** Polygons to add: the joined ones first (`joined` of them, class cells given), then the other strip's near the seam. */
  extra: PackedPartition;
  joined: number;
  /** Polygons in the whole view (the edge width follows it) and the view's largest |margin| (confidence shading). */
  polygons: number;
}

/** Strip polygons whose ink can reach across the seam: a vertex within this many CSS pixels of it (edges are ≤ 0.8 px wide, plus a pixel of anti-aliasing). */
export const NEAR_SEAM_PX = 3;

/**
 * Join the packed partitions of the two strips of `rect` either side of `seam` into the packed partition of `rect`:
 * polygons are the regions (left's, right's, joined), then the slivers likewise; class cells and boundary pieces
 * follow their polygons (cells and pieces of joined polygons computed again), and the boundary pieces are joined
 * into polylines over the whole view. `nearSeam` (plane units) picks the polygons each worker paints for the other.
 * Throws the core's SeamDegenerate when the seam runs along a hyperplane (partition the view at once then).
 */
export function joinStrips(left: PackedPartition, right: PackedPartition, rect: PlaneRect, seam: number, nearSeam: number): JoinedStrips {
  const t0 = performance.now();
  const threshold = left.threshold;
  const diameter = Math.hypot(rect.umax - rect.umin, rect.vmax - rect.vmin);
  const { onSeam } = seamTolerances(diameter);
  const strips = [left, right];
  const count = (p: PackedPartition) => p.polyStart.length - 1;
  // Polygons with an edge on the seam, as core regions.
  const seamIdx = strips.map((p) => {
    const ks: number[] = [];
    const { polyStart, coords, labels } = p;
    // On the packed arrays, polygon k's vertex range: no view per polygon (tens of thousands of them).
    for (let k = 0; k < count(p); k++) if (seamEdgeOf(coords, labels, seam, onSeam, polyStart[k], polyStart[k + 1]) >= 0) ks.push(k);
    return ks;
  });
  const views = strips.map((p, s) => seamIdx[s].map((k) => regionView(p, k)));
  const join = joinSeamPieces(views[0], views[1], seam, threshold, diameter);
  const used = strips.map((p) => new Uint8Array(count(p)));
  seamIdx[0].forEach((k, i) => (used[0][k] = join.leftUsed[i]));
  seamIdx[1].forEach((k, i) => (used[1][k] = join.rightUsed[i]));
  const joinedRegions = join.joined.filter((r) => r.radius > threshold), joinedSlivers = join.joined.filter((r) => !(r.radius > threshold));
  const joined = [...joinedRegions, ...joinedSlivers];

  // New polygon order: left regions, right regions, joined regions, left slivers, right slivers, joined slivers.
  // Source s = 0, 1 (strips), 2 (joined); newIndex[s][k].
  const newIndex = [new Int32Array(count(left)).fill(-1), new Int32Array(count(right)).fill(-1)];
  const total = count(left) + count(right) + joined.length;
  const orderSrc = new Uint8Array(total), orderK = new Int32Array(total);
  let n = 0;
  const push = (s: number, k: number) => {
    orderSrc[n] = s;
    orderK[n++] = k;
  };
  const take = (s: number, from: number, to: number) => {
    for (let k = from; k < to; k++) if (!used[s][k]) {
      newIndex[s][k] = n;
      push(s, k);
    }
  };
  const joinedAt = new Int32Array(joined.length);
  take(0, 0, left.regions);
  take(1, 0, right.regions);
  joinedRegions.forEach((_, i) => {
    joinedAt[i] = n;
    push(2, i);
  });
  const regionCount = n;
  take(0, left.regions, count(left));
  take(1, right.regions, count(right));
  joinedSlivers.forEach((_, i) => {
    joinedAt[joinedRegions.length + i] = n;
    push(2, joinedRegions.length + i);
  });

  // Class cells and boundary pieces of the joined polygons.
  const snap = SNAP_RELATIVE * diameter;
  const joinedCells: ClassCell[] = [];
  const seg: number[] = [], cls: number[] = [], reg: number[] = [];
  joined.forEach((r, i) => {
    for (const cell of classCells(r, joinedAt[i], snap)) {
      joinedCells.push(cell);
      cellPieces(cell, seg, cls, reg);
    }
  });
  // The strips' pieces of polygons that stay, renumbered.
  strips.forEach((p, s) => {
    for (let k = 0; k < p.piecePoly.length; k++) {
      const n = newIndex[s][p.piecePoly[k]];
      if (n < 0) continue;
      for (let i = 0; i < 4; i++) seg.push(p.pieceSegments[4 * k + i]);
      cls.push(p.pieceClasses[2 * k], p.pieceClasses[2 * k + 1]);
      reg.push(n);
    }
  });
  const pieces = { count: reg.length, segments: Float64Array.from(seg), classes: Int32Array.from(cls), regions: Int32Array.from(reg) };
  const polylines = joinPieces(pieces, JOIN_RELATIVE * diameter);

  // Polygons.
  const units = left.units, outs = left.outputs;
  const polyStart = new Uint32Array(n + 1);
  for (let j = 0; j < n; j++) {
    const s = orderSrc[j], k = orderK[j];
    polyStart[j + 1] = polyStart[j] + (s === 2 ? joined[k].edges.length : strips[s].polyStart[k + 1] - strips[s].polyStart[k]);
  }
  const coords = new Float64Array(2 * polyStart[n]), labels = new Int32Array(polyStart[n]);
  const patterns = new Uint8Array(n * units), J = new Float64Array(n * outs * 2), c = new Float64Array(n * outs);
  // Runs of consecutive polygons of one strip are copied at once (the joined are a few hundred of tens of thousands).
  for (let j = 0; j < n; ) {
    const s = orderSrc[j], k = orderK[j];
    if (s === 2) {
      const r = joined[k];
      coords.set(r.polygon, 2 * polyStart[j]);
      labels.set(r.edges, polyStart[j]);
      patterns.set(r.pattern, j * units);
      J.set(r.output.J, j * outs * 2);
      c.set(r.output.c, j * outs);
      j++;
      continue;
    }
    let e = j + 1;
    while (e < n && orderSrc[e] === s && orderK[e] === k + (e - j)) e++;
    const p = strips[s], kEnd = k + (e - j);
    coords.set(p.coords.subarray(2 * p.polyStart[k], 2 * p.polyStart[kEnd]), 2 * polyStart[j]);
    labels.set(p.labels.subarray(p.polyStart[k], p.polyStart[kEnd]), polyStart[j]);
    patterns.set(p.patterns.subarray(k * units, kEnd * units), j * units);
    J.set(p.J.subarray(k * outs * 2, kEnd * outs * 2), j * outs * 2);
    c.set(p.c.subarray(k * outs, kEnd * outs), j * outs);
    j = e;
  }

  // Class cells: the strips' cells of polygons that stay, then the joined polygons'.
  // Cells of one strip that stay are copied in runs (they are in their polygons' order).
  let kept = 0;
  for (let s = 0; s < 2; s++) for (let q = 0; q < strips[s].cellPoly.length; q++) if (newIndex[s][strips[s].cellPoly[q]] >= 0) kept++;
  const cellCount = kept + joinedCells.length;
  const cellStart = new Uint32Array(cellCount + 1), cellClass = new Uint16Array(cellCount), cellPoly = new Int32Array(cellCount);
  const cellRuns: number[] = []; // (strip, first cell, last cell + 1, first new cell) per run
  for (let s = 0, i = 0; s < 2; s++) {
    const p = strips[s];
    for (let q = 0; q < p.cellPoly.length; q++) {
      const to = newIndex[s][p.cellPoly[q]];
      if (to < 0) continue;
      cellStart[i + 1] = cellStart[i] + p.cellStart[q + 1] - p.cellStart[q];
      cellClass[i] = p.cellClass[q];
      cellPoly[i] = to;
      const r = cellRuns.length - 4;
      if (r >= 0 && cellRuns[r] === s && cellRuns[r + 2] === q) cellRuns[r + 2] = q + 1;
      else cellRuns.push(s, q, q + 1, i);
      i++;
    }
  }
  joinedCells.forEach((cell, i) => (cellStart[kept + i + 1] = cellStart[kept + i] + cell.edges.length));
  const cellCoords = new Float64Array(2 * cellStart[cellCount]);
  for (let r = 0; r < cellRuns.length; r += 4) {
    const p = strips[cellRuns[r]];
    cellCoords.set(p.cellCoords.subarray(2 * p.cellStart[cellRuns[r + 1]], 2 * p.cellStart[cellRuns[r + 2]]), 2 * cellStart[cellRuns[r + 3]]);
  }
  joinedCells.forEach((cell, i) => {
    const at = kept + i;
    cellCoords.set(cell.polygon, 2 * cellStart[at]);
    cellClass[at] = cell.cls;
    cellPoly[at] = cell.region;
  });

  const { start: lineStart, data: lineCoords } = concat(polylines.map((l) => l.points), 2);
  const lineClosed = Uint8Array.from(polylines, (l) => (l.closed ? 1 : 0));

  const merged: PackedPartition = {
    rect,
    units,
    outputs: outs,
    regions: regionCount,
    slivers: n - regionCount,
    threshold,
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
    pieceSegments: pieces.segments,
    pieceClasses: pieces.classes,
    piecePoly: pieces.regions,
    lineStart,
    lineCoords,
    lineClosed,
    boundaryPieces: pieces.count,
    ms: Math.max(left.ms, right.ms) + (performance.now() - t0),
  };

  // What each worker paints besides its own polygons.
  const joinedCount = joined.length;
  const nearOf = (p: PackedPartition, s: number): number[] => {
    const ks: number[] = [];
    for (let k = 0; k < count(p); k++) {
      if (used[s][k]) continue;
      for (let i = p.polyStart[k]; i < p.polyStart[k + 1]; i++) {
        if (Math.abs(p.coords[2 * i] - seam) <= nearSeam) {
          ks.push(k);
          break;
        }
      }
    }
    return ks;
  };
  const near = [nearOf(left, 0), nearOf(right, 1)];
  const paintFor = (s: 0 | 1): StripPaint => {
    const other = 1 - s;
    const list: [number, number][] = [...joined.map((_, i): [number, number] => [2, i]), ...near[other].map((k): [number, number] => [other, k])];
    const dropped: number[] = [];
    used[s].forEach((u, k) => u && dropped.push(k));
    return { dropped: Int32Array.from(dropped), extra: subset(merged, list.map(([src, k]) => (src === 2 ? joinedAt[k] : newIndex[src][k]))), joined: joinedCount, polygons: n };
  };
  return { merged, paint: [paintFor(0), paintFor(1)] };
}

/** The polygons `ks` of a packed partition (with their class cells; no pieces or lines) as a packed partition. */
export function subset(p: PackedPartition, ks: number[]): PackedPartition {
  const at = new Int32Array(p.polyStart.length - 1).fill(-1);
  ks.forEach((k, j) => (at[k] = j));
  const n = ks.length, units = p.units, outs = p.outputs;
  const polyStart = new Uint32Array(n + 1);
  ks.forEach((k, j) => (polyStart[j + 1] = polyStart[j] + p.polyStart[k + 1] - p.polyStart[k]));
  const coords = new Float64Array(2 * polyStart[n]), labels = new Int32Array(polyStart[n]);
  const patterns = new Uint8Array(n * units), J = new Float64Array(n * outs * 2), c = new Float64Array(n * outs);
  // Runs of consecutive polygons are copied at once (a strip's picture keeps all but a few hundred).
  for (let j = 0; j < n; ) {
    const k = ks[j];
    let e = j + 1;
    while (e < n && ks[e] === k + (e - j)) e++;
    const kEnd = k + (e - j);
    coords.set(p.coords.subarray(2 * p.polyStart[k], 2 * p.polyStart[kEnd]), 2 * polyStart[j]);
    labels.set(p.labels.subarray(p.polyStart[k], p.polyStart[kEnd]), polyStart[j]);
    patterns.set(p.patterns.subarray(k * units, kEnd * units), j * units);
    J.set(p.J.subarray(k * outs * 2, kEnd * outs * 2), j * outs * 2);
    c.set(p.c.subarray(k * outs, kEnd * outs), j * outs);
    j = e;
  }
  const cells: number[] = [];
  for (let q = 0; q < p.cellPoly.length; q++) if (at[p.cellPoly[q]] >= 0) cells.push(q);
  const cellStart = new Uint32Array(cells.length + 1);
  cells.forEach((q, i) => (cellStart[i + 1] = cellStart[i] + p.cellStart[q + 1] - p.cellStart[q]));
  const cellCoords = new Float64Array(2 * cellStart[cells.length]);
  for (let i = 0; i < cells.length; ) {
    let e = i + 1;
    while (e < cells.length && cells[e] === cells[i] + (e - i)) e++;
    cellCoords.set(p.cellCoords.subarray(2 * p.cellStart[cells[i]], 2 * p.cellStart[cells[e - 1] + 1]), 2 * cellStart[i]);
    i = e;
  }
  return {
    ...p,
    regions: n,
    slivers: 0,
    polyStart,
    coords,
    labels,
    patterns,
    J,
    c,
    cellStart,
    cellCoords,
    cellClass: Uint16Array.from(cells, (q) => p.cellClass[q]),
    cellPoly: Int32Array.from(cells, (q) => at[p.cellPoly[q]]),
    pieceSegments: new Float64Array(0),
    pieceClasses: new Int32Array(0),
    piecePoly: new Int32Array(0),
    lineStart: Uint32Array.of(0),
    lineCoords: new Float64Array(0),
    lineClosed: new Uint8Array(0),
    boundaryPieces: 0,
  };
}

/** What a picture's colouring reads besides polygons, cells and lines: patterns (one colour each) or output maps (shading). */
export interface PictureNeeds {
  patterns: boolean;
  maps: boolean;
}

/**
 * The picture a strip's worker paints: its own polygons but the joined ones, then the joined polygons and the other
 * strip's near the seam, with every boundary polyline of the view (`lines`: the merged partition's). Only what the
 * painter reads is copied (patterns and maps as `needs` says; no edge labels, pieces or cell owners).
 */
export function stripPicture(own: PackedPartition, paint: StripPaint, lines: Pick<PackedPartition, "lineStart" | "lineCoords" | "lineClosed">, needs: PictureNeeds = { patterns: true, maps: true }): PackedPartition {
  const ex = paint.extra;
  const ownCount = own.polyStart.length - 1, exCount = ex.polyStart.length - 1;
  const drop = new Uint8Array(ownCount);
  for (const k of paint.dropped) drop[k] = 1;
  // Runs [from, to) of own polygons that stay, and their cells (cells follow their polygons' order).
  const runs: number[] = [];
  for (let k = 0; k < ownCount; ) {
    if (drop[k]) {
      k++;
      continue;
    }
    let e = k + 1;
    while (e < ownCount && !drop[e]) e++;
    runs.push(k, e);
    k = e;
  }
  const n = ownCount - paint.dropped.length + exCount, units = own.units, outs = own.outputs;
  const polyStart = new Uint32Array(n + 1);
  const coordsLen = own.polyStart[ownCount] - paint.dropped.reduce((t, k) => t + own.polyStart[k + 1] - own.polyStart[k], 0) + ex.polyStart[exCount];
  const coords = new Float64Array(2 * coordsLen);
  const patterns = new Uint8Array(needs.patterns ? n * units : 0);
  const J = new Float64Array(needs.maps ? n * outs * 2 : 0), c = new Float64Array(needs.maps ? n * outs : 0);
  let j = 0;
  const copy = (p: PackedPartition, from: number, to: number) => {
    const base = polyStart[j] - p.polyStart[from];
    for (let k = from; k < to; k++) polyStart[j + k - from + 1] = p.polyStart[k + 1] + base;
    coords.set(p.coords.subarray(2 * p.polyStart[from], 2 * p.polyStart[to]), 2 * polyStart[j]);
    if (needs.patterns) patterns.set(p.patterns.subarray(from * units, to * units), j * units);
    if (needs.maps) {
      J.set(p.J.subarray(from * outs * 2, to * outs * 2), j * outs * 2);
      c.set(p.c.subarray(from * outs, to * outs), j * outs);
    }
    j += to - from;
  };
  for (let r = 0; r < runs.length; r += 2) copy(own, runs[r], runs[r + 1]);
  copy(ex, 0, exCount);
  // Class cells of the polygons that stay, then the extra polygons' cells.
  const cellRuns: number[] = [];
  for (let q = 0; q < own.cellPoly.length; ) {
    if (drop[own.cellPoly[q]]) {
      q++;
      continue;
    }
    let e = q + 1;
    while (e < own.cellPoly.length && !drop[own.cellPoly[e]]) e++;
    cellRuns.push(q, e);
    q = e;
  }
  let cellCount = ex.cellPoly.length;
  for (let r = 0; r < cellRuns.length; r += 2) cellCount += cellRuns[r + 1] - cellRuns[r];
  const cellStart = new Uint32Array(cellCount + 1), cellClass = new Uint16Array(cellCount);
  let q = 0;
  const cellCopy = (p: PackedPartition, from: number, to: number) => {
    const base = cellStart[q] - p.cellStart[from];
    for (let i = from; i < to; i++) cellStart[q + i - from + 1] = p.cellStart[i + 1] + base;
    cellClass.set(p.cellClass.subarray(from, to), q);
    q += to - from;
  };
  for (let r = 0; r < cellRuns.length; r += 2) cellCopy(own, cellRuns[r], cellRuns[r + 1]);
  cellCopy(ex, 0, ex.cellPoly.length);
  const cellCoords = new Float64Array(2 * cellStart[cellCount]);
  q = 0;
  for (let r = 0; r < cellRuns.length; r += 2) {
    cellCoords.set(own.cellCoords.subarray(2 * own.cellStart[cellRuns[r]], 2 * own.cellStart[cellRuns[r + 1]]), 2 * cellStart[q]);
    q += cellRuns[r + 1] - cellRuns[r];
  }
  cellCoords.set(ex.cellCoords.subarray(0, 2 * ex.cellStart[ex.cellPoly.length]), 2 * cellStart[q]);
  return {
    ...own,
    regions: n,
    slivers: 0,
    polyStart,
    coords,
    labels: new Int32Array(0),
    patterns,
    J,
    c,
    cellStart,
    cellCoords,
    cellClass,
    cellPoly: new Int32Array(0),
    pieceSegments: new Float64Array(0),
    pieceClasses: new Int32Array(0),
    piecePoly: new Int32Array(0),
    lineStart: lines.lineStart,
    lineCoords: lines.lineCoords,
    lineClosed: lines.lineClosed,
  };
}
