import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadModel } from "../src/io/load.ts";
import { hiddenWidths } from "../src/model/network.ts";
import { resolveTraining, type TrainFlags } from "../src/cli/commands/train.ts";
import { UsageError } from "../src/util/errors.ts";
import { runCli } from "./helpers/cli.ts";
import { trainMlp } from "../src/train/mlp.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-train-"));

describe("tessera train", () => {
  it("writes Tessera JSON with the planar domain and the training metadata, and prints one line per epoch", async () => {
    const out = join(dir, "xor.json");
    const r = await runCli(["train", "--data", "xor", "--arch", "2,8,8,2", "--epochs", "3", "--lr", "0.01", "--seed", "4", "--out", out, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim().split("\n").filter((l) => /^epoch \d\/3: train loss/.test(l)).length, 3, r.stderr);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    const model = await loadModel(out);
    assert.deepEqual(hiddenWidths(model.network), [8, 8]);
    assert.deepEqual([...model.domain!.lo, ...model.domain!.hi], [-1, -1, 1, 1]);
    const m = model.metadata!;
    for (const key of ["data", "arch", "seed", "epochs", "lr", "batch", "trainLoss", "trainError", "testLoss", "testError", "seconds"]) {
      assert.ok(key in m, `metadata has ${key}`);
      assert.deepEqual(m[key], printed[key], key);
    }
    assert.equal(m.arch, "2,8,8,2");
    assert.equal(m.seed, 4);
  });

  it("trains from a CSV file (classes from the labels, 20 % held out)", async () => {
    const csv = join(dir, "points.csv");
    const lines = ["x,y,label"];
    for (let i = 0; i < 40; i++) lines.push(`${(i % 7) / 7},${(i % 5) / 5},${i % 2 ? "a" : "b"}`);
    writeFileSync(csv, lines.join("\n"));
    const base: TrainFlags = { data: `csv:${csv}`, arch: "2,3,2", epochs: "1", batch: "64", lr: "0.001", activation: "relu", init: "glorot", seed: "1", dataSeed: "1", noise: "0", samples: "500" };
    const { data, options } = await resolveTraining(base);
    assert.equal(data.train.count, 32);
    assert.equal(data.test.count, 8);
    const r = await trainMlp(data, options);
    assert.deepEqual(hiddenWidths(r.network), [3]);
  });

  it("checks every option before training: one-line errors naming the flag or the file", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "x,y,label\n0,1,a\n0,oops,b\n");
    const base: TrainFlags = { epochs: "1", batch: "64", lr: "0.001", activation: "relu", init: "glorot", seed: "1", dataSeed: "1", noise: "0", samples: "500" };
    const cases: [Partial<TrainFlags>, RegExp][] = [
      [{ data: "mnist", arch: "784,10,12,9" }, /last entry must be the class count 10/],
      [{ data: "spiral", arch: "3,8,2" }, /first entry must be the data's input dimension 2/],
      [{ data: "spiral", arch: "2,2" }, /at least one hidden width/],
      [{ data: "spiral", arch: "2,0,2" }, /entry 2 is 0/],
      [{ data: "moons", arch: "2,8,2" }, /--data "moons": expected one of mnist, mnist-small, circle/],
      [{ arch: "2,8,2" }, /--data mnist\|mnist-small\|circle/],
      [{ data: "spiral", arch: "2,8,2", lr: "-1" }, /--lr "-1"/],
      [{ data: "spiral", arch: "2,8,2", epochs: "x" }, /--epochs "x"/],
      [{ data: "spiral", arch: "2,8,2", noise: "NaN" }, /--noise "NaN"/],
      [{ data: `csv:${join(dir, "missing.csv")}`, arch: "2,8,2" }, /missing\.csv: no such file/],
      [{ data: `csv:${bad}`, arch: "2,8,2" }, /bad\.csv: line 3: y "oops" is not a finite number/],
    ];
    for (const [flags, message] of cases) {
      await assert.rejects(resolveTraining({ ...base, ...flags }), (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes("\n"), JSON.stringify(flags));
    }
  });

  it("exits with code 2 and one line on stderr for bad input", async () => {
    const r = await runCli(["train", "--data", "spiral", "--arch", "2,8,3", "--out", join(dir, "bad.json")]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'tessera: --arch "2,8,3": the last entry must be the class count 2 (spiral), got 3\n');
  });
});
