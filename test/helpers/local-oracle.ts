/**
 * Exact 2-D geometry for the local-analysis tests: distances from a point to convex polygons in the 2-norm and the
 * ∞-norm, and clipping by a half-plane, applied to the polygons of `planarPartition` (an independent method).
 */

/** Distance from (px, py) to the segment a → b in the 2-norm or the ∞-norm. */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number, norm: "2" | "inf"): number {
  const dx = bx - ax, dy = by - ay;
  if (norm === "2") {
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
    return Math.hypot(ax + t * dx - px, ay + t * dy - py);
  }
  // max(|ax + t dx − px|, |ay + t dy − py|) is convex piecewise linear in t: its minimum is at an end or a kink.
  const ts = [0, 1];
  const ex = ax - px, ey = ay - py;
  for (const s of [1, -1]) if (dx - s * dy !== 0) ts.push((s * ey - ex) / (dx - s * dy));
  if (dx !== 0) ts.push(-ex / dx);
  if (dy !== 0) ts.push(-ey / dy);
  let best = Infinity;
  for (const t0 of ts) {
    const t = Math.min(1, Math.max(0, t0));
    best = Math.min(best, Math.max(Math.abs(ex + t * dx), Math.abs(ey + t * dy)));
  }
  return best;
}

/** Whether (px, py) lies in the convex counter-clockwise polygon (flat [x0, y0, x1, y1, …]). */
export function insideConvex(poly: ArrayLike<number>, px: number, py: number): boolean {
  const n = poly.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const cross = (poly[2 * j] - poly[2 * i]) * (py - poly[2 * i + 1]) - (poly[2 * j + 1] - poly[2 * i + 1]) * (px - poly[2 * i]);
    if (cross < 0) return false;
  }
  return true;
}

/** Distance from a point to a convex counter-clockwise polygon (0 inside). */
export function polygonDistance(poly: ArrayLike<number>, px: number, py: number, norm: "2" | "inf"): number {
  if (poly.length < 6) return Infinity;
  if (insideConvex(poly, px, py)) return 0;
  const n = poly.length / 2;
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    best = Math.min(best, segmentDistance(px, py, poly[2 * i], poly[2 * i + 1], poly[2 * j], poly[2 * j + 1], norm));
  }
  return best;
}

/** The part of a convex polygon where a·x + b·y + c ≥ 0 (Sutherland–Hodgman), possibly empty. */
export function clipConvex(poly: ArrayLike<number>, a: number, b: number, c: number): Float64Array {
  const n = poly.length / 2, out: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const px = poly[2 * i], py = poly[2 * i + 1], qx = poly[2 * j], qy = poly[2 * j + 1];
    const fp = a * px + b * py + c, fq = a * qx + b * qy + c;
    if (fp >= 0) out.push(px, py);
    if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
      const t = fp / (fp - fq);
      out.push(px + t * (qx - px), py + t * (qy - py));
    }
  }
  return Float64Array.from(out);
}
