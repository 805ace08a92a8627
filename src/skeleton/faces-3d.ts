/**
 * The 2-faces of a refined 3-D complex ({@link Skeleton}, d = 3): every final cell is a convex polytope whose
 * facets lie on hyperplanes (a unit's, where it is affine on the cell, or a box facet), and a vertex records the
 * hyperplanes through it, so the facet of cell c on hyperplane h is the cycle of c's edges whose two end points
 * both lie on h (Berzins 2023, §3: a face is the set of complex elements sharing its zero in the sign vector).
 * Faces are shared by the two cells either side (the refinement is face to face, as the units are continuous), so
 * each is kept once, keyed by its vertex set; a facet of the box has one cell. Euler's relation checks the result:
 * V − E + F = 2 for each cell's boundary and V − E + F − C = 1 for the box (a 3-ball). Isomorphic: no Node APIs.
 */
import { SkeletonUndecided, type Skeleton } from "./complex.ts";

/** The 2-faces of a 3-D complex, flat: face f's vertices (in cycle order) and edges are `verts`/`edges` from start[f] to start[f + 1]. */
export interface ComplexFaces {
  count: number;
  start: Int32Array;
  /** Vertex ids around each face; `edges[start[f] + i]` joins vertex i to vertex i + 1 (cyclically). */
  verts: Int32Array;
  edges: Int32Array;
  /** Hyperplanes each face lies on (units ≥ 0, box facets < 0, as in `boxFacet`); several where planes coincide. */
  planes: number[][];
  /** The cells either side: cells[2f], cells[2f + 1] (−1 for a face on the box's boundary). */
  cells: Int32Array;
  /** Per cell, its face ids. */
  cellFaces: number[][];
}

/** Euler characteristics of the complex: per cell and for the whole box. */
export interface EulerCheck {
  ok: boolean;
  vertices: number;
  edges: number;
  faces: number;
  cells: number;
  /** V − E + F − C over the box (1 for a ball). */
  chi: number;
  /** Cells whose boundary has V − E + F ≠ 2 (ids, at most 10). */
  badCells: number[];
}

/** Key of an edge pair: e1 · EDGE_KEY + e2, exact in a double while edge ids stay below 2^26. */
const EDGE_KEY = 2 ** 26;

/** Every 2-face of a refined 3-D skeleton; throws SkeletonUndecided where a facet does not close into one cycle. */
export function complexFaces(sk: Skeleton): ComplexFaces {
  if (sk.d !== 3) throw new RangeError(`complexFaces needs a 3-D complex, not ${sk.d}-D`);
  if (sk.eCount >= EDGE_KEY) throw new SkeletonUndecided(`the complex has more than ${EDGE_KEY} edges`);
  const { EA, EB, vSup, vSupStart, vSupLen } = sk;
  // A face is named by its two smallest edge ids: two distinct convex faces share at most one edge.
  const byKey = new Map<number, number>();
  const start: number[] = [0];
  const verts: number[] = [];
  const edges: number[] = [];
  const planes: number[][] = [];
  const cells: number[] = [];
  const cellFaces: number[][] = [];
  // Per-cell scratch, reset by stamps: vertices seen, and vertex counts per hyperplane (ids −6 … units − 1).
  const vStamp = new Int32Array(sk.vCount);
  const BOX = 6;
  const onPlane = new Int32Array(sk.units + BOX);
  const touched: number[] = [];
  for (let c = 0; c < sk.cCount; c++) {
    const ce = sk.cellEdges(c);
    // The cell's vertices and, per hyperplane, how many of them lie on it.
    touched.length = 0;
    for (const e of ce) {
      for (const v of [EA[e], EB[e]]) {
        if (vStamp[v] === c + 1) continue;
        vStamp[v] = c + 1;
        for (let i = 0; i < vSupLen[v]; i++) {
          const h = vSup[vSupStart[v] + i] + BOX;
          if (onPlane[h]++ === 0) touched.push(h);
        }
      }
    }
    const mine: number[] = [];
    for (const hb of touched) {
      const n = onPlane[hb];
      onPlane[hb] = 0;
      if (n < 3) continue;
      const h = hb - BOX;
      const has = (v: number) => {
        for (let i = 0; i < vSupLen[v]; i++) if (vSup[vSupStart[v] + i] === h) return true;
        return false;
      };
      const fe: number[] = [];
      for (const e of ce) if (has(EA[e]) && has(EB[e])) fe.push(e);
      if (fe.length < 3) continue; // h meets the cell in an edge or a vertex, not a facet
      const cycle = walkCycle(fe, EA, EB);
      if (!cycle || cycle.verts.length !== n) {
        throw new SkeletonUndecided(`cell ${c}: its ${n} vertices on hyperplane ${h} do not form one face cycle`);
      }
      let e1 = Infinity, e2 = Infinity;
      for (const e of cycle.edges) {
        if (e < e1) {
          e2 = e1;
          e1 = e;
        } else if (e < e2) e2 = e;
      }
      const key = e1 * EDGE_KEY + e2;
      let f = byKey.get(key);
      if (f === undefined) {
        f = planes.length;
        byKey.set(key, f);
        verts.push(...cycle.verts);
        edges.push(...cycle.edges);
        start.push(verts.length);
        planes.push([h]);
        cells.push(c, -1);
        mine.push(f);
      } else if (cells[2 * f] === c) {
        if (!planes[f].includes(h)) planes[f].push(h); // coincident hyperplanes: one face
      } else {
        if (cells[2 * f + 1] !== -1 && cells[2 * f + 1] !== c) throw new SkeletonUndecided(`face ${f} is shared by three cells`);
        if (cells[2 * f + 1] === -1) mine.push(f);
        cells[2 * f + 1] = c;
        if (!planes[f].includes(h)) planes[f].push(h);
      }
    }
    cellFaces.push(mine);
  }
  return {
    count: planes.length,
    start: Int32Array.from(start),
    verts: Int32Array.from(verts),
    edges: Int32Array.from(edges),
    planes,
    cells: Int32Array.from(cells),
    cellFaces,
  };
}

/** The edges as one cycle: vertices and edges in order, or undefined when they are not a single simple cycle. */
function walkCycle(fe: number[], EA: Int32Array, EB: Int32Array): { verts: number[]; edges: number[] } | undefined {
  const adj = new Map<number, number[]>();
  for (const e of fe) {
    for (const v of [EA[e], EB[e]]) {
      const list = adj.get(v) ?? [];
      list.push(e);
      adj.set(v, list);
    }
  }
  for (const list of adj.values()) if (list.length !== 2) return undefined;
  const verts: number[] = [];
  const edges: number[] = [];
  const first = EA[fe[0]];
  let v = first;
  let e = fe[0];
  do {
    verts.push(v);
    edges.push(e);
    v = EA[e] === v ? EB[e] : EA[e];
    const [e0, e1] = adj.get(v)!;
    e = e0 === e ? e1 : e0;
  } while (v !== first && verts.length <= fe.length);
  return verts.length === fe.length && v === first ? { verts, edges } : undefined;
}

/** Euler's relation per cell (V − E + F = 2) and over the box (V − E + F − C = 1), on the live complex. */
export function eulerCheck(sk: Skeleton, faces: ComplexFaces): EulerCheck {
  const liveEdge = new Uint8Array(sk.eCount);
  const liveVertex = new Uint8Array(sk.vCount);
  const badCells: number[] = [];
  for (let c = 0; c < sk.cCount; c++) {
    const ce = sk.cellEdges(c);
    const vs = new Set<number>();
    for (const e of ce) {
      liveEdge[e] = 1;
      liveVertex[sk.EA[e]] = 1;
      liveVertex[sk.EB[e]] = 1;
      vs.add(sk.EA[e]);
      vs.add(sk.EB[e]);
    }
    if (vs.size - ce.length + faces.cellFaces[c].length !== 2 && badCells.length < 10) badCells.push(c);
  }
  const V = liveVertex.reduce((a, b) => a + b, 0);
  const E = liveEdge.reduce((a, b) => a + b, 0);
  const chi = V - E + faces.count - sk.cCount;
  return { ok: chi === 1 && badCells.length === 0, vertices: V, edges: E, faces: faces.count, cells: sk.cCount, chi, badCells };
}
