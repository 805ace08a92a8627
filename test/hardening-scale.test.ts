/**
 * Issue #29 items 3 and 4: extreme finite numbers never give a silent wrong count. Counts are invariant under positive
 * scaling of units, layers, inputs and box, or the command refuses with one line (exit 2). Every random source is
 * seeded.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { countRegions } from "../src/count/count.ts";
import { PLAIN_SEARCH } from "../src/count/engine.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { evaluate } from "../src/model/evaluate.ts";
import { exponentOf, normaliseUnits, scaleByPow2, unitScaleChange } from "../src/model/normalise.ts";
import { hiddenLayers, uniformBox, type Box, type Network } from "../src/model/network.ts";
import { mulberry32 } from "../src/util/random.ts";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixtureBytes, fixturePath } from "./helpers/fixtures.ts";
import { changeInputs, randomNet } from "./helpers/nets.ts";

const FIXTURE = "random-2-8-8-s1"; // 111 regions in [-1, 1]^2; 144 in [-100, 100]^2 (its whole arrangement)

/** Multiply every hidden unit of `net` (row and bias) by c(l, i) and its outgoing weights by 1/c(l, i). */
function scaleUnits(net: Network, c: (l: number, i: number) => number): Network {
  const layers = net.layers.map((L) => ({ ...L, weights: Float64Array.from(L.weights), bias: Float64Array.from(L.bias) }));
  hiddenLayers(net).forEach((L, l) => {
    const next = layers[l + 1];
    const group = L.activation.kind === "maxout" ? L.activation.rank : 1;
    for (let i = 0; i < L.outDim / group; i++) {
      const f = c(l, i);
      for (let r = i * group; r < (i + 1) * group; r++) {
        for (let k = 0; k < L.inDim; k++) layers[l].weights[r * L.inDim + k] *= f;
        layers[l].bias[r] *= f;
      }
      for (let r = 0; r < next.outDim; r++) next.weights[r * next.inDim + i] /= f;
    }
  });
  return { inputDim: net.inputDim, layers };
}

/** One line on stderr, exit 2, no stack trace. */
function oneLineRefusal(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.match(r.stderr, message);
}

const regionsOf = (stdout: string) => (JSON.parse(stdout) as { regions: number }).regions;

describe("unit scale: the number helpers are exact", () => {
  it("exponentOf is floor(log2 |x|) next to powers of two and for subnormals; scaleByPow2 reaches past 2^±1023", () => {
    for (const e of [-1074, -1022, -3, -1, 0, 1, 52, 1023]) {
      assert.equal(exponentOf(2 ** e), e);
      if (e > -1074) assert.equal(exponentOf(2 ** e * (2 - 2 ** -52)), e);
    }
    assert.equal(scaleByPow2(1e300, -2000), 1e300 * 2 ** -1000 * 2 ** -1000);
    assert.equal(scaleByPow2(3, 0), 3);
  });

  it("boxes of width 1 to 4 ([0, 1], [-1, 1]) are left as they are; others go to width [1, 4) by powers of four", () => {
    assert.equal(unitScaleChange(uniformBox(3, 0, 1)).identity, true);
    assert.equal(unitScaleChange(uniformBox(3, -1, 1)).identity, true);
    const c = unitScaleChange({ lo: Float64Array.of(-1e15, 0, 1e6), hi: Float64Array.of(1e15, 1e-12, 1e6 + 1) });
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(Math.log2(c.scale[j])) % 2 === 0);
    assert.ok(2e15 / c.scale[0] >= 1 && 2e15 / c.scale[0] < 4);
    assert.ok(1e-12 / c.scale[1] >= 1 && 1e-12 / c.scale[1] < 4);
    assert.equal(c.scale[2], 1);
    assert.ok(Math.abs(c.shift[2] - (1e6 + 0.5)) <= c.scale[2]); // a whole multiple of the scale next to the centre
  });

  it("normaliseUnits keeps the network's function exactly and is idempotent; a fixture comes back unchanged", () => {
    const net = parseOnnx(fixtureBytes(FIXTURE), FIXTURE);
    const rand = mulberry32(5);
    const scaled = scaleUnits(net, () => 2 ** Math.round(400 * (rand() - 0.5)));
    const once = normaliseUnits(scaled), twice = normaliseUnits(once.net);
    assert.equal(twice.identity, true);
    for (const x of [[0.1, -0.3], [0.7, 0.2], [-0.9, 0.9]]) {
      assert.deepEqual(Array.from(evaluate(once.net, Float64Array.from(x)).output), Array.from(evaluate(net, Float64Array.from(x)).output));
    }
  });
});

describe("issue #29 item 3: extreme finite numbers (CLI probes)", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tessera-scale-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("units scaled by 1e160, 1e300, 1e-12 keep the fixture's 111 regions (were 0 and 37); the MILP and the planar partition agree", async () => {
    const net = parseOnnx(fixtureBytes(FIXTURE), FIXTURE);
    const files = [1e160, 1e300, 1e-12].map((c) => {
      const f = join(dir, `scaled-${c}.json`);
      writeFileSync(f, stringifyTesseraJson(scaleUnits(net, () => c), uniformBox(2, -1, 1)));
      return f;
    });
    const runs = await runCliAll([
      ...files.map((f) => ["count", f, "--json", "--no-progress", "--verify"]),
      ...files.map((f) => ["count", f, "--json", "--no-progress", "--method", "milp"]),
      ...files.map((f) => ["boundary", f, "--json", "--verify"]),
    ], 2);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(regionsOf(r.stdout), expectedOf(FIXTURE).regions);
    }
  });

  it("--box=-1e15,1e15 and ±1e308 are refused with one line (were 136 with verify ok, and an internal error); ±1e6 counts the whole arrangement with a threshold it can judge", async () => {
    const m = fixturePath(FIXTURE);
    const [huge, widest, tiny, wide, reference] = await runCliAll([
      ["count", m, "--box=-1e15,1e15", "--verify", "--no-progress"],
      ["count", m, "--box=-1e308,1e308", "--no-progress"],
      ["count", m, "--box=-1e8,1e8", "--no-progress"],
      ["count", m, "--box=-1e6,1e6", "--threshold", "0.001", "--verify", "--json", "--no-progress"],
      ["count", m, "--box=-100,100", "--verify", "--json", "--no-progress"],
    ], 2);
    oneLineRefusal(huge, /--threshold 1e-8 is finer than a count can judge in this box .*give a smaller box/);
    oneLineRefusal(widest, /coordinate 1 of the box, \[-1e\+308, 1e\+308\], is wider than the double range/);
    oneLineRefusal(tiny, /give --threshold 0\.00068 or more, or a smaller box/);
    assert.equal(wide.code, 0, wide.stderr);
    assert.equal(reference.code, 0, reference.stderr);
    assert.equal(regionsOf(wide.stdout), 144);
    assert.equal(regionsOf(reference.stdout), 144);
  });

  it("a box scaled down to ±1e-12 holds its one region (the rule scales with tiny boxes)", async () => {
    const r = await runCli(["count", fixturePath(FIXTURE), "--box=-1e-12,1e-12", "--json", "--verify", "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(regionsOf(r.stdout), 1);
  });
});

describe("issue #29 item 4: a ball smaller than the threshold", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tessera-ball-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("tessera local --radius 1e-9 counts the centre's region (was 0), in both norms; a radius below the centre's resolution is refused", async () => {
    const center = join(dir, "c.json");
    writeFileSync(center, "[0.1, 0.2]");
    const base = ["local", fixturePath(FIXTURE), "--center", center, "--no-class-boundary", "--no-progress"];
    const [two, inf, lost] = await runCliAll([
      [...base, "--radius", "1e-9"],
      [...base, "--radius", "1e-9", "--norm", "inf"],
      [...base, "--radius", "1e-30"],
    ], 2);
    for (const r of [two, inf]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^regions\s+1\s/m);
    }
    oneLineRefusal(lost, /--radius 1e-30 is below what floating point resolves around this centre/);
  });
});

describe("property: counts are invariant under positive scaling of units, layers, inputs and box", () => {
  /** 10^U(−12, 12). */
  const factor = (rand: () => number) => 10 ** (24 * rand() - 12);
  const CASES = 36;

  it(`${CASES} seeded random nets and scalings: the same count, or a ScaleError of one line`, () => {
    const rand = mulberry32(29);
    let refused = 0, same = 0;
    for (let k = 0; k < CASES; k++) {
      const n0 = 1 + Math.floor(rand() * 3);
      const kinds = [{ kind: "relu" }, { kind: "leaky-relu", alpha: 0.1 }, { kind: "maxout", rank: 2 }] as const;
      const act = kinds[k % 3];
      const net = randomNet(1000 + k, n0, [3 + Math.floor(rand() * 3), 3 + Math.floor(rand() * 3)], 2, act);
      const box: Box = uniformBox(n0, -1, 1);
      const reference = countRegions(net, { box, ...PLAIN_SEARCH }).regions;
      // Units one by one, then whole layers, then inputs coordinate by coordinate (box with them), then the box whole.
      let scaled = scaleUnits(net, () => factor(rand));
      const layerFactors = hiddenLayers(net).map(() => factor(rand));
      scaled = scaleUnits(scaled, (l) => layerFactors[l]);
      const mode = k % 3; // 0: per-coordinate input scaling, 1: the whole box by one factor, 2: units only
      const a = Array.from({ length: n0 }, () => (mode === 2 ? 1 : factor(rand)));
      if (mode === 1) a.fill(a[0]);
      // x = a ⊙ y: the box of y is the box of x divided by a.
      const scaledBox: Box = { lo: box.lo.map((v, j) => v / a[j]), hi: box.hi.map((v, j) => v / a[j]) };
      scaled = changeInputs(scaled, a, new Array(n0).fill(0), Array.from({ length: n0 }, (_, j) => j));
      try {
        const count = countRegions(scaled, { box: scaledBox }).regions;
        assert.equal(count, reference, `case ${k}: ${act.kind}, n0 ${n0}, input factors ${a.map((v) => v.toExponential(1))}`);
        same++;
      } catch (err) {
        assert.ok(err instanceof Error && err.name === "ScaleError", `case ${k}: ${String(err)}`);
        assert.doesNotMatch(err.message, /\n/);
        refused++;
      }
    }
    // Scalings up to 1e12 leave some boxes too large for the default threshold; most cases still count.
    assert.ok(same >= CASES / 2, `${same} counted, ${refused} refused`);
  });
});
