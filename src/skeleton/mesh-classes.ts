/**
 * The top-1 class boundary of a 3-input classifier with k ≥ 3 outputs as a triangle mesh, exact per region. On a
 * region the outputs are affine, so the boundary between classes i < j there is the convex polygon
 * P_ij = {x ∈ cell : f_i = f_j ≥ f_m for every m}: the polygon where f_i − f_j crosses zero on the cell's edges,
 * clipped by f_i − f_m ≥ 0 for every other class m (Sutherland–Hodgman). Sheets of three pairs meet along the lines
 * where three classes tie (triple junctions), where the surface is not a manifold.
 *
 * Every point is named by what defines it, and made once under that name: a vertex of the complex `v`, a crossing of
 * f_i = f_j on an edge of the complex `e|ij`, a point of a 2-face of the complex where three classes tie `F|ijm`, and
 * a point inside a cell where four tie `c|ijmn`. Neighbouring regions and the three sheets at a junction therefore
 * share their points exactly, and the outputs at a point are evaluated once, by the network itself, so every cell
 * decides alike on it. Isomorphic: no Node APIs.
 */
import { evaluate, regionForms } from "../model/evaluate.ts";
import type { Network } from "../model/network.ts";
import { outputDim } from "../model/network.ts";
import { SkeletonUndecided, type Skeleton } from "./complex.ts";
import { complexFaces } from "./faces-3d.ts";
import { cyclicOrder, fanTriangles } from "./polygon-fan.ts";

/** What {@link multiClassPieces} gives back: points, triangles, and per triangle its cell and its two classes. */
export interface ClassPieces {
  positions: number[];
  triangles: number[];
  triangleCell: number[];
  triangleClasses: number[];
  polygons: number;
  regionsCrossed: number;
}

/**
 * A polygon vertex: its point id and what the polygon edge from it to the next vertex lies on: a face of the complex
 * (id ≥ 0), the plane f_i = f_m in the cell (−1 − m), or an edge e of the complex (−1 − k − e).
 */
interface PolyVertex {
  p: number;
  on: number;
}

/**
 * The pieces of the top-1 boundary in every cell of a refined complex (patterns kept), for k ≥ 3 classes. `tol` is the
 * absolute zero tolerance of output differences (scaled by the caller from the outputs' magnitude). Throws
 * SkeletonUndecided where a degenerate tie (classes equal along a whole edge or face of the complex) leaves the
 * polygon's edges undetermined.
 */
export function multiClassPieces(net: Network, sk: Skeleton, tol: number): ClassPieces {
  const k = outputDim(net);
  const X = sk.X;
  const faces = complexFaces(sk);
  const positions: number[] = [];
  const Y: number[] = []; // outputs at every point, k each
  const byKey = new Map<string, number>();
  const point = (key: string, x: ArrayLike<number>): number => {
    let id = byKey.get(key);
    if (id !== undefined) return id;
    id = positions.length / 3;
    positions.push(x[0], x[1], x[2]);
    const y = evaluate(net, x).output;
    for (let i = 0; i < k; i++) Y.push(y[i]);
    byKey.set(key, id);
    return id;
  };
  const vertexPoint = (v: number) => point(`v${v}`, X.subarray(3 * v, 3 * v + 3));
  const between = (key: string, a: number, b: number, da: number, db: number): number => {
    if (byKey.has(key)) return byKey.get(key)!;
    // Canonical direction (lower id first), so the point does not depend on which cell asks first.
    if (a > b) [a, b, da, db] = [b, a, db, da];
    const t = da / (da - db);
    const x = [0, 1, 2].map((j) => positions[3 * a + j] + t * (positions[3 * b + j] - positions[3 * a + j]));
    return point(key, x);
  };
  const triangles: number[] = [];
  const triangleCell: number[] = [];
  const triangleClasses: number[] = [];
  let polygons = 0;
  let regionsCrossed = 0;
  const d = (p: number, i: number, j: number) => Y[p * k + i] - Y[p * k + j];
  const sgn = (x: number) => (x > tol ? 1 : x < -tol ? -1 : 0);

  for (let c = 0; c < sk.cCount; c++) {
    const ce = sk.cellEdges(c);
    const cellFaces = faces.cellFaces[c];
    // Faces of this cell through each of its edges and vertices.
    const edgeFaces = new Map<number, number[]>();
    const vertexFaces = new Map<number, number[]>();
    for (const f of cellFaces) {
      for (let q = faces.start[f]; q < faces.start[f + 1]; q++) {
        const e = faces.edges[q];
        const v = faces.verts[q];
        edgeFaces.set(e, [...(edgeFaces.get(e) ?? []), f]);
        vertexFaces.set(v, [...(vertexFaces.get(v) ?? []), f]);
      }
    }
    const verts = [...vertexFaces.keys()];
    const vp = verts.map(vertexPoint);
    let crossed = false;
    let grad: Float64Array | undefined;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        // The polygon of f_i = f_j in the cell, each point with the faces of the cell it lies on.
        let pos = false, neg = false;
        for (const p of vp) {
          const s = sgn(d(p, i, j));
          if (s > 0) pos = true;
          else if (s < 0) neg = true;
        }
        if (!pos || !neg) continue; // one closed side: at most a face, an edge or a vertex of the cell
        const pts: number[] = [];
        const ptFaces = new Map<number, number[]>();
        verts.forEach((v, q) => {
          if (sgn(d(vp[q], i, j)) === 0) {
            pts.push(vp[q]);
            ptFaces.set(vp[q], vertexFaces.get(v)!);
          }
        });
        for (const e of ce) {
          const a = vertexPoint(sk.EA[e]), b = vertexPoint(sk.EB[e]);
          const da = d(a, i, j), db = d(b, i, j);
          if (sgn(da) * sgn(db) >= 0) continue;
          const m = between(`e${e}|${i},${j}`, a, b, da, db);
          pts.push(m);
          ptFaces.set(m, edgeFaces.get(e) ?? []);
        }
        if (pts.length < 3) throw new SkeletonUndecided(`cell ${c}: f${i} = f${j} meets it in ${pts.length} points`);
        const ring = cyclicOrder(pts, positions);
        let poly: PolyVertex[] = ring.map((p, q) => {
          const next = ring[(q + 1) % ring.length];
          const common = ptFaces.get(p)!.filter((f) => ptFaces.get(next)!.includes(f));
          if (common.length === 1) return { p, on: common[0] };
          // On two faces: the polygon runs along an edge of the complex (f_i = f_j all along it).
          const e = common.length > 1 ? ce.find((e) => (vertexPoint(sk.EA[e]) === p && vertexPoint(sk.EB[e]) === next) || (vertexPoint(sk.EA[e]) === next && vertexPoint(sk.EB[e]) === p)) : undefined;
          if (e === undefined) throw new SkeletonUndecided(`cell ${c}: an edge of the f${i} = f${j} polygon lies on ${common.length} faces`);
          return { p, on: -1 - k - e };
        });
        // Clip by f_i ≥ f_m for every other class m.
        for (let m = 0; m < k && poly.length >= 3; m++) {
          if (m === i || m === j) continue;
          const out: PolyVertex[] = [];
          for (let q = 0; q < poly.length; q++) {
            const A = poly[q], B = poly[(q + 1) % poly.length];
            const ha = d(A.p, i, m), hb = d(B.p, i, m);
            const sa = sgn(ha), sb = sgn(hb);
            if (sa >= 0) out.push(sa > 0 ? A : { p: A.p, on: sb < 0 ? -1 - m : A.on });
            if (sa * sb < 0) {
              // Named by what the cut edge lies on: a face, an edge of the complex, or the plane f_i = f_m' in the cell.
              const onClip = A.on < 0 && A.on >= -k;
              const cls = onClip ? [i, j, -1 - A.on, m] : [i, j, m];
              cls.sort((x, y) => x - y);
              const key = A.on >= 0 ? `F${A.on}|${cls}` : onClip ? `c${c}|${cls}` : `E${-1 - k - A.on}|${cls}`;
              const r = between(key, A.p, B.p, ha, hb);
              // Entering the kept side: the new edge runs on the old support; leaving it: along f_i = f_m.
              out.push({ p: r, on: sa > 0 ? -1 - m : A.on });
            }
          }
          poly = out.filter((v, q) => v.p !== out[(q + 1) % out.length].p || out.length === 1);
        }
        if (poly.length < 3) continue;
        // Orientation: normal towards class j (f_j − f_i grows), from the cell's own output map.
        grad ??= outputJacobian(net, sk, c);
        const towards = [0, 1, 2].map((q) => grad![j * 3 + q] - grad![i * 3 + q]);
        const n = fanTriangles(poly.map((v) => v.p), positions, towards, triangles);
        for (let q = 0; q < n; q++) {
          triangleCell.push(c);
          triangleClasses.push(i, j);
        }
        polygons++;
        crossed = true;
      }
    }
    if (crossed) regionsCrossed++;
  }
  return { positions, triangles, triangleCell, triangleClasses, polygons, regionsCrossed };
}

/** The output map's Jacobian on cell c (k × 3, row-major), from the cell's pattern. */
function outputJacobian(net: Network, sk: Skeleton, c: number): Float64Array {
  return regionForms(net, sk.P.slice(c * sk.units, (c + 1) * sk.units)).output.J;
}

