import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { RegionEnumerator } from "../src/count/engine.ts";
import { splitDigest } from "../src/count/task.ts";
import { parseOnnx } from "../src/io/onnx.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { uniformBox } from "../src/model/network.ts";
import { lpBounds } from "../src/tighten/lp.ts";
import { expectedOf, fixtureBytes } from "./helpers/fixtures.ts";

/**
 * The task split as the engine made it before it was cut into rooms (commit c4ee70b): checkpoints, study partials and
 * shard parts name tasks by position in this split and carry its digest, so a run written by that code resumes only
 * while these stay the same. LPs: those the split itself asks (one per cell it re-enters), with the kept empty-child
 * certificates of #33 off (they only save LPs); with them on, the same split with at most as many LPs.
 */
const SPLITS = [
  { name: "random-3-6-6-6-s4", splitUnit: 15, tasks: 327, digest: "df414919de11eee0", lps: 1884 },
  { name: "random-2-32-32-s5", splitUnit: 24, tasks: 263, digest: "d54993c99b1ce21c", lps: 1612 },
  { name: "mnist-10-12-s1", splitUnit: 8, tasks: 256, digest: "0eb59845dc957b2a", lps: 135 },
];

describe("task split (what checkpoints resume from)", () => {
  it("the fixtures' splits keep their depth, task count, digest and LP count (LP bounds, default options)", async () => {
    const highs = await loadHighs();
    const exact = highsMarginSolver(highs);
    for (const want of SPLITS) {
      const e = expectedOf(want.name);
      const net = parseOnnx(fixtureBytes(want.name), want.name);
      const box = uniformBox(net.inputDim, e.box[0], e.box[1]);
      const bounds = lpBounds(net, box, highs);
      const enumerator = new RegionEnumerator(net, { box, bounds, exact, belowCertificates: false });
      const { splitUnit, tasks } = enumerator.splitTasks();
      const got = { name: want.name, splitUnit, tasks: tasks.length, digest: splitDigest(tasks), lps: enumerator.stats.lps };
      assert.deepEqual(got, want);
      const withCertificates = new RegionEnumerator(net, { box, bounds, exact });
      const split = withCertificates.splitTasks();
      assert.equal(split.splitUnit, want.splitUnit);
      assert.equal(splitDigest(split.tasks), want.digest, "kept certificates leave the split unchanged");
      assert.ok(withCertificates.stats.lps <= want.lps, "kept certificates only save LPs");
    }
  });
});

describe("folder layering of the engine", () => {
  it("src/lp imports nothing from src/count (the LP layer sits below the counting engine)", () => {
    const dir = new URL("../src/lp/", import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(file, dir), "utf8");
      assert.doesNotMatch(text, /from\s+["']\.\.\/count\//, `src/lp/${file} imports from src/count/`);
    }
  });
});
