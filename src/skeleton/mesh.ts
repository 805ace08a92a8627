/**
 * The class-boundary surface of a 3-input classifier with two classes as a triangle mesh, exact per region. With
 * s = f1 − f0 (or s = f for one output: class 1 where f > 0) the boundary is the zero set of s, which is affine on
 * each region of the refined complex ({@link Skeleton}): in a cell where s takes both signs it is the planar convex
 * polygon of the points where s crosses zero on the cell's edges (and its vertices where s = 0), triangulated as a
 * fan. s is continuous and evaluated once per vertex of the complex, and each crossing point is made once per edge of
 * the complex (the marching of Berzins, ICML 2023, §4, on the class margin), so two regions sharing a face share the
 * boundary's points there exactly and the mesh is watertight by construction; it ends only on the box. Triangles are
 * oriented with their normal towards class 1. Where the boundary runs along a face of the complex (s ≥ 0 on one side,
 * ≤ 0 on the other, zero on the face), the face itself is the piece, emitted once. Three or more classes: the
 * top-1 boundary's sheets per class pair, meeting on triple junctions (src/skeleton/mesh-classes.ts). Isomorphic.
 */
import { activate, applyDense, evaluate, regionForms } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, outputDim, outputWidthOf, unitsOf } from "../model/network.ts";
import { Skeleton, SkeletonUndecided, SkeletonUnsupported } from "./complex.ts";
import { complexFaces, type ComplexFaces } from "./faces-3d.ts";
import { fanTriangles } from "./polygon-fan.ts";
import { multiClassPieces } from "./mesh-classes.ts";

/**
 * s is zero at a vertex of the complex when |s| ≤ MESH_ZERO_RELATIVE · S, S = the largest magnitude of the terms the
 * output layer sums at a vertex (|b| + Σ |w_k h_k|): evaluation round-off is a few ulps of S per layer (≈ 1e-16 · S
 * · depth), so 1e-11 leaves five orders of magnitude, as the skeleton's ZERO_RELATIVE does for units.
 */
export const MESH_ZERO_RELATIVE = 1e-11;

/**
 * The verifier accepts |s| ≤ MESH_VERIFY_RELATIVE · S at a mesh vertex and a region constraint violated by at most
 * MESH_VERIFY_RELATIVE times its row's magnitude: a crossing point is interpolated on an edge (a few ulps of the
 * box's coordinates), which moves s by |∇s| times that, ≈ 1e-15 · S for O(1) weights; 1e-9 leaves a wide margin and
 * still catches a point off the surface by more than a billionth of the output's scale.
 */
export const MESH_VERIFY_RELATIVE = 1e-9;

/** A triangle mesh of the class boundary. */
export interface BoundaryMesh {
  /** x, y, z per mesh vertex. */
  positions: Float64Array;
  /** Three vertex ids per triangle, counter-clockwise seen from class 1 (normal towards s > 0). */
  triangles: Int32Array;
  /** Per triangle, the cell (region) of the complex that holds it. */
  triangleCell: Int32Array;
  /** Per triangle, the two classes i < j either side (f_i = f_j there; the normal points towards class j). */
  triangleClasses: Int32Array;
  /** Number of classes (2 for one output: class 1 where f > 0). */
  classes: number;
  /** Polygons (one per region the boundary crosses, or face it runs along) before triangulation. */
  polygons: number;
  /** Regions of the complex that hold a piece of the boundary. */
  regionsCrossed: number;
  /** Total area of the surface. */
  area: number;
  /** The magnitude S of {@link MESH_ZERO_RELATIVE} and the zero tolerance used. */
  scale: number;
  tolerance: number;
}

/** Result of {@link classBoundaryMesh}. */
export interface BoundaryMeshResult {
  mesh: BoundaryMesh;
  /** The refined complex (patterns kept): cells are the regions, thin ones included. */
  skeleton: Skeleton;
  seconds: number;
}

/** Why `net` has no boundary mesh here, or undefined. */
export function meshSupport(net: Network): string | undefined {
  if (net.inputDim !== 3) return `the boundary mesh is for 3-input models, this one has ${net.inputDim}`;
  return undefined;
}

/**
 * The class-boundary surface of `net` in `box` as a triangle mesh. Throws SkeletonUnsupported where the complex or
 * the mesh does not apply, SkeletonUndecided where round-off leaves the surface in doubt (s ≡ 0 on a whole region:
 * the classes tie there and the boundary is no surface).
 */
export function classBoundaryMesh(net: Network, box: Box): BoundaryMeshResult {
  const t0 = now();
  const why = meshSupport(net);
  if (why) throw new SkeletonUnsupported(why);
  const sk = new Skeleton(net, box, { patterns: true });
  sk.refineAll();
  const V = sk.vCount;
  const X = sk.X;
  // s and its zero tolerance at every vertex of the complex, evaluated once.
  const s = new Float64Array(V);
  let S = 0;
  const sm = new Float64Array(2);
  for (let v = 0; v < V; v++) {
    marginAndMagnitude(net, X.subarray(3 * v, 3 * v + 3), sm);
    s[v] = sm[0];
    S = Math.max(S, sm[1]);
  }
  const tol = MESH_ZERO_RELATIVE * S;
  if (outputDim(net) > 2) return multiClassMesh(net, sk, S, tol, t0);
  const sign = new Int8Array(V);
  for (let v = 0; v < V; v++) sign[v] = s[v] > tol ? 1 : s[v] < -tol ? -1 : 0;

  const positions: number[] = [];
  const triangles: number[] = [];
  const triangleCell: number[] = [];
  const ofVertex = new Int32Array(V).fill(-1);
  const ofEdge = new Map<number, number>();
  const vertexPoint = (v: number) => {
    if (ofVertex[v] < 0) {
      ofVertex[v] = positions.length / 3;
      positions.push(X[3 * v], X[3 * v + 1], X[3 * v + 2]);
    }
    return ofVertex[v];
  };
  const edgePoint = (e: number) => {
    let m = ofEdge.get(e);
    if (m === undefined) {
      // Interpolated from the lower vertex id, so the point does not depend on which cell asks first.
      const a = Math.min(sk.EA[e], sk.EB[e]);
      const b = Math.max(sk.EA[e], sk.EB[e]);
      const t = s[a] / (s[a] - s[b]);
      m = positions.length / 3;
      for (let j = 0; j < 3; j++) positions.push(X[3 * a + j] + t * (X[3 * b + j] - X[3 * a + j]));
      ofEdge.set(e, m);
    }
    return m;
  };

  let polygons = 0;
  let regionsCrossed = 0;
  let faces: ComplexFaces | undefined;
  const emittedFaces = new Set<number>();
  const poly: number[] = [];
  for (let c = 0; c < sk.cCount; c++) {
    const ce = sk.cellEdges(c);
    let pos = 0;
    let neg = 0;
    let zero = 0;
    let plusVertex = -1;
    for (const e of ce) {
      for (const v of [sk.EA[e], sk.EB[e]]) {
        if (sign[v] > 0) {
          pos++;
          plusVertex = v;
        } else if (sign[v] < 0) neg++;
        else zero++;
      }
    }
    if (pos === 0 && neg === 0) throw new SkeletonUndecided(`the two outputs are equal on a whole region (cell ${c}): the boundary there is no surface`);
    poly.length = 0;
    if (pos > 0 && neg > 0) {
      // The cell's own polygon: crossings on its edges and its zero vertices.
      const seen = new Set<number>();
      for (const e of ce) {
        const a = sk.EA[e];
        const b = sk.EB[e];
        for (const v of [a, b]) {
          if (sign[v] === 0 && !seen.has(-1 - v)) {
            seen.add(-1 - v);
            poly.push(vertexPoint(v));
          }
        }
        if (sign[a] * sign[b] < 0) poly.push(edgePoint(e));
      }
      if (poly.length < 3) throw new SkeletonUndecided(`cell ${c}: the boundary meets it in ${poly.length} points`);
      regionsCrossed++;
      polygons++;
      emitFan(poly, positions, X, plusVertex, c, triangles, triangleCell);
    } else if (zero >= 6 && pos > 0) {
      // One closed side, zero on at least three vertices (each counted twice, once per edge end): the boundary may run
      // along a face of the cell; it is one if the cell across that face lies on the negative side.
      faces ??= complexFaces(sk);
      for (const f of faces.cellFaces[c]) {
        if (emittedFaces.has(f)) continue;
        const vs = faces.verts.subarray(faces.start[f], faces.start[f + 1]);
        if (!vs.every((v) => sign[v] === 0)) continue;
        const other = faces.cells[2 * f] === c ? faces.cells[2 * f + 1] : faces.cells[2 * f];
        if (other < 0 || !cellHasSign(sk, other, sign, -1)) continue;
        emittedFaces.add(f);
        poly.length = 0;
        for (const v of vs) poly.push(vertexPoint(v));
        regionsCrossed++;
        polygons++;
        emitFan(poly, positions, X, plusVertex, c, triangles, triangleCell);
      }
    }
  }
  const P = Float64Array.from(positions);
  const T = Int32Array.from(triangles);
  let area = 0;
  for (let t = 0; t < T.length; t += 3) area += 0.5 * crossNorm(P, T[t], T[t + 1], T[t + 2]);
  return {
    mesh: {
      positions: P, triangles: T, triangleCell: Int32Array.from(triangleCell), triangleClasses: new Int32Array(2 * triangleCell.length).map((_, q) => q & 1),
      classes: 2, polygons, regionsCrossed, area, scale: S, tolerance: tol,
    },
    skeleton: sk,
    seconds: (now() - t0) / 1000,
  };
}

/** k ≥ 3 classes: the top-1 boundary's pieces (src/skeleton/mesh-classes.ts) as a mesh. */
function multiClassMesh(net: Network, sk: Skeleton, S: number, tol: number, t0: number): BoundaryMeshResult {
  const r = multiClassPieces(net, sk, tol);
  // Keep only the points the triangles use (the pieces also name the complex's vertices they test).
  const remap = new Int32Array(r.positions.length / 3).fill(-1);
  const kept: number[] = [];
  const T = Int32Array.from(r.triangles, (p) => {
    if (remap[p] < 0) {
      remap[p] = kept.length / 3;
      kept.push(r.positions[3 * p], r.positions[3 * p + 1], r.positions[3 * p + 2]);
    }
    return remap[p];
  });
  const P = Float64Array.from(kept);
  let area = 0;
  for (let t = 0; t < T.length; t += 3) area += 0.5 * crossNorm(P, T[t], T[t + 1], T[t + 2]);
  return {
    mesh: {
      positions: P, triangles: T, triangleCell: Int32Array.from(r.triangleCell), triangleClasses: Int32Array.from(r.triangleClasses),
      classes: outputDim(net), polygons: r.polygons, regionsCrossed: r.regionsCrossed, area, scale: S, tolerance: tol,
    },
    skeleton: sk,
    seconds: (now() - t0) / 1000,
  };
}

function cellHasSign(sk: Skeleton, c: number, sign: Int8Array, want: number): boolean {
  for (const e of sk.cellEdges(c)) if (sign[sk.EA[e]] === want || sign[sk.EB[e]] === want) return true;
  return false;
}

/** Append the fan of a convex polygon of cell `cell`, its normal towards the skeleton vertex `plus` (s > 0). */
function emitFan(poly: number[], P: number[], X: Float64Array, plus: number, cell: number, tris: number[], triCell: number[]): void {
  let mx = 0, my = 0, mz = 0;
  for (const p of poly) {
    mx += P[3 * p] / poly.length;
    my += P[3 * p + 1] / poly.length;
    mz += P[3 * p + 2] / poly.length;
  }
  const n = fanTriangles(poly, P, [X[3 * plus] - mx, X[3 * plus + 1] - my, X[3 * plus + 2] - mz], tris);
  for (let i = 0; i < n; i++) triCell.push(cell);
}

function crossNorm(P: Float64Array, a: number, b: number, c: number): number {
  const ux = P[3 * b] - P[3 * a], uy = P[3 * b + 1] - P[3 * a + 1], uz = P[3 * b + 2] - P[3 * a + 2];
  const vx = P[3 * c] - P[3 * a], vy = P[3 * c + 1] - P[3 * a + 1], vz = P[3 * c + 2] - P[3 * a + 2];
  return Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
}

/**
 * One forward pass at x: out[0] = s (f1 − f0, or f for one output) and out[1] = the largest |b| + Σ_k |w_k h_k| over
 * the output rows (the magnitude of the terms the outputs sum).
 */
function marginAndMagnitude(net: Network, x: ArrayLike<number>, out: Float64Array): void {
  let h: Float64Array = Float64Array.from(x);
  for (const layer of hiddenLayers(net)) {
    const next = new Float64Array(outputWidthOf(layer));
    activate(layer, applyDense(layer, h, new Float64Array(layer.outDim)), next);
    h = next;
  }
  const L = net.layers[net.layers.length - 1];
  let best = 0;
  const y = new Float64Array(L.outDim);
  for (let r = 0; r < L.outDim; r++) {
    let t = L.bias[r];
    let m = Math.abs(L.bias[r]);
    for (let k = 0; k < L.inDim; k++) {
      const p = L.weights[r * L.inDim + k] * h[k];
      t += p;
      m += Math.abs(p);
    }
    y[r] = t;
    best = Math.max(best, m);
  }
  out[0] = L.outDim === 1 ? y[0] : y[1] - y[0];
  out[1] = best;
}

/** What {@link verifyBoundaryMesh} found. */
export interface MeshReport {
  ok: boolean;
  vertices: number;
  triangles: number;
  /**
   * Largest gap at a mesh vertex between the top two class scores (network evaluated afresh; two classes: |f1 − f0|,
   * one output: |f|) and the tolerance it is held to.
   */
  maxAbsS: number;
  tolerance: number;
  /** Mesh edges shared by two triangles of one sheet with opposite orientation, edges on the box (one triangle). */
  sharedEdges: number;
  boxEdges: number;
  /** k ≥ 3: edges on a triple junction (three classes tie at both ends), where sheets of different pairs meet. */
  junctionEdges: number;
  problems: string[];
  problemCount: number;
}

/**
 * Check a boundary mesh independently of how it was made: at every vertex the top two class scores are equal within
 * MESH_VERIFY_RELATIVE · S by a fresh evaluation of the network; every triangle's vertices satisfy its region's
 * constraints (the pattern's oriented unit hyperplanes, from `regionForms`), lie in the box, and by the region's own
 * affine output map have f_i = f_j ≥ f_m for the triangle's classes i, j and every other m; and the mesh is
 * watertight: every edge is shared by exactly two triangles of its sheet (class pair) traversing it in opposite
 * directions, or lies on a facet of the box and belongs to one triangle, or (k ≥ 3) lies on a triple junction.
 */
export function verifyBoundaryMesh(net: Network, box: Box, mesh: BoundaryMesh, patternOf: (cell: number) => Uint8Array): MeshReport {
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (msg: string) => {
    problemCount++;
    if (problems.length < 10) problems.push(msg);
  };
  const P = mesh.positions;
  const T = mesh.triangles;
  const nv = P.length / 3;
  const k = outputDim(net);
  // Class scores (one output: (0, f)) at every vertex, by a fresh evaluation.
  const K = Math.max(2, k);
  const Yv = new Float64Array(nv * K);
  let S = 0;
  const sm = new Float64Array(2);
  for (let v = 0; v < nv; v++) {
    const x = P.subarray(3 * v, 3 * v + 3);
    const y = evaluate(net, x).output;
    if (k === 1) Yv[v * K + 1] = y[0];
    else Yv.set(y, v * K);
    marginAndMagnitude(net, x, sm);
    S = Math.max(S, sm[1]);
  }
  const tol = MESH_VERIFY_RELATIVE * Math.max(S, mesh.scale);
  let maxAbsS = 0;
  const ties = new Uint8Array(nv); // classes within tol of the top score
  for (let v = 0; v < nv; v++) {
    let top = -Infinity, second = -Infinity;
    for (let i = 0; i < K; i++) {
      const y = Yv[v * K + i];
      if (y > top) {
        second = top;
        top = y;
      } else if (y > second) second = y;
    }
    for (let i = 0; i < K; i++) if (top - Yv[v * K + i] <= tol) ties[v]++;
    maxAbsS = Math.max(maxAbsS, top - second);
    if (!(top - second <= tol)) problem(`mesh vertex ${v}: the top two classes differ by ${(top - second).toExponential(2)} > ${tol.toExponential(2)}`);
  }
  // Each triangle in its region: the pattern's constraints and the region's own map at its vertices.
  const n0 = 3;
  const cache = new Map<number, { rows: Float64Array; offs: Float64Array; mags: Float64Array; J: Float64Array; c: Float64Array }>();
  const regionOf = (cell: number) => {
    let r = cache.get(cell);
    if (r) return r;
    const pattern = patternOf(cell);
    const forms = regionForms(net, pattern);
    const rows: number[] = [];
    const offs: number[] = [];
    const mags: number[] = [];
    let offset = 0;
    hiddenLayers(net).forEach((layer, l) => {
      const { J, c } = forms.preActivations[l];
      const units = unitsOf(layer);
      const maxout = layer.activation.kind === "maxout";
      for (let i = 0; i < units; i++) {
        const sg = pattern[offset + i] ? 1 : -1;
        let mag = 0;
        for (let j = 0; j < n0; j++) {
          const a = sg * (maxout ? J[(2 * i + 1) * n0 + j] - J[2 * i * n0 + j] : J[i * n0 + j]);
          rows.push(a);
          mag += Math.abs(a);
        }
        const b = sg * (maxout ? c[2 * i + 1] - c[2 * i] : c[i]);
        offs.push(b);
        mags.push(mag + Math.abs(b));
      }
      offset += units;
    });
    // Class scores as affine maps (one output: (0, f)).
    const o = forms.output;
    const J = new Float64Array(K * n0);
    const c = new Float64Array(K);
    if (k === 1) {
      J.set(o.J.subarray(0, n0), n0);
      c[1] = o.c[0];
    } else {
      J.set(o.J);
      c.set(o.c);
    }
    r = { rows: Float64Array.from(rows), offs: Float64Array.from(offs), mags: Float64Array.from(mags), J, c };
    cache.set(cell, r);
    return r;
  };
  const boxTol = MESH_VERIFY_RELATIVE * Math.max(...Array.from(box.hi, (h, j) => h - box.lo[j]));
  const f = new Float64Array(K);
  for (let t = 0; t < T.length / 3; t++) {
    const reg = regionOf(mesh.triangleCell[t]);
    const ci = mesh.triangleClasses[2 * t], cj = mesh.triangleClasses[2 * t + 1];
    for (let q = 0; q < 3; q++) {
      const v = T[3 * t + q];
      const x = P.subarray(3 * v, 3 * v + 3);
      for (let j = 0; j < n0; j++) if (!(x[j] >= box.lo[j] - boxTol && x[j] <= box.hi[j] + boxTol)) problem(`triangle ${t}: vertex ${v} outside the box`);
      for (let i = 0; i < reg.offs.length; i++) {
        const h = reg.rows[3 * i] * x[0] + reg.rows[3 * i + 1] * x[1] + reg.rows[3 * i + 2] * x[2] + reg.offs[i];
        const m = reg.mags[i] * Math.max(1, Math.abs(x[0]), Math.abs(x[1]), Math.abs(x[2]));
        if (!(h >= -MESH_VERIFY_RELATIVE * m)) problem(`triangle ${t}: vertex ${v} outside its region (unit ${i}, ${h.toExponential(2)})`);
      }
      for (let i = 0; i < K; i++) f[i] = reg.J[i * 3] * x[0] + reg.J[i * 3 + 1] * x[1] + reg.J[i * 3 + 2] * x[2] + reg.c[i];
      if (!(Math.abs(f[ci] - f[cj]) <= tol)) problem(`triangle ${t}: the region's map gives f${ci} − f${cj} = ${(f[ci] - f[cj]).toExponential(2)} at vertex ${v}`);
      for (let m = 0; m < K; m++) if (!(f[ci] - f[m] >= -tol)) problem(`triangle ${t}: class ${m} beats classes ${ci}, ${cj} at vertex ${v} by the region's map`);
    }
  }
  // Watertight: directed edge counts per sheet (class pair).
  const pairs = K * K;
  const key = (a: number, b: number, pair: number) => (a * nv + b) * pairs + pair;
  const directed = new Map<number, number>();
  const undirected = new Map<number, number>();
  for (let t = 0; t < T.length; t += 3) {
    const pair = mesh.triangleClasses[(2 * t) / 3] * K + mesh.triangleClasses[(2 * t) / 3 + 1];
    for (let q = 0; q < 3; q++) {
      const a = T[t + q];
      const b = T[t + ((q + 1) % 3)];
      const kk = key(a, b, pair);
      directed.set(kk, (directed.get(kk) ?? 0) + 1);
      const u = Math.min(a, b) * nv + Math.max(a, b);
      undirected.set(u, (undirected.get(u) ?? 0) + 1);
    }
  }
  let sharedEdges = 0;
  let boxEdges = 0;
  const junctions = new Set<number>();
  const onSameBoxFacet = (a: number, b: number) => {
    for (let j = 0; j < 3; j++) {
      if (P[3 * a + j] === box.lo[j] && P[3 * b + j] === box.lo[j]) return true;
      if (P[3 * a + j] === box.hi[j] && P[3 * b + j] === box.hi[j]) return true;
    }
    return false;
  };
  for (const [kk, n] of directed) {
    const pair = kk % pairs;
    const ab = (kk - pair) / pairs;
    const a = Math.floor(ab / nv);
    const b = ab - a * nv;
    const back = directed.get(key(b, a, pair)) ?? 0;
    if (n === 1 && back === 1) {
      if (a < b) sharedEdges++;
    } else if (n === 1 && back === 0 && onSameBoxFacet(a, b)) boxEdges++;
    else if (n === 1 && back === 0 && K > 2 && ties[a] >= 3 && ties[b] >= 3) junctions.add(Math.min(a, b) * nv + Math.max(a, b));
    else problem(`mesh edge ${a}–${b} (classes ${Math.floor(pair / K)}, ${pair % K}): used ${n} times one way and ${back} the other`);
  }
  // A junction line is where sheets meet: at least three triangles (one per sheet) share each of its edges.
  for (const u of junctions) if ((undirected.get(u) ?? 0) < 3) problem(`mesh edge ${Math.floor(u / nv)}–${u % nv}: a triple-junction edge with ${undirected.get(u)} triangles`);
  return { ok: problemCount === 0, vertices: nv, triangles: T.length / 3, maxAbsS, tolerance: tol, sharedEdges, boxEdges, junctionEdges: junctions.size, problems, problemCount };
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
