import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { meshToObj, meshToPly, parseMesh } from "../src/io/mesh-writers.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { evaluate } from "../src/model/evaluate.ts";
import { uniformBox, type Activation, type Network } from "../src/model/network.ts";
import { classBoundaryMesh, verifyBoundaryMesh, type BoundaryMesh } from "../src/skeleton/mesh.ts";
import { mulberry32 } from "../src/util/random.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { writeFileSync } from "node:fs";
import { runCli } from "./helpers/cli.ts";
import { fixtureBytes, fixturePath } from "./helpers/fixtures.ts";
import { dense, permuteUnits, randomNet } from "./helpers/nets.ts";

const box = uniformBox(3, -1, 1);
const fixture = (name: string) => parseOnnx(fixtureBytes(name), name);

function meshOf(net: Network) {
  const r = classBoundaryMesh(net, box);
  const sk = r.skeleton;
  const report = verifyBoundaryMesh(net, box, r.mesh, (c) => sk.P.slice(c * sk.units, (c + 1) * sk.units));
  assert.ok(report.ok, report.problems.join("\n"));
  return { mesh: r.mesh, report };
}

const s = (net: Network, x: number[]) => {
  const y = evaluate(net, x).output;
  return y.length === 1 ? y[0] : y[1] - y[0];
};

/** Number of triangles the segment a→b crosses (Möller–Trumbore). */
function crossings(mesh: BoundaryMesh, a: number[], b: number[]): number {
  const P = mesh.positions, T = mesh.triangles;
  const d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  let n = 0;
  for (let t = 0; t < T.length; t += 3) {
    const p0 = [P[3 * T[t]], P[3 * T[t] + 1], P[3 * T[t] + 2]];
    const e1 = [0, 1, 2].map((j) => P[3 * T[t + 1] + j] - p0[j]);
    const e2 = [0, 1, 2].map((j) => P[3 * T[t + 2] + j] - p0[j]);
    const h = [d[1] * e2[2] - d[2] * e2[1], d[2] * e2[0] - d[0] * e2[2], d[0] * e2[1] - d[1] * e2[0]];
    const det = e1[0] * h[0] + e1[1] * h[1] + e1[2] * h[2];
    if (Math.abs(det) < 1e-15) continue;
    const sv = [a[0] - p0[0], a[1] - p0[1], a[2] - p0[2]];
    const u = (sv[0] * h[0] + sv[1] * h[1] + sv[2] * h[2]) / det;
    if (u < 0 || u > 1) continue;
    const q = [sv[1] * e1[2] - sv[2] * e1[1], sv[2] * e1[0] - sv[0] * e1[2], sv[0] * e1[1] - sv[1] * e1[0]];
    const v = (d[0] * q[0] + d[1] * q[1] + d[2] * q[2]) / det;
    if (v < 0 || u + v > 1) continue;
    const tt = (e2[0] * q[0] + e2[1] * q[1] + e2[2] * q[2]) / det;
    if (tt >= 0 && tt <= 1) n++;
  }
  return n;
}

/** Σ over triangles of (p1 − p0) × (p2 − p0) / 2. */
function vectorArea(mesh: BoundaryMesh): number[] {
  const P = mesh.positions, T = mesh.triangles;
  const acc = [0, 0, 0];
  for (let t = 0; t < T.length; t += 3) {
    const u = [0, 1, 2].map((j) => P[3 * T[t + 1] + j] - P[3 * T[t] + j]);
    const v = [0, 1, 2].map((j) => P[3 * T[t + 2] + j] - P[3 * T[t] + j]);
    acc[0] += (u[1] * v[2] - u[2] * v[1]) / 2;
    acc[1] += (u[2] * v[0] - u[0] * v[2]) / 2;
    acc[2] += (u[0] * v[1] - u[1] * v[0]) / 2;
  }
  return acc;
}

/** Independent oracle: a random segment crosses the surface an odd number of times iff s changes sign between its ends. */
function parityAgrees(net: Network, mesh: BoundaryMesh, seed: number, segments = 60): void {
  const rand = mulberry32(seed);
  const pt = () => [0, 1, 2].map(() => 2 * rand() - 1);
  for (let i = 0; i < segments; i++) {
    const a = pt(), b = pt();
    const odd = crossings(mesh, a, b) % 2 === 1;
    assert.equal(odd, Math.sign(s(net, a)) !== Math.sign(s(net, b)), `segment ${i}: ${a} → ${b}`);
  }
}

describe("class-boundary mesh of a 3-input network", () => {
  it("random-3-6-6-6-s4: 306 triangles in 151 regions, verifier ok (|f1 − f0| ≈ 0, in their regions, watertight)", () => {
    const net = fixture("random-3-6-6-6-s4");
    const { mesh, report } = meshOf(net);
    assert.equal(report.triangles, 306);
    assert.equal(mesh.regionsCrossed, 151);
    assert.equal(report.vertices, 178);
    // Watertight: every edge twice (once each way) or once on the box; V − E + F of the surface then follows.
    assert.equal(3 * report.triangles, 2 * report.sharedEdges + report.boxEdges);
    parityAgrees(net, mesh, 5);
  });

  const kinds: [string, Activation][] = [
    ["ReLU", { kind: "relu" }],
    ["leaky ReLU", { kind: "leaky-relu", alpha: 0.1 }],
    ["maxout of rank 2", { kind: "maxout", rank: 2 }],
  ];
  for (const [label, act] of kinds) {
    it(`${label}: verifier ok and segment parity agrees with s's signs (3 seeded networks)`, () => {
      for (const seed of [1, 2, 3]) {
        const net = randomNet(seed, 3, [7, 6], 2, act);
        parityAgrees(net, meshOf(net).mesh, seed, 40);
      }
    });
  }

  it("one output: the surface f = 0; swapping two outputs reverses every triangle, same points and area", () => {
    const one = randomNet(4, 3, [6, 6], 1);
    parityAgrees(one, meshOf(one).mesh, 9, 40);
    const net = randomNet(5, 3, [6, 6], 2);
    const swapped = { ...net, layers: [...net.layers] };
    const L = net.layers[2];
    swapped.layers[2] = { ...L, weights: Float64Array.from([...L.weights.subarray(L.inDim), ...L.weights.subarray(0, L.inDim)]), bias: Float64Array.of(L.bias[1], L.bias[0]) };
    const a = meshOf(net).mesh, b = meshOf(swapped).mesh;
    assert.deepEqual(b.positions, a.positions);
    assert.ok(Math.abs(b.area - a.area) < 1e-13 * a.area);
    assert.equal(b.triangles.length, a.triangles.length);
    // Opposite orientation: the vector area Σ (p1 − p0) × (p2 − p0) / 2 changes sign.
    const va = vectorArea(a), vb = vectorArea(b);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(va[j] + vb[j]) < 1e-12, `component ${j}: ${va[j]} vs ${vb[j]}`);
    assert.ok(Math.hypot(...va) > 0.1);
  });

  it("permuting hidden units keeps the surface's area and triangle count", () => {
    const net = randomNet(6, 3, [6, 5], 2);
    const a = meshOf(net).mesh, b = meshOf(permuteUnits(net, 0, [5, 3, 1, 0, 2, 4])).mesh;
    assert.equal(b.triangles.length, a.triangles.length);
    assert.ok(Math.abs(b.area - a.area) < 1e-12 * a.area);
  });

  it("a boundary along a face of the complex (s = x1 on the hyperplane x1 = 0 of two units) is that face once: area 4", () => {
    const net: Network = {
      inputDim: 3,
      layers: [
        dense(3, 2, [1, 0, 0, -1, 0, 0], [0, 0], { kind: "relu" }),
        dense(2, 2, [0, 0, 1, -1], [0, 0], { kind: "identity" }),
      ],
    };
    const { mesh, report } = meshOf(net);
    assert.equal(report.triangles, 2);
    assert.equal(report.boxEdges, 4);
    assert.ok(Math.abs(mesh.area - 4) < 1e-12);
    for (let v = 0; v < mesh.positions.length; v += 3) assert.equal(mesh.positions[v], 0);
  });

  it("OBJ and PLY round-trip to the same doubles", () => {
    const { mesh } = meshOf(randomNet(2, 3, [5, 5], 2));
    for (const [text, f] of [[meshToObj(mesh, ["c"]), "obj"], [meshToPly(mesh, ["c"]), "ply"]] as const) {
      const back = parseMesh(text, f);
      assert.deepEqual(back.positions, mesh.positions);
      assert.deepEqual(back.triangles, mesh.triangles);
    }
  });
});

describe("tessera boundary on a 3-input model", () => {
  const dir = mkdtempSync(join(tmpdir(), "tessera-mesh-"));
  it("--mesh OUT.ply --verify --json: the file holds the mesh the report counts; the verifier passes", async () => {
    const out = join(dir, "b.ply");
    const r = await runCli(["boundary", fixturePath("random-3-6-6-6-s4"), "--mesh", out, "--verify", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.triangles, 306);
    assert.equal(j.regions, 623);
    assert.equal(j.verify.ok, true);
    const m = parseMesh(readFileSync(out, "utf8"), "ply");
    assert.equal(m.triangles.length / 3, 306);
    assert.equal(m.positions.length / 3, j.vertices);
  });

  it("refuses in one line, exit 2: --mesh on a 2-input model, a bad extension, a plane with --mesh", async () => {
    const calls = [
      ["boundary", fixturePath("random-2-8-8-s1"), "--mesh", join(dir, "x.obj")],
      ["boundary", fixturePath("random-3-6-6-6-s4"), "--mesh", join(dir, "x.stl")],
      ["boundary", fixturePath("random-3-6-6-6-s4"), "--mesh", join(dir, "x.obj"), "--slice", "a,b,c"],
    ];
    const rs = await Promise.all(calls.map((c) => runCli(c)));
    for (const [i, r] of rs.entries()) {
      assert.equal(r.code, 2, `call ${i}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assert.match(rs[0].stderr, /random-2-8-8-s1.*2 inputs/);
    assert.match(rs[1].stderr, /\.obj or \.ply/);
  });
});

describe("top-1 boundary of 3 or more classes", () => {
  const argmax = (y: Float64Array) => y.indexOf(Math.max(...y));

  it("f = (x, y, 0): three half-planes meeting on the z-axis, area 4 + 2√2 exactly, one triple-junction edge", () => {
    // Hidden units relu(x_j + 2) are x_j + 2 on the box; outputs x, y and 0.
    const net: Network = {
      inputDim: 3,
      layers: [dense(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1], [2, 2, 2], { kind: "relu" }), dense(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 0], [-2, -2, 0], { kind: "identity" })],
    };
    const { mesh, report } = meshOf(net);
    assert.ok(Math.abs(mesh.area - (4 + 2 * Math.SQRT2)) < 1e-12, String(mesh.area));
    assert.equal(report.junctionEdges, 1);
    assert.equal(mesh.classes, 3);
  });

  for (const [k, widths] of [[3, [6, 6]], [4, [8, 8]], [5, [10, 10, 10]]] as [number, number[]][]) {
    it(`${k} classes: verifier ok; just off every triangle, the network's top class is j in front and i behind (3 seeded networks)`, () => {
      for (const seed of [1, 3, 5]) {
        const net = randomNet(seed, 3, widths, k);
        const { mesh } = meshOf(net);
        const P = mesh.positions, T = mesh.triangles;
        for (let t = 0; t < T.length / 3; t++) {
          const a = [0, 1, 2].map((q) => Array.from(P.subarray(3 * T[3 * t + q], 3 * T[3 * t + q] + 3)));
          const u = [0, 1, 2].map((j) => a[1][j] - a[0][j]), v = [0, 1, 2].map((j) => a[2][j] - a[0][j]);
          const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
          const len = Math.hypot(...n);
          if (len < 1e-8) continue; // a sliver: its normal is not reliable
          const c = [0, 1, 2].map((j) => (a[0][j] + a[1][j] + a[2][j]) / 3);
          const off = (e: number) => argmax(evaluate(net, c.map((x, j) => x + (e * n[j]) / len)).output);
          assert.equal(off(1e-7), mesh.triangleClasses[2 * t + 1], `seed ${seed}, triangle ${t}: front`);
          assert.equal(off(-1e-7), mesh.triangleClasses[2 * t], `seed ${seed}, triangle ${t}: back`);
        }
      }
    });
  }

  it("renumbering the classes keeps the surface's area", () => {
    const net = randomNet(3, 3, [8, 8], 4);
    const L = net.layers[2];
    const perm = [2, 0, 3, 1];
    const W = new Float64Array(L.weights.length), b = new Float64Array(4);
    perm.forEach((src, dst) => {
      W.set(L.weights.subarray(src * L.inDim, (src + 1) * L.inDim), dst * L.inDim);
      b[dst] = L.bias[src];
    });
    const renamed = { ...net, layers: [net.layers[0], net.layers[1], { ...L, weights: W, bias: b }] };
    const a = meshOf(net).mesh, r = meshOf(renamed).mesh;
    assert.ok(Math.abs(a.area - r.area) < 1e-12 * a.area);
    assert.equal(r.triangles.length, a.triangles.length);
  });

  it("tessera boundary on a 3-input, 5-class model: --mesh --verify --json reports the junctions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-mesh-k-"));
    const model = join(dir, "k4.json");
    writeFileSync(model, stringifyTesseraJson(randomNet(3, 3, [10, 10, 10], 5), { lo: Float64Array.of(-1, -1, -1), hi: Float64Array.of(1, 1, 1) }));
    const r = await runCli(["boundary", model, "--mesh", join(dir, "k.obj"), "--verify", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.verify.ok, true);
    assert.equal(j.classes, 5);
    assert.ok(j.verify.junctionEdges > 0);
    assert.equal(parseMesh(readFileSync(join(dir, "k.obj"), "utf8"), "obj").triangles.length / 3, j.triangles);
  });
});
