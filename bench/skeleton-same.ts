/**
 * The refined complexes of this checkout and another (default /work/main) compared array by array: every vertex
 * coordinate (bits), support, edge, cell edge list and pattern, on the 1- to 3-input fixtures and on seeded
 * leaky-ReLU, rank-2 maxout and 4-input networks, with and without patterns, and (this checkout) with a workspace
 * reused across all the cases (stale buffers of other sizes and dimensions). Exit 1 on the first difference.
 * Usage: node --import tsx bench/skeleton-same.ts [--other DIR]
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseOnnx } from "../src/io/onnx.ts";
import type { Box, Network } from "../src/model/network.ts";
import { Skeleton, SkeletonWorkspace } from "../src/skeleton/complex.ts";
import { randomNet } from "../test/helpers/nets.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = resolve(REPO, "../shared/fixtures");
const args = process.argv.slice(2);
const other = resolve(args.includes("--other") ? args[args.indexOf("--other") + 1] : "/work/main");
const Theirs = ((await import(pathToFileURL(join(other, "src/skeleton/complex.ts")).href)) as { Skeleton: typeof Skeleton }).Skeleton;

const cube = (d: number): Box => ({ lo: new Float64Array(d).fill(-1), hi: new Float64Array(d).fill(1) });
const cases: [string, Network, Box][] = [];
for (const name of ["random-1-8-8-s3", "random-2-8-8-s1", "random-3-6-6-6-s4", "random-2-32-32-s5", "random-2-64-64-64-s7", "random-3-24-24-24-s8"]) {
  const net = parseOnnx(new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`))), name);
  cases.push([name, net, cube(net.inputDim)]);
}
cases.push(["leaky 2-D", randomNet(11, 2, [16, 16], 2, { kind: "leaky-relu", alpha: 0.1 }), cube(2)]);
cases.push(["leaky 3-D", randomNet(12, 3, [10, 10, 10], 2, { kind: "leaky-relu", alpha: 0.1 }), cube(3)]);
cases.push(["maxout 2-D", randomNet(13, 2, [12, 12], 2, { kind: "maxout", rank: 2 }), cube(2)]);
cases.push(["maxout 3-D", randomNet(14, 3, [8, 8, 8], 2, { kind: "maxout", rank: 2 }), cube(3)]);
cases.push(["4-D", randomNet(2, 4, [10, 10, 10]), cube(4)]);
cases.push(["4-D 8-8", randomNet(1, 4, [8, 8]), cube(4)]);

function same(label: string, a: ArrayLike<number>, b: ArrayLike<number>, n: number): void {
  for (let i = 0; i < n; i++) {
    if (!Object.is(a[i], b[i])) {
      console.log(`DIFFERENT: ${label}[${i}]: ${a[i]} vs ${b[i]}`);
      process.exit(1);
    }
  }
}
const ws = new SkeletonWorkspace();
for (const [name, net, box] of cases) {
  for (const [patterns, workspace] of [[false, undefined], [true, undefined], [false, ws], [true, ws]] as const) {
    const a = new Skeleton(net, box, { patterns, workspace });
    a.refineAll();
    const b = new Theirs(net, box, { patterns });
    b.refineAll();
    const tag = `${name}${patterns ? " (patterns)" : ""}${workspace ? " (workspace)" : ""}`;
    if (a.vCount !== b.vCount || a.eCount !== b.eCount || a.cCount !== b.cCount) {
      console.log(`DIFFERENT sizes: ${tag}`);
      process.exit(1);
    }
    same(`${tag} X`, a.X, b.X, a.vCount * a.d);
    same(`${tag} EA`, a.EA, b.EA, a.eCount);
    same(`${tag} EB`, a.EB, b.EB, a.eCount);
    for (let v = 0; v < a.vCount && a.d >= 3; v++) same(`${tag} vSup of ${v}`, a.vSup.subarray(a.vSupStart[v], a.vSupStart[v] + a.vSupLen[v]), b.vSup.subarray(b.vSupStart[v], b.vSupStart[v] + b.vSupLen[v]), Math.max(a.vSupLen[v], b.vSupLen[v]));
    for (let e = 0; e < a.eCount && a.d >= 2; e++) same(`${tag} eSup of ${e}`, a.eSup.subarray(a.eSupStart[e], a.eSupStart[e] + a.eSupLen[e]), b.eSup.subarray(b.eSupStart[e], b.eSupStart[e] + b.eSupLen[e]), Math.max(a.eSupLen[e], b.eSupLen[e]));
    for (let c = 0; c < a.cCount; c++) same(`${tag} cell ${c}`, a.cellEdges(c), b.cellEdges(c), Math.max(a.cLen[c], b.cLen[c]));
    if (patterns) same(`${tag} P`, a.P, b.P, a.cCount * a.units);
    same(`${tag} stable`, [...a.stableActive, ...a.stableInactive], [...b.stableActive, ...b.stableInactive], a.stableActive.length * 2);
    console.log(`${tag}: identical (${a.vCount} vertices, ${a.eCount} edges, ${a.cCount} cells)`);
    if (workspace) a.release(workspace);
  }
}
