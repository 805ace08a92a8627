import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { isUnitEdge, planarPartition } from "../src/geometry/partition.ts";
import { dynamicsCentres, dynamicsCsv, runDynamicsStudy, RANDOM_POINTS, TRAINING_POINTS, type DynamicsRow } from "../src/study/dynamics.ts";
import { loadTrainingData } from "../src/train/data.ts";
import { resolveTrainOptions } from "../src/train/mlp.ts";
import { mean, median } from "../src/util/stats.ts";
import { insideConvex, polygonDistance, segmentDistance } from "./helpers/local-oracle.ts";

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "..", "bin", "tessera.mjs");

/** Agreement of two computations of one distance (float64 rounding in two different formulas). */
const DISTANCE_TOLERANCE = 1e-9;

const withoutSeconds = (rows: DynamicsRow[]) => rows.map(({ seconds: _, ...r }) => r);

describe("study dynamics", () => {
  const data = loadTrainingData("circle", { noise: 0.1, points: 200 });
  const train = resolveTrainOptions({ hidden: [6, 6], epochs: 2, batch: 32, lr: 0.02, seed: 3 });
  const study = { points: 12, radius: 0.15, seed: 3 };

  it("one row per epoch (initialisation included) and kind of point, and the same rows on every run of a seed", async () => {
    const a = await runDynamicsStudy(data, train, study);
    const b = await runDynamicsStudy(data, train, study);
    assert.equal(a.rows.length, (train.epochs + 1) * 2);
    assert.deepEqual(a.rows.map((r) => [r.epoch, r.kind]), [0, 1, 2].flatMap((e) => [[e, TRAINING_POINTS], [e, RANDOM_POINTS]]));
    assert.deepEqual(withoutSeconds(a.rows), withoutSeconds(b.rows));
    for (const r of a.rows) {
      assert.equal(r.points, study.points);
      assert.ok(r.distance.q1 <= r.distance.median && r.distance.median <= r.distance.q3);
      assert.ok(r.regions.q1 >= 1, "every ball meets at least its centre's region");
      assert.ok(r.regions.lo <= r.regions.mean && r.regions.mean <= r.regions.hi, "the bootstrap interval holds the mean");
      assert.ok(r.bound.mean >= r.regions.mean && r.bound.median >= r.regions.median, "the local upper bound is above the exact count");
    }
    for (const ball of a.balls) assert.ok(ball.bound !== null && ball.bound >= BigInt(ball.regions), "local bound ≥ exact count in every ball");
    assert.equal(a.balls.length, (train.epochs + 1) * 2 * study.points);
    assert.equal(dynamicsCsv(a.rows).trim().split("\n").length, a.rows.length + 1);
  });

  it("the last epoch's distances and ball counts equal those read off the exact planar partition (second method)", async () => {
    const { rows, network } = await runDynamicsStudy(data, train, study);
    const { lo, hi } = data.domain;
    // Ball counts are over ball ∩ domain: the partition of the domain itself.
    const inDomain = planarPartition(network, { umin: lo[0], umax: hi[0], vmin: lo[1], vmax: hi[1] });
    // Distances are to the hidden units' hyperplanes, wherever they meet the region: a window far larger than the
    // domain, so that the nearest unit edge of the centre's polygon is inside it.
    const W = 50;
    const wide = planarPartition(network, { umin: -W, umax: W, vmin: -W, vmax: W });
    for (const set of dynamicsCentres(data, study.points, study.seed)) {
      const distances: number[] = [], counts: number[] = [];
      for (const [px, py] of set.points) {
        const own = wide.regions.concat(wide.slivers).find((r) => insideConvex(r.polygon, px, py));
        assert.ok(own, "the centre lies in a polygon of the partition");
        let d = Infinity;
        const p = own.polygon, n = p.length / 2;
        for (let i = 0; i < n; i++) {
          if (!isUnitEdge(own.edges[i])) continue;
          const j = (i + 1) % n;
          d = Math.min(d, segmentDistance(px, py, p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1], "2"));
        }
        assert.ok(d < W / 2, "the nearest unit edge is well inside the window");
        distances.push(d);
        counts.push(inDomain.regions.filter((r) => polygonDistance(r.polygon, px, py, "2") < study.radius).length);
      }
      const row = rows.find((r) => r.epoch === train.epochs && r.kind === set.kind)!;
      assert.ok(Math.abs(row.distance.median - median(distances)) < DISTANCE_TOLERANCE, `${set.kind}: median distance`);
      assert.ok(Math.abs(row.distance.mean - mean(distances)) < DISTANCE_TOLERANCE, `${set.kind}: mean distance`);
      assert.equal(row.regions.median, median(counts), `${set.kind}: median count`);
      assert.ok(Math.abs(row.regions.mean - mean(counts)) < 1e-12, `${set.kind}: mean count`);
    }
  });

  it("the CLI writes the table and both figures, and rejects a bad radius with one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-dynamics-"));
    const { stdout } = await run(process.execPath, [CLI, "study", "dynamics", "--data", "xor", "--arch", "2,4,2", "--epochs", "1", "--points", "5", "--dir", dir, "--no-progress"]);
    assert.match(stdout, /\| 1 \| uniform random points \| 5 \|/);
    for (const f of ["table.md", "table.csv", "balls.csv", "dynamics-distance.svg", "dynamics-distance.png", "dynamics-regions.svg", "dynamics-regions.png"]) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    assert.match(readFileSync(join(dir, "dynamics-distance.svg"), "utf8"), /^<svg/);
    const bad = await run(process.execPath, [CLI, "study", "dynamics", "--data", "xor", "--arch", "2,4,2", "--radius", "-1", "--dir", dir]).then(
      () => assert.fail("a negative radius must fail"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--radius/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    const arch = await run(process.execPath, [CLI, "study", "dynamics", "--data", "xor", "--arch", "3,4,2", "--dir", dir]).then(
      () => assert.fail("a wrong input dimension must fail"),
      (e: { code: number; stderr: string }) => e,
    );
    assert.match(arch.stderr, /first entry must be the data's input dimension 2/);
  });
});
