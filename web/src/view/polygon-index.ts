/**
 * Point location in a packed partition through a uniform grid over the view, built once per picture: every cell lists,
 * in ascending order, the polygons whose bounding box meets it, so a lookup tests only the few polygons of one cell
 * instead of all of them (a 2-64-64-64-2 picture has about 10,000). The answer is the same polygon as the linear scan
 * `polygonAt` (the first polygon, in order, that holds the point, edges included): the cell of a coordinate is a
 * monotone function of it, so every polygon whose box holds the point is listed in the point's cell. DOM-free.
 */
import { insideConvex, type PackedPartition } from "../partition/packed.ts";

/** Polygons per grid cell aimed at: about one polygon's box per cell keeps both the lists and the lookups short. */
const POLYGONS_PER_CELL = 1;
/** Largest grid side: 512² cells of offsets fit in 1 MB, enough for the 40,000 polygons of a 2-256-256-2 picture. */
const MAX_SIDE = 512;

/** A grid index of the polygons of one packed partition. */
export class PolygonIndex {
  private readonly nx: number;
  private readonly ny: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly sx: number;
  private readonly sy: number;
  /** Polygons of cell (i, j), i + nx·j: items[start[cell] … start[cell + 1] − 1], ascending. */
  private readonly start: Uint32Array;
  private readonly items: Uint32Array;

  constructor(readonly partition: PackedPartition) {
    const p = partition, r = p.rect, n = p.polyStart.length - 1;
    const side = Math.max(1, Math.min(MAX_SIDE, Math.ceil(Math.sqrt(n / POLYGONS_PER_CELL))));
    this.nx = this.ny = side;
    this.x0 = r.umin;
    this.y0 = r.vmin;
    this.sx = side / (r.umax - r.umin || 1);
    this.sy = side / (r.vmax - r.vmin || 1);
    // Bounding boxes in cells, then a counting sort of (cell, polygon) pairs: polygons stay ascending in each cell.
    const box = new Int32Array(4 * n);
    const count = new Uint32Array(side * side + 1);
    for (let k = 0; k < n; k++) {
      let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
      for (let i = p.polyStart[k]; i < p.polyStart[k + 1]; i++) {
        const x = p.coords[2 * i], y = p.coords[2 * i + 1];
        if (x < xmin) xmin = x;
        if (x > xmax) xmax = x;
        if (y < ymin) ymin = y;
        if (y > ymax) ymax = y;
      }
      const i0 = this.cellX(xmin), i1 = this.cellX(xmax), j0 = this.cellY(ymin), j1 = this.cellY(ymax);
      box[4 * k] = i0;
      box[4 * k + 1] = i1;
      box[4 * k + 2] = j0;
      box[4 * k + 3] = j1;
      for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) count[i + side * j + 1]++;
    }
    for (let c = 0; c < side * side; c++) count[c + 1] += count[c];
    this.start = count.slice();
    this.items = new Uint32Array(count[side * side]);
    const fill = count; // reused as the write cursor of each cell
    for (let k = 0; k < n; k++) {
      for (let j = box[4 * k + 2]; j <= box[4 * k + 3]; j++) {
        for (let i = box[4 * k]; i <= box[4 * k + 1]; i++) this.items[fill[i + side * j]++] = k;
      }
    }
  }

  private cellX(x: number): number {
    const i = Math.floor((x - this.x0) * this.sx);
    return i < 0 ? 0 : i >= this.nx ? this.nx - 1 : i;
  }

  private cellY(y: number): number {
    const j = Math.floor((y - this.y0) * this.sy);
    return j < 0 ? 0 : j >= this.ny ? this.ny - 1 : j;
  }

  /** Index of the first polygon that holds (x, y) (edges included), or −1: the same answer as `polygonAt`. */
  at(x: number, y: number): number {
    if (!(Number.isFinite(x) && Number.isFinite(y))) return -1;
    const p = this.partition, cell = this.cellX(x) + this.nx * this.cellY(y);
    for (let t = this.start[cell]; t < this.start[cell + 1]; t++) {
      const k = this.items[t];
      if (insideConvex(p.coords, p.polyStart[k], p.polyStart[k + 1], x, y)) return k;
    }
    return -1;
  }
}

const indices = new WeakMap<PackedPartition, PolygonIndex>();

/** The grid index of a packed partition, built at its first lookup and kept as long as the partition. */
export function polygonIndex(p: PackedPartition): PolygonIndex {
  let index = indices.get(p);
  if (!index) indices.set(p, (index = new PolygonIndex(p)));
  return index;
}

/** Index of the polygon of `p` that holds (x, y), or −1 (`polygonAt` through the grid index). */
export function polygonAtIndexed(p: PackedPartition, x: number, y: number): number {
  return polygonIndex(p).at(x, y);
}
