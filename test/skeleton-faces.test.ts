import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { uniformBox, type Activation, type Network } from "../src/model/network.ts";
import { Skeleton } from "../src/skeleton/complex.ts";
import { complexFaces, eulerCheck } from "../src/skeleton/faces-3d.ts";
import { runCli } from "./helpers/cli.ts";
import { fixtureBytes, fixturePath } from "./helpers/fixtures.ts";
import { addUnit, dense, randomNet } from "./helpers/nets.ts";

const box = uniformBox(3, -1, 1);
function refined(net: Network): Skeleton {
  const sk = new Skeleton(net, box);
  sk.refineAll();
  return sk;
}

/** Largest distance of a face's vertices from the plane through its first vertex and its Newell normal. */
function planarity(sk: Skeleton, vs: Int32Array): number {
  const X = sk.X;
  let nx = 0, ny = 0, nz = 0;
  for (let i = 0; i < vs.length; i++) {
    const a = 3 * vs[i], b = 3 * vs[(i + 1) % vs.length];
    nx += (X[a + 1] - X[b + 1]) * (X[a + 2] + X[b + 2]);
    ny += (X[a + 2] - X[b + 2]) * (X[a] + X[b]);
    nz += (X[a] - X[b]) * (X[a + 1] + X[b + 1]);
  }
  const n = Math.hypot(nx, ny, nz);
  let worst = 0;
  for (const v of vs) worst = Math.max(worst, Math.abs((nx * (X[3 * v] - X[3 * vs[0]]) + ny * (X[3 * v + 1] - X[3 * vs[0] + 1]) + nz * (X[3 * v + 2] - X[3 * vs[0] + 2])) / n));
  return worst;
}

/** Euler per cell and on the box, planar faces, one or two cells a face (one exactly on the box's boundary). */
function checkFaces(net: Network): number {
  const sk = refined(net);
  const f = complexFaces(sk);
  const e = eulerCheck(sk, f);
  assert.ok(e.ok, JSON.stringify(e));
  for (let i = 0; i < f.count; i++) {
    const vs = f.verts.subarray(f.start[i], f.start[i + 1]);
    assert.ok(vs.length >= 3);
    assert.ok(planarity(sk, vs) < 1e-9, `face ${i} is not planar`);
    const onBox = f.planes[i].some((h) => h < 0);
    assert.equal(f.cells[2 * i + 1] < 0, onBox, `face ${i}: planes ${f.planes[i]}, cells ${f.cells[2 * i]}, ${f.cells[2 * i + 1]}`);
  }
  return sk.cCount;
}

describe("3-D complex: 2-faces and Euler's relation", () => {
  it("random-3-6-6-6-s4: 861 vertices, 2,320 edges, 2,083 faces, 623 cells; V − E + F = 2 per cell, V − E + F − C = 1", () => {
    const sk = refined(parseOnnx(fixtureBytes("random-3-6-6-6-s4"), "random-3-6-6-6-s4"));
    const e = eulerCheck(sk, complexFaces(sk));
    assert.deepEqual(e, { ok: true, vertices: 861, edges: 2320, faces: 2083, cells: 623, chi: 1, badCells: [] });
  });

  const kinds: [string, Activation][] = [
    ["ReLU", { kind: "relu" }],
    ["leaky ReLU", { kind: "leaky-relu", alpha: 0.1 }],
    ["maxout of rank 2", { kind: "maxout", rank: 2 }],
  ];
  for (const [label, act] of kinds) {
    it(`${label}: faces planar, shared by two cells inside and one on the box, Euler holds (3 seeded networks)`, () => {
      for (const seed of [1, 2, 3]) checkFaces(randomNet(seed, 3, [6, 5], 2, act));
    });
  }

  it("degenerate on purpose: four planes through one point and a doubled unit give one face per plane piece, Euler holds", () => {
    // x = 0, y = 0, z = 0 and x + y + z = 0 all through the origin (a vertex of the first three), then a ReLU layer.
    let net: Network = {
      inputDim: 3,
      layers: [
        dense(3, 4, [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0], { kind: "relu" }),
        dense(4, 3, [1, -1, 0.5, 0.3, -0.4, 0.8, 1, -0.6, 0.2, 0.5, -1, 0.9], [0.1, -0.2, 0.05], { kind: "relu" }),
        dense(3, 2, [1, 0, -1, 0, 1, 1], [0, 0], { kind: "identity" }),
      ],
    };
    // Unit 4 of layer 0 is unit 0 scaled by −2: the same plane, the other orientation.
    net = addUnit(net, 0, [-2, 0, 0], 0, [0.7, -0.3, 0.4]);
    const cells = checkFaces(net);
    assert.equal(cells, countRegions(net, { box }).regions);
    // The plane x = 0 of units 0 and 4 is one set of faces, each between two cells (checkFaces), none twice.
    const f = complexFaces(refined(net));
    assert.ok(f.planes.filter((p) => p.includes(0) || p.includes(4)).length > 0);
  });
});

describe("tessera count --complex in 3-D", () => {
  it("writes faces with sign vectors (0 on the face's own units, the two cells' signs differ there) and Euler's check", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tessera-faces-")), "c.json");
    const r = await runCli(["count", fixturePath("random-3-6-6-6-s4"), "--complex", out, "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(c.faces.length, 2083);
    assert.deepEqual(c.euler, { ok: true, vertices: 861, edges: 2320, faces: 2083, cells: 623, chi: 1, badCells: [] });
    assert.equal(c.vertices.length - c.edges.length + c.faces.length - c.cells.length, 1);
    for (const face of c.faces) {
      for (const h of face.planes) if (h >= 0) assert.equal(face.signs[h], "0");
      if (face.cells.length === 2) {
        const [a, b] = face.cells.map((k: number) => c.cells[k].signs);
        const units = face.planes.filter((h: number) => h >= 0);
        assert.ok(units.some((h: number) => a[h] !== b[h] && a[h] !== "0" && b[h] !== "0"), "the cells either side differ in a unit of the face");
      }
    }
    for (const [i, cell] of c.cells.entries()) for (const f of cell.faces) assert.ok(c.faces[f].cells.includes(i));
  });
});
