/** Triangulating a planar convex polygon in 3-D given as unordered point ids (flat coordinates). Isomorphic. */

/**
 * Order the points of a planar convex polygon by angle about their centroid, orient the order so that its normal has
 * a positive dot product with `towards` (a direction, e.g. a gradient), and append its fan triangles (vertex ids) to
 * `tris`. Returns the number of triangles appended (points − 2).
 */
export function fanTriangles(poly: number[], P: ArrayLike<number>, towards: ArrayLike<number>, tris: number[]): number {
  const n = poly.length;
  let mx = 0, my = 0, mz = 0;
  for (const p of poly) {
    mx += P[3 * p];
    my += P[3 * p + 1];
    mz += P[3 * p + 2];
  }
  mx /= n;
  my /= n;
  mz /= n;
  // In-plane axes: u towards the point farthest from the centroid, the normal from the most perpendicular other point.
  let far = poly[0], farD = -1;
  for (const p of poly) {
    const d = (P[3 * p] - mx) ** 2 + (P[3 * p + 1] - my) ** 2 + (P[3 * p + 2] - mz) ** 2;
    if (d > farD) {
      farD = d;
      far = p;
    }
  }
  const ux = P[3 * far] - mx, uy = P[3 * far + 1] - my, uz = P[3 * far + 2] - mz;
  let nx = 0, ny = 0, nz = 0, best = -1;
  for (const p of poly) {
    const wx = P[3 * p] - mx, wy = P[3 * p + 1] - my, wz = P[3 * p + 2] - mz;
    const cx = uy * wz - uz * wy, cy = uz * wx - ux * wz, cz = ux * wy - uy * wx;
    const c2 = cx * cx + cy * cy + cz * cz;
    if (c2 > best) {
      best = c2;
      nx = cx;
      ny = cy;
      nz = cz;
    }
  }
  if (nx * towards[0] + ny * towards[1] + nz * towards[2] < 0) {
    nx = -nx;
    ny = -ny;
    nz = -nz;
  }
  const vx = ny * uz - nz * uy, vy = nz * ux - nx * uz, vz = nx * uy - ny * ux; // v = n × u
  const angle = (p: number) => {
    const wx = P[3 * p] - mx, wy = P[3 * p + 1] - my, wz = P[3 * p + 2] - mz;
    return Math.atan2(vx * wx + vy * wy + vz * wz, ux * wx + uy * wy + uz * wz);
  };
  const order = poly.map((p) => ({ p, a: angle(p) })).sort((a, b) => a.a - b.a);
  for (let i = 1; i + 1 < n; i++) tris.push(order[0].p, order[i].p, order[i + 1].p);
  return n - 2;
}

/** The points of a planar convex polygon in cyclic order (either direction), by angle about their centroid. */
export function cyclicOrder(poly: number[], P: ArrayLike<number>): number[] {
  if (poly.length < 3) return poly.slice();
  const tris: number[] = [];
  fanTriangles(poly, P, [0, 0, 0], tris);
  const out = [tris[0], tris[1]];
  for (let t = 0; t < tris.length; t += 3) out.push(tris[t + 2]);
  return out;
}
