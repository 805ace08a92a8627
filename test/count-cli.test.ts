import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, before } from "node:test";
import { saveModel } from "../src/io/load.ts";
import { applyAffine, evaluate, forward, patternToString } from "../src/model/evaluate.ts";
import { uniformBox, type Network } from "../src/model/network.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { fixtureBytes, fixturePath, repoRoot } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-count-"));
/** A 3-input net with several thousand regions: big enough to interrupt, small enough for a test. */
const medium = join(dir, "medium.json");
let mediumNet: Network;

before(async () => {
  mediumNet = randomNet(42, 3, [20, 20]);
  await saveModel(mediumNet, medium, uniformBox(3, -1, 1));
});

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("tessera count", () => {
  it("counts the bundled example and prints regions, stableUnits, lps, seconds with --json", async () => {
    const r = await runCli(["count", "examples/random-2-32-32-s5.onnx", "--json", "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    const out = json(r.stdout);
    assert.equal(out.regions, 1557);
    for (const key of ["stableUnits", "lps", "seconds"]) assert.equal(typeof out[key], "number", key);
    assert.equal(out.complete, true);
  });

  it("--regions writes one line per region: its point has its pattern and the affine map is the network there", async () => {
    const out = join(dir, "regions.jsonl");
    const r = await runCli(["count", fixturePath("random-2-8-8-s1"), "--regions", out, "--affine", "--json", "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    const net = parseOnnx(fixtureBytes("random-2-8-8-s1"), "f");
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 111);
    assert.equal(new Set(lines.map((l) => l.pattern)).size, 111);
    for (const l of lines) {
      assert.equal(patternToString(evaluate(net, l.point).pattern), l.pattern);
      assert.ok(l.radius > 1e-8);
      const map = { rows: l.affine.J.length, cols: 2, J: Float64Array.from(l.affine.J.flat()), c: Float64Array.from(l.affine.c) };
      const y = forward(net, l.point), z = applyAffine(map, l.point);
      for (let k = 0; k < y.length; k++) assert.ok(Math.abs(y[k] - z[k]) < 1e-9);
    }
  });

  it("--verify checks the partition and reports ok", async () => {
    const r = await runCli(["count", fixturePath("random-2-16-s2"), "--verify", "--verify-samples", "5000", "--json", "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    const v = json(r.stdout).verify as { ok: boolean; regions: number };
    assert.equal(v.ok, true);
    assert.equal(v.regions, 95);
  });

  it("a run killed with SIGTERM writes its checkpoint, and --resume finishes with the uninterrupted count and regions", async () => {
    const full = await runCli(["count", medium, "--json", "--no-progress"]);
    assert.equal(full.code, 0, full.stderr);
    const total = json(full.stdout).regions as number;

    const cp = join(dir, "run.ckpt"), out = join(dir, "run.jsonl");
    const child = spawn(
      process.execPath,
      [join(repoRoot, "bin/tessera.mjs"), "count", medium, "--checkpoint", cp, "--checkpoint-every", "0.05", "--regions", out, "--json", "--no-progress"],
      { cwd: repoRoot },
    );
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
    // Wait until the checkpoint shows finished work, then interrupt.
    let killed = false;
    for (let i = 0; i < 600 && !killed; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (!existsSync(cp)) continue;
      try {
        const state = JSON.parse(readFileSync(cp, "utf8")) as { done: unknown[] };
        if (state.done.filter(Boolean).length >= 3) {
          child.kill("SIGTERM");
          killed = true;
        }
      } catch {
        // The checkpoint is replaced atomically; a read can still race with the rename: try again.
      }
    }
    assert.ok(killed, "the run finished before it could be interrupted");
    const code = await exited;
    if (code === 0) return; // finished in the instant between the check and the signal: nothing to resume
    assert.equal(code, 143);
    const partial = json(stdout);
    assert.equal(partial.complete, false);
    assert.ok((partial.regions as number) < total);

    const resumed = await runCli(["count", medium, "--resume", cp, "--regions", out, "--json", "--no-progress"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(json(resumed.stdout).regions, total);
    const patterns = readFileSync(out, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { pattern: string }).pattern);
    assert.equal(patterns.length, total);
    assert.equal(new Set(patterns).size, total);
  });

  it("bad options and inputs give one line and exit code 2", async () => {
    const boxFile = join(dir, "box.json");
    writeFileSync(boxFile, JSON.stringify({ lo: [0, 0, 0], hi: [1, 1, 1] }));
    const otherCp = join(dir, "other.ckpt");
    const first = await runCli(["count", fixturePath("random-2-8-8-s1"), "--checkpoint", otherCp, "--json", "--no-progress"]);
    assert.equal(first.code, 0, first.stderr);
    const cases: [string[], RegExp][] = [
      [["count", "examples/random-2-32-32-s5.onnx", "--box", "1,0"], /lo must be smaller/],
      [["count", "examples/random-2-32-32-s5.onnx", "--box", "a,b"], /two finite numbers/],
      [["count", "examples/random-2-32-32-s5.onnx", "--workers", "0"], /--workers/],
      [["count", "examples/random-2-32-32-s5.onnx", "--threshold", "2"], /--threshold/],
      [["count", "examples/random-2-32-32-s5.onnx", "--affine"], /--affine needs --regions/],
      [["count", "examples/random-2-32-32-s5.onnx", "--box-file", boxFile], /3 entries, the model takes 2/],
      [["count", "examples/random-2-32-32-s5.onnx", "--tightening", "magic"], /--tightening/],
      [["count", "examples/random-2-32-32-s5.onnx", "--resume", otherCp], /different model/],
      [["count", join(dir, "missing.onnx")], /no such file/],
      [["count", "examples/random-2-32-32-s5.onnx", "--plain", "--method", "milp"], /--plain is the engine's plain search/],
      [["count", "examples/random-2-32-32-s5.onnx", "--plain", "--queue", "redis://127.0.0.1:1/0", "--job", "j"], /--queue does not take --plain/],
      [["count", fixturePath("random-2-8-8-s1"), "--plain", "--resume", otherCp], /checkpoint made without --plain/],
    ];
    const results = await runCliAll(cases.map((c) => c[0]), 3);
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i][0].join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], cases[i][1]);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  });
});
