import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError, parseCsvDataset } from "../src/data/csv.ts";
import { PLANAR_KINDS, planarDataset } from "../src/data/planar.ts";
import type { LabelledPoints } from "../src/data/dataset.ts";
import { loadMnist, mnistSplit } from "../src/io/mnist.ts";

/** All points of a dataset, train then test. */
function allPoints(d: { train: LabelledPoints; test: LabelledPoints }): { x: number[]; y: number[] } {
  return { x: [...d.train.x, ...d.test.x], y: [...d.train.y, ...d.test.y] };
}

test("planar datasets: same seed gives the same data, another seed other data", () => {
  for (const kind of PLANAR_KINDS) {
    const a = planarDataset(kind, { n: 200, noise: 0.2, seed: 5 });
    const b = planarDataset(kind, { n: 200, noise: 0.2, seed: 5 });
    assert.deepEqual(a, b, kind);
    const c = planarDataset(kind, { n: 200, noise: 0.2, seed: 6 });
    assert.notDeepEqual(a.train.x, c.train.x, kind);
  }
});

test("planar datasets: sizes, split, balanced classes, [-1,1]^2 box", () => {
  for (const kind of PLANAR_KINDS) {
    const d = planarDataset(kind, { n: 301, testFraction: 0.3, seed: 2 });
    assert.equal(d.train.y.length, Math.round(301 * 0.7));
    assert.equal(d.train.y.length + d.test.y.length, 301);
    assert.equal(d.train.x.length, 2 * d.train.y.length);
    assert.equal(d.test.x.length, 2 * d.test.y.length);
    assert.equal(d.classes, 2);
    assert.deepEqual([...d.box.lo, ...d.box.hi], [-1, -1, 1, 1]);
    const { y } = allPoints(d);
    if (kind !== "xor") assert.deepEqual([y.filter((v) => v === 0).length, y.filter((v) => v === 1).length], [150, 151], kind);
  }
});

test("circle without noise: class 0 inside radius 2.5/6, class 1 in the ring 3.5/6..5/6 (Playground's radii)", () => {
  const { x, y } = allPoints(planarDataset("circle", { n: 400, seed: 3 }));
  for (let i = 0; i < y.length; i++) {
    const r = Math.hypot(x[2 * i], x[2 * i + 1]);
    if (y[i] === 0) assert.ok(r <= 2.5 / 6 + 1e-12, `r ${r}`);
    else assert.ok(r >= 3.5 / 6 - 1e-12 && r <= 5 / 6 + 1e-12, `r ${r}`);
  }
});

test("xor without noise: class 0 exactly where x·y >= 0, points kept 0.3/6 away from the axes", () => {
  const { x, y } = allPoints(planarDataset("xor", { n: 400, seed: 4 }));
  for (let i = 0; i < y.length; i++) {
    const [u, v] = [x[2 * i], x[2 * i + 1]];
    assert.equal(y[i], u * v >= 0 ? 0 : 1);
    assert.ok(Math.abs(u) >= 0.3 / 6 - 1e-12 && Math.abs(v) >= 0.3 / 6 - 1e-12 && Math.abs(u) <= 1 && Math.abs(v) <= 1);
  }
});

test("xor with noise flips labels near the axes only (labels come from a noisy copy, as in Playground)", () => {
  const { x, y } = allPoints(planarDataset("xor", { n: 2000, noise: 0.1, seed: 4 }));
  let flipped = 0;
  for (let i = 0; i < y.length; i++) {
    const [u, v] = [x[2 * i], x[2 * i + 1]];
    if (y[i] !== (u * v >= 0 ? 0 : 1)) {
      flipped++;
      assert.ok(Math.min(Math.abs(u), Math.abs(v)) <= 0.5 / 6 + 1e-12, "noise of at most 0.5 Playground units");
    }
  }
  assert.ok(flipped > 0);
});

test("gauss: class means near (1/3, 1/3) and (-1/3, -1/3); spiral without noise stays within radius 5/6", () => {
  const { x, y } = allPoints(planarDataset("gauss", { n: 4000, seed: 8 }));
  for (const [cls, c] of [[0, 1 / 3], [1, -1 / 3]]) {
    let sx = 0, sy = 0, m = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === cls) (sx += x[2 * i]), (sy += x[2 * i + 1]), m++;
    // standard error of the mean: sqrt(0.5)/6/sqrt(2000) ≈ 0.0026; allow 5 of them
    assert.ok(Math.abs(sx / m - c) < 0.014 && Math.abs(sy / m - c) < 0.014, `class ${cls} mean ${sx / m}, ${sy / m}`);
  }
  const s = allPoints(planarDataset("spiral", { n: 400, seed: 8 }));
  for (let i = 0; i < s.y.length; i++) assert.ok(Math.hypot(s.x[2 * i], s.x[2 * i + 1]) < 5 / 6);
});

test("planar datasets refuse impossible options with a DataError", () => {
  assert.throws(() => planarDataset("circle", { n: 1 }), (e: Error) => e instanceof DataError && e.name === "DataError" && /integer >= 2/.test(e.message));
  assert.throws(() => planarDataset("circle", { noise: -0.1 }), /noise/);
  assert.throws(() => planarDataset("circle", { testFraction: 1 }), /test fraction/);
  assert.throws(() => planarDataset("moons" as "circle"), /unknown dataset "moons"/);
});

test("csv: header, comments, blank lines, CRLF, string labels in order of first appearance, box with margin", () => {
  const text = "x, y, label\r\n# a comment\r\n0,0,cat\r\n\r\n1,2,dog\r\n0.5,1e0,cat\r\n-1,.5,\"bird\"\r\n";
  const d = parseCsvDataset(text, { testFraction: 0 });
  assert.deepEqual(d.classNames, ["cat", "dog", "bird"]);
  assert.equal(d.classes, 3);
  assert.equal(d.train.y.length, 4);
  assert.equal(d.test.y.length, 0);
  const pts = new Map<string, number>();
  for (let i = 0; i < 4; i++) pts.set(`${d.train.x[2 * i]},${d.train.x[2 * i + 1]}`, d.train.y[i]);
  assert.deepEqual(Object.fromEntries(pts), { "0,0": 0, "1,2": 1, "0.5,1": 0, "-1,0.5": 2 });
  assert.deepEqual([...d.box.lo], [-1.1, -0.1]);
  assert.deepEqual([...d.box.hi], [1.1, 2.1]);
});

test("csv: integer labels map in increasing order (-1/+1 become 0/1), and the split is seeded", () => {
  const lines = ["0,0,1", "1,1,-1", "2,2,+1", "3,3,-1", "4,4,01"];
  const d = parseCsvDataset(lines.join("\n"), { testFraction: 0.4, seed: 3 });
  assert.deepEqual(d.classNames, ["-1", "1"]);
  assert.equal(d.train.y.length, 3);
  const { x, y } = allPoints(d);
  for (let i = 0; i < 5; i++) assert.equal(y[i], x[2 * i] % 2 === 1 ? 0 : 1);
  assert.deepEqual(parseCsvDataset(lines.join("\n"), { testFraction: 0.4, seed: 3 }), d);
});

test("csv: every malformed file gives a one-line DataError naming the line and the problem", () => {
  const bad: [string, RegExp][] = [
    ["x,y,label\n0,0,a\n1,2\n", /^data\.csv: line 3: expected 3 columns \(x,y,label\), got 2$/],
    ["0,0,a\n1,2,b,4\n", /^data\.csv: line 2: expected 3 columns/],
    ["0,0,a\nNaN,1,b\n", /^data\.csv: line 2: x "NaN" is not a finite number$/],
    ["0,0,a\n1,1e400,b\n", /^data\.csv: line 2: y "1e400" is not a finite number$/],
    ["0,0,a\n1,Infinity,b\n", /^data\.csv: line 2: y "Infinity" is not a finite number$/],
    ["0,0,a\n1,0x10,b\n", /line 2: y "0x10" is not a finite number/],
    ["0,0,a\n1,abc,b\n", /line 2: y "abc" is not a finite number/],
    ["0,0,a\n1,2,\n", /line 2: empty label/],
    ["", /^data\.csv: no data lines/],
    ["x,y,label\n\n# nothing\n", /no data lines/],
    ["0,0,a\n1,1,a\n", /only one class \("a"\): need at least 2/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseCsvDataset(text, { source: "data.csv" }), (e: Error) => {
      assert.ok(e instanceof DataError, `${JSON.stringify(text)}: ${e}`);
      assert.equal(e.name, "DataError");
      assert.ok(!e.message.includes("\n"));
      assert.match(e.message, re);
      return true;
    });
  }
  assert.throws(() => parseCsvDataset("0,0,a\n1,1,b", { testFraction: 1.5 }), /test fraction/);
});

test("mnist: 10,000 digits with the package's counts per digit, values in [0, 1], cached", () => {
  const data = loadMnist();
  assert.equal(data.count, 10_000);
  assert.equal(data.images.length, 10_000 * 784);
  const counts = new Array(10).fill(0);
  for (const l of data.labels) counts[l]++;
  assert.deepEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  let lo = Infinity, hi = -Infinity;
  for (const v of data.images) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.ok(lo >= 0 && hi <= 1 && hi > 0.99, `${lo}..${hi}`);
  assert.equal(loadMnist(), data);
});

test("mnist split: 8,000 / 2,000, deterministic per seed, disjoint, images follow their indices", () => {
  const data = loadMnist();
  const a = mnistSplit(data, { seed: 3 });
  assert.equal(a.train.count, 8000);
  assert.equal(a.test.count, 2000);
  const b = mnistSplit(data, { train: 8000, seed: 3 });
  assert.deepEqual(a.train.indices, b.train.indices);
  assert.notDeepEqual(mnistSplit(data, { seed: 4 }).train.indices, a.train.indices);
  const seen = new Set([...a.train.indices, ...a.test.indices]);
  assert.equal(seen.size, 10_000, "disjoint parts covering every digit");
  for (const k of [0, 1234, 7999]) {
    const i = a.train.indices[k];
    assert.equal(a.train.labels[k], data.labels[i]);
    assert.deepEqual(a.train.images.subarray(k * 784, (k + 1) * 784), data.images.subarray(i * 784, (i + 1) * 784));
  }
  assert.throws(() => mnistSplit(data, { train: 10_001 }), DataError);
});
