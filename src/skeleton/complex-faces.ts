/** `--complex` in 3-D: the complex's 2-faces as JSON records, checked by Euler's relation before anything is written. */
import type { Skeleton } from "./complex.ts";
import { complexFaces, eulerCheck, type EulerCheck } from "./faces-3d.ts";
import { SkeletonUndecided } from "./complex.ts";
import { UsageError } from "../util/errors.ts";

/** A face record of the complex file. */
export interface FaceRecord {
  /** Vertex ids in cycle order. */
  v: number[];
  /** Edge ids (of the file's `edges`), edges[i] joining v[i] and v[i + 1]. */
  edges: number[];
  /** Hyperplanes it lies on: unit index (≥ 0, layer order) or box facet −1 − (2j + side). */
  planes: number[];
  /** The one or two cells it bounds. */
  cells: number[];
  signs: string;
}

/**
 * The faces of a 3-D skeleton as file records, with `liveEdge` mapping skeleton edges to file edge ids. A complex
 * whose faces do not close or fail Euler's relation is refused in one line (it is not written).
 */
export function complexFaces3d(
  path: string,
  sk: Skeleton,
  liveEdge: Int32Array,
  vsigns: string[],
): { faces: FaceRecord[]; cellFaces: number[][]; euler: EulerCheck } {
  let f;
  try {
    f = complexFaces(sk);
  } catch (err) {
    if (err instanceof SkeletonUndecided) throw new UsageError(`${path}: the complex's faces could not be read (${err.message}); not written`);
    throw err;
  }
  const euler = eulerCheck(sk, f);
  if (!euler.ok) throw new UsageError(`${path}: the complex fails Euler's relation (V − E + F − C = ${euler.chi}, ${euler.badCells.length} cells off); not written`);
  const faces: FaceRecord[] = [];
  const units = vsigns.length ? vsigns[0].length : 0;
  const codes = new Uint8Array(units);
  const ZERO = 48; // "0"
  for (let i = 0; i < f.count; i++) {
    const v = Array.from(f.verts.subarray(f.start[i], f.start[i + 1]));
    // The face's sign vector: each unit's sign at any vertex off its hyperplane, "0" where every vertex is on it.
    codes.fill(ZERO);
    for (const u of v) {
      const sv = vsigns[u];
      for (let h = 0; h < units; h++) if (codes[h] === ZERO) codes[h] = sv.charCodeAt(h);
    }
    const planes = f.planes[i].slice();
    // The skeleton records the planes it met; units zero on every vertex (coincident planes) are added from the signs.
    for (let h = 0; h < units; h++) if (codes[h] === ZERO && !planes.includes(h)) planes.push(h);
    faces.push({
      v,
      edges: Array.from(f.edges.subarray(f.start[i], f.start[i + 1]), (e) => liveEdge[e]),
      planes,
      cells: f.cells[2 * i + 1] < 0 ? [f.cells[2 * i]] : [f.cells[2 * i], f.cells[2 * i + 1]],
      signs: String.fromCharCode(...codes),
    });
  }
  return { faces, cellFaces: f.cellFaces, euler };
}
