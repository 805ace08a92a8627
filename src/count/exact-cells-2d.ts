/**
 * Exact cells for 1-D and 2-D inputs: along the search path the engine keeps each cell as an interval or a convex
 * polygon (the box clipped by the decided half-spaces, in floating point), one per depth, and skips the LP of a child
 * that the cell's vertices already show empty. The LP still decides every child this cannot refute, so the shortcut
 * only saves work and never changes a count.
 */
import type { Box } from "../model/network.ts";

/**
 * In 1-D and 2-D the engine also keeps each cell exactly (an interval or a convex polygon, clipped in floating
 * point) and skips the LP of a child whose row has margin ≤ threshold − CELL_SAFETY at every vertex: that child has
 * no interior point. 1e-12 covers the round-off of clipping (unit normals, O(1) boxes) with room to spare; when in
 * doubt the LP decides, so the shortcut can only save work, never change a count.
 */
export const CELL_SAFETY = 1e-12;
/** Largest input dimension for which cells are kept as exact polygons. */
export const EXACT_CELL_MAX_DIM = 2;

/** The cells of one search path, per depth: flat [x0, y0, x1, y1, …] polygon vertices, or [lo, hi] in 1-D. */
export class ExactCells {
  private readonly cells: Float64Array[];
  /** Per depth: number of vertices (0: the cell is empty). */
  private readonly size: Int32Array;
  private readonly scratch: Float64Array;

  /**
   * Buffers for inputs of dimension n0 ≤ {@link EXACT_CELL_MAX_DIM}, `depths` cells deep, each cut by at most
   * `maxRows` half-planes.
   */
  constructor(private readonly n0: number, depths: number, maxRows: number) {
    this.size = new Int32Array(depths);
    // A polygon clipped by r half-planes has at most 4 + r vertices.
    this.scratch = new Float64Array(2 * (4 + maxRows + 2));
    this.cells = Array.from({ length: depths }, () => new Float64Array(n0 * (4 + maxRows + 2)));
  }

  /** The root cell: the box. */
  start(box: Box): void {
    const c = this.cells[0], lo = box.lo, hi = box.hi;
    if (this.n0 === 1) {
      c[0] = lo[0];
      c[1] = hi[0];
      this.size[0] = 2;
    } else {
      c.set([lo[0], lo[1], hi[0], lo[1], hi[0], hi[1], lo[0], hi[1]]);
      this.size[0] = 4;
    }
  }

  /** Start the cell at depth + 1 as a copy of the cell at `depth` (then {@link clip} it by the child's rows). */
  inherit(depth: number): void {
    this.cells[depth + 1].set(this.cells[depth].subarray(0, this.size[depth] * this.n0));
    this.size[depth + 1] = this.size[depth];
  }

  /** Clip the cell at `depth` by the half-space a · x ≥ b (a = rows[off … off + n0)), exactly as polygons go. */
  clip(depth: number, rows: Float64Array, off: number, b: number): void {
    const cell = this.cells[depth], n = this.size[depth];
    if (this.n0 === 1) {
      if (n === 0) return;
      const a = rows[off];
      if (a > 0) cell[0] = Math.max(cell[0], b / a);
      else if (a < 0) cell[1] = Math.min(cell[1], b / a);
      else if (b > 0) this.size[depth] = 0;
      if (cell[0] > cell[1]) this.size[depth] = 0;
      return;
    }
    // Sutherland–Hodgman against one half-plane; the output goes to the scratch buffer, then back.
    const ax = rows[off], ay = rows[off + 1], out = this.scratch;
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
    this.size[depth] = m;
  }

  /**
   * Whether the half-spaces rows[at] · x ≥ rhs[at] (at = first … first + count − 1, rows n0 long) leave the cell at
   * `depth` no interior point at margin > threshold: some row has margin ≤ threshold − CELL_SAFETY at every vertex
   * (so everywhere in the cell, which is convex).
   */
  refutes(depth: number, rows: Float64Array, rhs: Float64Array, first: number, count: number, threshold: number): boolean {
    const cell = this.cells[depth], n = this.size[depth], n0 = this.n0;
    if (n === 0) return true;
    const limit = threshold - CELL_SAFETY;
    for (let r = 0; r < count; r++) {
      const at = first + r;
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
}
