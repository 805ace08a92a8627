import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { main } from "../src/cli/main.ts";
import { loadModel } from "../src/io/load.ts";
import { parseNormFlag, parseRadius, readCenter } from "../src/cli/commands/local.ts";
import { digitCentres, parseRadii, TRAINING_DIGITS, UNKNOWN_SPLIT_DIGITS } from "../src/cli/commands/local-study.ts";
import { loadMnist, mnistSplit } from "../src/io/mnist.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "tessera-local-"));

/**
 * Run the CLI's `main` in this process (the code path of bin/tessera.mjs without a 2-second process start) for calls
 * that fail: only stderr is captured (stdout belongs to the test runner), plus the exit code.
 */
async function runMainFailing(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const err = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(["node", "tessera", ...args]);
  } finally {
    process.stderr.write = err;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stderr };
}

describe("tessera local", () => {
  it("--json: a ball containing the box counts the box's regions; a small ball gives regions ≤ upperBound (a string); text report", async () => {
    const center = join(tmp, "c.json");
    writeFileSync(center, "[0.1, -0.2]");
    const [whole, small, inf, text] = await runCliAll([
      ["local", fixturePath("random-2-8-8-s1"), "--center", center, "--radius", "3", "--json", "--no-class-boundary"],
      ["local", fixturePath("random-2-16-s2"), "--sample", "0", "--radius", "0.3", "--json"],
      ["local", fixturePath("random-2-16-s2"), "--sample", "0", "--radius", "0.3", "--norm", "inf", "--json", "--no-class-boundary"],
      ["local", fixturePath("random-3-6-6-6-s4"), "--sample", "1", "--radius", "0.2", "--no-progress"],
    ]);
    for (const r of [whole, small, inf, text]) assert.equal(r.code, 0, r.stderr);
    // The readable report names the bound's source and every quantity.
    for (const re of [/regions\s+\d+/, /after Zhu, Lin & Tang 2020/, /region boundary/, /class boundary/]) assert.match(text.stdout, re);
    const w = JSON.parse(whole.stdout);
    assert.equal(w.regions, expectedOf("random-2-8-8-s1").regions);
    assert.equal(w.norm, "2");
    assert.equal(w.radius, 3);
    assert.equal(w.clipped, true);
    const s = JSON.parse(small.stdout), i = JSON.parse(inf.stdout);
    assert.equal(typeof s.upperBound, "string");
    assert.ok(BigInt(s.upperBound) >= BigInt(s.regions));
    assert.ok(s.regions >= 1 && s.regions <= i.regions, "the 2-ball lies in the ∞-ball");
    assert.equal(i.norm, "inf");
    assert.equal(s.classBoundary.exact, true);
    assert.ok(s.regionBoundary.distance > 0);
  });

  it("bad input: one line on stderr, exit 2 (wrong-length centre, negative or NaN radius, unknown norm, wrong data; main() in process)", async () => {
    const short = join(tmp, "short.json");
    writeFileSync(short, "[0.1]");
    const m = fixturePath("random-2-8-8-s1");
    const cases: [string[], RegExp][] = [
      [["local", m, "--center", short, "--radius", "0.1"], /short\.json: 1 coordinates given.*takes 2/],
      [["local", m, "--sample", "0", "--radius", "-1"], /--radius "-1"/],
      [["local", m, "--sample", "0", "--radius", "NaN"], /--radius "NaN"/],
      [["local", m, "--sample", "0", "--radius", "0.1", "--norm", "3"], /unknown norm "3"/],
      [["local", m, "--sample", "0", "--radius", "0.1", "--norm", "inf", "--max-regions", "0"], /--max-regions "0"/],
      [["local", join(tmp, "missing.onnx"), "--sample", "0", "--radius", "0.1"], /missing\.onnx/],
      [["local-study", fixturePath("mnist-10-12-s1"), "--data", "cifar"], /only mnist/],
      [["local-study", m, "--data", "mnist"], /takes 2 inputs, MNIST digits have 784/],
      [["local-study", fixturePath("mnist-10-12-s1"), "--data", "mnist", "--points", "0"], /--points "0"/],
    ];
    const results: { code: number; stderr: string }[] = [];
    for (const [args] of cases) results.push(await runMainFailing(args));
    results.forEach((r, k) => {
      assert.equal(r.code, 2, `${cases[k][0].join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^tessera: /);
      assert.match(lines[0], cases[k][1]);
    });
  });

  it("flag parsers reject bad values with one-line usage errors", async () => {
    const loaded = await loadModel(fixturePath("random-2-8-8-s1"));
    const nan = join(tmp, "nan.json");
    writeFileSync(nan, '[0.1, "x"]');
    const bad: [() => unknown, RegExp][] = [
      [() => parseRadius(undefined), /--radius R/],
      [() => parseRadius("0"), /positive/],
      [() => parseRadius("Infinity"), /positive finite/],
      [() => parseRadius(""), /positive/],
      [() => parseNormFlag("l3"), /unknown norm "l3": use 2 or inf/],
      [() => parseRadii("0.1,,2"), /--radii/],
      [() => parseRadii("1,1"), /repeated/],
    ];
    for (const [f, re] of bad) assert.throws(f, (e: Error) => e.name === "UsageError" && re.test(e.message) && !e.message.includes("\n"));
    assert.deepEqual(parseRadii("2,0.5,1"), [0.5, 1, 2]);
    assert.equal(parseNormFlag("linf"), "inf");
    const badCentres: [Record<string, string>, RegExp][] = [
      [{ center: nan }, /entry 1/],
      [{ sample: "9" }, /--sample 9: .* has 5 samples/],
      [{ sample: "x" }, /--sample "x"/],
      [{ sample: "0", center: nan }, /not with --center and --sample/],
      [{}, /give the centre/],
      [{ digit: "0" }, /takes 2 inputs, MNIST digits have 784/],
      [{ center: join(tmp, "none.json") }, /none\.json: no such file/],
    ];
    for (const [flags, re] of badCentres) {
      await assert.rejects(readCenter(flags, loaded), (e: Error) => e.name === "UsageError" && re.test(e.message), JSON.stringify(flags));
    }
    const ok = await readCenter({ sample: "2" }, loaded);
    assert.deepEqual(Array.from(ok.x), expectedOf("random-2-8-8-s1").samples[2].x);
  });
});

describe("tessera local-study", () => {
  it("writes the table, CSVs and the chart for MNIST digits vs random points", async () => {
    const out = join(tmp, "study");
    const r = await runCli(["local-study", fixturePath("mnist-10-12-s1"), "--data", "mnist", "--points", "2", "--radii", "0.01,0.03", "--norm", "inf", "--out", out, "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ["local-study.md", "local-study.csv", "local-study-balls.csv", "local-study.svg", "local-study.png"]) assert.ok(existsSync(join(out, f)), f);
    const csv = readFileSync(join(out, "local-study.csv"), "utf8").trim().split("\n");
    assert.equal(csv.length, 1 + 2 * 2, "one row per kind and radius");
    const balls = readFileSync(join(out, "local-study-balls.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    assert.equal(balls.length, 2 * 2 * 2);
    for (const b of balls) assert.ok(BigInt(b[4]) >= BigInt(b[3]), "bound ≥ exact count in every ball");
    assert.match(readFileSync(join(out, "local-study.svg"), "utf8"), /DejaVu Sans/);
    const md = readFileSync(join(out, "local-study.md"), "utf8");
    assert.equal(md.match(/^\| 0\.0[13] \| MNIST digits \(split unknown\) \| uniform random points \| [01]\.\d\d \|/gm)?.length, 2, "one rank test of the two kinds per radius");
  });
});

describe("local-study centres", () => {
  it("are the network's own training digits when its metadata records the split, and are not called training digits otherwise", () => {
    const meta = { data: "mnist-small", dataProvenance: { splitSeed: 4, train: 6000 } };
    const c = digitCentres(meta, 3, 1, "net.json");
    assert.equal(c.kind, TRAINING_DIGITS);
    const { train } = mnistSplit(loadMnist(), { train: 6000, seed: 4 });
    assert.deepEqual(Array.from(c.points[2]), Array.from(train.images.subarray(2 * 784, 3 * 784), (v) => Math.round(v * 1000) / 1000));
    const { test } = mnistSplit(loadMnist(), { train: 6000, seed: 4 });
    assert.equal(c.heldOut?.length, 3, "a known split also gives held-out test digits");
    assert.deepEqual(Array.from(c.heldOut![1]), Array.from(test.images.subarray(784, 2 * 784), (v) => Math.round(v * 1000) / 1000));
    const trainIds = new Set(train.indices);
    for (const k of test.indices.subarray(0, 3)) assert.ok(!trainIds.has(k), "held-out digits are not training digits");
    const unknown = digitCentres(undefined, 3, 1, "fixture.onnx");
    assert.equal(unknown.kind, UNKNOWN_SPLIT_DIGITS);
    assert.equal(unknown.heldOut, undefined, "no held-out set when the split is unknown");
    assert.throws(() => digitCentres({ data: "mnist-small" }, 3, 1, "net.json"), /records no integer dataProvenance/);
    assert.throws(() => digitCentres(meta, 7000, 1, "net.json"), /only 6000 digits/);
  });
});
