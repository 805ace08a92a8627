/**
 * `tessera count --method skeleton` (and `auto` on 1- to 4-input networks): the skeleton engine (src/skeleton/) with
 * the regions file, verifier and `--complex` export (Node: files; printing is src/cli/print-skeleton.ts). No HiGHS:
 * the skeleton solves no LP except MarginLP on the rare thin cells.
 */
import { writeFileSync } from "node:fs";
import type { VerifyReport } from "../count/verify.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, outputWidthOf, unitsOf } from "../model/network.ts";
import type { Skeleton } from "../skeleton/complex.ts";
import { skeletonCount, type SkeletonCountResult } from "../skeleton/count.ts";
import { complexFaces3d } from "../skeleton/complex-faces.ts";
import { UsageError } from "../util/errors.ts";
import { withRegionOutputs, type RegionRunOptions } from "./regions-file.ts";

/** Options of {@link runSkeletonCount}. */
export interface SkeletonRunOptions extends RegionRunOptions {
  /** Write the polyhedral complex (vertices, edges, cells with sign vectors) here as JSON. */
  complexOut?: string;
}

/** A skeleton count as the CLI reports it. */
export interface SkeletonRunResult extends Omit<SkeletonCountResult, "skeleton"> {
  verify?: VerifyReport;
  complexWritten?: string;
}

/** Count with the skeleton engine; throws SkeletonUnsupported / SkeletonUndecided for the caller to handle. */
export function runSkeletonCount(opts: SkeletonRunOptions): SkeletonRunResult {
  const net = opts.loaded.network;
  const { result, verify } = withRegionOutputs(opts, (out) =>
    skeletonCount(net, { box: opts.box, threshold: opts.threshold, onRegion: out && ((r) => out(r.pattern, r.point, r.radius)) }));
  const { skeleton, ...rest } = result;
  const complexWritten = opts.complexOut ? writeComplex(opts.complexOut, net, opts.box, skeleton, result) : undefined;
  return { ...rest, ...(verify ? { verify } : {}), ...(complexWritten ? { complexWritten } : {}) };
}

/**
 * Sign vector of every unit at a point: `+`, `-`, or `0` where the hyperplane function (g, maxout g1 − g0) is within
 * round-off of zero (COMPLEX_ZERO_RELATIVE of the magnitude of its terms): vertices lie on their hyperplanes.
 */
const COMPLEX_ZERO_RELATIVE = 1e-9;
function signVector(net: Network, x: ArrayLike<number>): string {
  let h = Float64Array.from(x);
  let s = "";
  for (const layer of hiddenLayers(net)) {
    const { inDim, outDim, weights: W, bias: b } = layer;
    const g = new Float64Array(outDim);
    const mag = new Float64Array(outDim);
    for (let r = 0; r < outDim; r++) {
      let v = b[r];
      let m = Math.abs(b[r]);
      for (let k = 0; k < inDim; k++) {
        v += W[r * inDim + k] * h[k];
        m += Math.abs(W[r * inDim + k] * h[k]);
      }
      g[r] = v;
      mag[r] = m;
    }
    const a = layer.activation;
    const out = new Float64Array(outputWidthOf(layer));
    for (let i = 0; i < unitsOf(layer); i++) {
      const f = a.kind === "maxout" ? g[2 * i + 1] - g[2 * i] : g[i];
      const m = a.kind === "maxout" ? mag[2 * i + 1] + mag[2 * i] : mag[i];
      s += Math.abs(f) <= COMPLEX_ZERO_RELATIVE * m ? "0" : f > 0 ? "+" : "-";
      out[i] = a.kind === "maxout" ? Math.max(g[2 * i], g[2 * i + 1]) : g[i] > 0 ? g[i] : a.kind === "leaky-relu" ? a.alpha * g[i] : 0;
    }
    h = out;
  }
  return s;
}

/** `--complex OUT.json`: the final complex's vertices, edges and cells (2-D faces in 2-D) with sign vectors. */
function writeComplex(path: string, net: Network, box: Box, sk: Skeleton, result: SkeletonCountResult): string {
  const d = sk.d;
  const liveEdge = new Int32Array(sk.eCount).fill(-1);
  const edges: number[][] = [];
  const cells: { edges: number[] }[] = [];
  for (let c = 0; c < sk.cCount; c++) {
    const list: number[] = [];
    for (const e of sk.cellEdges(c)) {
      if (liveEdge[e] < 0) {
        liveEdge[e] = edges.length;
        edges.push([sk.EA[e], sk.EB[e]]);
      }
      list.push(liveEdge[e]);
    }
    cells.push({ edges: list });
  }
  const vertices: number[][] = [];
  const vsigns: string[] = [];
  for (let v = 0; v < sk.vCount; v++) {
    const x = Array.from(sk.X.subarray(v * d, v * d + d));
    vertices.push(x);
    vsigns.push(signVector(net, x));
  }
  const combine = (a: string, b: string) => {
    let s = "";
    for (let i = 0; i < a.length; i++) s += a[i] === "0" ? b[i] : a[i];
    return s;
  };
  const cellSign = (edgeIds: number[]) => {
    let s = vsigns[edges[edgeIds[0]][0]];
    for (const e of edgeIds) s = combine(combine(s, vsigns[edges[e][0]]), vsigns[edges[e][1]]);
    return s;
  };
  // 3-D: the 2-faces with sign vectors and each cell's faces, checked by Euler's relation (src/skeleton/complex-faces.ts).
  const f3 = d === 3 ? complexFaces3d(path, sk, liveEdge, vsigns) : undefined;
  const doc = {
    format: "tessera-complex",
    version: 1,
    inputDim: d,
    box: { lo: Array.from(box.lo), hi: Array.from(box.hi) },
    note: "sign vectors: one character per hidden unit in layer order, + / - / 0 (on the unit's hyperplane; maxout: piece 1 minus piece 0)",
    regions: result.regions,
    vertices: vertices.map((x, i) => ({ x, signs: vsigns[i] })),
    edges: edges.map(([a, b]) => ({ v: [a, b], signs: combine(vsigns[a], vsigns[b]) })),
    cells: cells.map((c, i) => ({ edges: c.edges, signs: cellSign(c.edges), ...(f3 ? { faces: f3.cellFaces[i] } : {}) })),
    ...(f3 ? { faces: f3.faces, euler: f3.euler } : {}),
  };
  try {
    writeFileSync(path, JSON.stringify(doc) + "\n");
  } catch {
    throw new UsageError(`${path}: cannot write the complex`);
  }
  return path;
}
