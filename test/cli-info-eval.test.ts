import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "./helpers/cli.ts";
import { closeRelative, expectedOf, fixturePath, repoRoot } from "./helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertSample(stdout: string, sample: { y: number[]; pattern: string }): void {
  const result = JSON.parse(stdout) as { output: number[]; pattern: string };
  assert.deepEqual(Object.keys(result).sort(), ["output", "pattern"]);
  assert.equal(result.output.length, sample.y.length);
  result.output.forEach((v, i) => assert.ok(closeRelative(v, sample.y[i]), `${v} vs ${sample.y[i]}`));
  assert.equal(result.pattern, sample.pattern);
}

describe("tessera info", () => {
  it("mnist-10-12-s1.onnx: 784 → 10 → 12 → 10 with ReLU, 22 hidden units, 8,112 parameters", async () => {
    const r = await runCli(["info", fixturePath("mnist-10-12-s1")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /784 → 10 → 12 → 10/);
    assert.match(r.stdout, /activation\s+ReLU/);
    assert.match(r.stdout, /hidden units\s+22/);
    // 784·10 + 10 + 10·12 + 12 + 12·10 + 10
    assert.match(r.stdout, /parameters\s+8,112/);
  });

  it("--json gives the architecture, per-layer activations and counts", async () => {
    const r = await runCli(["info", fixturePath("mnist-10-12-s1"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.format, "onnx");
    assert.equal(info.inputDim, 784);
    assert.deepEqual(info.architecture, [784, 10, 12, 10]);
    assert.deepEqual(info.layers.map((l: { activation: { kind: string } }) => l.activation.kind), ["relu", "relu", "identity"]);
    assert.equal(info.hiddenUnits, 22);
    assert.equal(info.parameters, 8112);
  });
});

describe("tessera eval", () => {
  it("random-2-16-s2: --x with a negative coordinate gives numpy's output and the stored pattern", async () => {
    const sample = expectedOf("random-2-16-s2").samples[0];
    const r = await runCli(["eval", fixturePath("random-2-16-s2"), "--x", sample.x.join(","), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assertSample(r.stdout, sample);
  });

  it("mnist-10-12-s1: 784 numbers from --x-file (JSON array, and whitespace-separated) give numpy's output", async () => {
    const sample = expectedOf("mnist-10-12-s1").samples[2];
    const jsonFile = join(dir, "x.json");
    const textFile = join(dir, "x.txt");
    writeFileSync(jsonFile, JSON.stringify(sample.x));
    writeFileSync(textFile, sample.x.join("\n"));
    for (const file of [jsonFile, textFile]) {
      const r = await runCli(["eval", fixturePath("mnist-10-12-s1"), "--x-file", file, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assertSample(r.stdout, sample);
    }
  });

  it("text output shows the output and the pattern grouped by layer", async () => {
    const sample = expectedOf("random-3-6-6-6-s4").samples[1];
    const r = await runCli(["eval", fixturePath("random-3-6-6-6-s4"), "--x", sample.x.join(",")]);
    assert.equal(r.code, 0, r.stderr);
    const groups = [sample.pattern.slice(0, 6), sample.pattern.slice(6, 12), sample.pattern.slice(12)].join(" ");
    assert.match(r.stdout, new RegExp(`^pattern  ${groups}  \\(18 hidden units`, "m"));
  });

  it("a wrong input length is one line on stderr naming the model, exit 2", async () => {
    const r = await runCli(["eval", fixturePath("random-2-16-s2"), "--x", "1,2,3"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `tessera: --x: 3 coordinates given, ${fixturePath("random-2-16-s2")} takes 2\n`);
  });
});

describe("tessera convert", () => {
  it("ONNX → Tessera JSON and → TF.js give the same eval output as the ONNX file", async () => {
    const name = "random-1-8-8-s3";
    const sample = expectedOf(name).samples[3];
    const jsonOut = join(dir, "conv", "net.json");
    const tfOut = join(dir, "conv", "tf");
    const a = await runCli(["convert", fixturePath(name), "--to", "json", "--out", jsonOut]);
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(["convert", jsonOut, "--to", "tfjs", "--out", tfOut]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /model\.json and .*weights\.bin/);
    for (const model of [jsonOut, tfOut]) {
      const r = await runCli(["eval", model, "--x", sample.x.join(","), "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assertSample(r.stdout, sample);
    }
  });

  it("the bundled example examples/random-2-32-32-s5.onnx evaluates to its expected samples", async () => {
    const expected = (await import(join(repoRoot, "examples/random-2-32-32-s5.expected.json"), { with: { type: "json" } })).default;
    const sample = expected.samples[0];
    const r = await runCli(["eval", "examples/random-2-32-32-s5.onnx", "--x", sample.x.join(","), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assertSample(r.stdout, sample);
  });
});
