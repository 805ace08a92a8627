import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { serraOptions } from "../../src/cli/commands/study.ts";
import { loadModel } from "../../src/io/load.ts";
import { countRegionsMilp } from "../../src/milp/count.ts";
import { networkFingerprint } from "../../src/model/fingerprint.ts";
import { runSerraStudy } from "../../src/study/serra2018.ts";
import type { NetworkRecord } from "../../src/study/table.ts";
import { runCli } from "../helpers/cli.ts";
import { repoRoot } from "../helpers/fixtures.ts";
import { redisSkip, spawnCli, startRedis } from "../distributed-helpers.ts";
import { jobKeys } from "../../src/distributed/job-keys.ts";
import { studyQueueJobName } from "../../src/study/queue-runner.ts";

// The --quick study through the real CLI (the reduced study CI runs): 4 configurations × 2 networks. It is killed
// with SIGKILL once a network is stored, then rerun to completion; the tests below reuse its directory.
const dir = join(mkdtempSync(join(tmpdir(), "tessera-study-")), "quick");
const resultsDir = join(dir, "results");
const quickArgs = ["study", "serra2018", "--quick", "--dir", dir, "--workers", "2", "--no-progress"];
const readRecord = (id: string) => JSON.parse(readFileSync(join(resultsDir, `${id}.json`), "utf8")) as NetworkRecord;

/** Start the CLI and SIGKILL it as soon as `results/` holds a finished network; resolves with the results then. */
function runAndKill(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/tessera.mjs"), ...quickArgs], { stdio: "ignore" });
    let stored: string[] = [];
    const poll = setInterval(() => {
      stored = existsSync(resultsDir) ? readdirSync(resultsDir).filter((n) => n.endsWith(".json")) : [];
      if (stored.length > 0) {
        clearInterval(poll);
        child.kill("SIGKILL");
      }
    }, 100);
    child.on("error", reject);
    child.on("exit", () => {
      clearInterval(poll);
      resolve(stored);
    });
  });
}

describe("tessera study serra2018 --quick", () => {
  let storedBeforeKill: string[] = [];
  let rerun: Awaited<ReturnType<typeof runCli>>;
  before(async () => {
    storedBeforeKill = await runAndKill();
    rerun = await runCli(quickArgs);
  });

  it("a killed study resumes: the rerun keeps the networks stored before the kill and finishes the rest", () => {
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.ok(storedBeforeKill.length >= 1 && storedBeforeKill.length < 8, `stored before the kill: ${storedBeforeKill.length}`);
    const m = /(\d+) networks run now, (\d+) found finished; 8 of 8 done/.exec(rerun.stdout);
    assert.ok(m, rerun.stdout);
    assert.ok(Number(m[2]) >= storedBeforeKill.length);
    assert.equal(Number(m[1]) + Number(m[2]), 8);
  });

  it("the killed and rerun study has exactly the table of an uninterrupted run (table.csv holds no timings)", async () => {
    const fresh = join(mkdtempSync(join(tmpdir(), "tessera-study-fresh-")), "quick");
    const whole = await runCli(["study", "serra2018", "--quick", "--dir", fresh, "--workers", "2", "--no-progress"]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(readFileSync(join(dir, "table.csv"), "utf8"), readFileSync(join(fresh, "table.csv"), "utf8"));
    const counts = (d: string) => readFileSync(join(d, "networks.csv"), "utf8").trim().split("\n").map((l) => l.split(",").slice(0, 7).join(","));
    assert.deepEqual(counts(dir), counts(fresh));
  });

  it("every count lies between the digits' distinct patterns and the stable-unit bound, which is at most the rectifier bound", () => {
    const names = readdirSync(resultsDir).filter((n) => n.endsWith(".json"));
    assert.equal(names.length, 8);
    for (const n of names) {
      const r = readRecord(n.replace(/\.json$/, ""));
      assert.deepEqual(r.problems, []);
      assert.equal(r.probes, 10000);
      assert.equal(r.probePatternsMissed, 0, `${r.id}: every digit pattern is a counted region`);
      assert.ok(r.regions >= r.probePatterns, r.id);
      assert.ok(BigInt(r.regions) <= BigInt(r.bounds.serra2018Stable), r.id);
      assert.ok(BigInt(r.bounds.serra2018Stable) <= BigInt(r.bounds.serra2018), r.id);
      assert.equal(r.bounds.montufar2014, String(2 ** 22));
    }
  });

  it("writes the table (Markdown, CSV), the per-network CSV, the correlation tables and the three figures as SVG and PNG", () => {
    const csv = readFileSync(join(dir, "table.csv"), "utf8").trim().split("\n");
    assert.deepEqual(csv.slice(1).map((l) => l.split(",").slice(0, 3).join(",")), ["1,21,2", "2,20,2", "3,19,2", "4,18,2"]);
    assert.match(readFileSync(join(dir, "table.md"), "utf8"), /Spearman's ρ .* over all 8 networks, train -?\d\.\d{3}, test -?\d\.\d{3}; over the 4 networks with no hidden layer narrower than 3 units/);
    assert.match(readFileSync(join(dir, "correlations.md"), "utf8"), /\| 3 \| 4 \| 3–4 \|/);
    for (const name of ["regions-vs-bounds", "error-vs-regions", "test-error-vs-regions"]) {
      assert.match(readFileSync(join(dir, `${name}.svg`), "utf8"), /^<svg[\s\S]*<\/svg>\s*$/);
      assert.deepEqual([...readFileSync(join(dir, `${name}.png`)).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    }
  });

  it("after deleting one network's result a rerun retrains only that network: same weights, same count, same table; one more rerun does nothing", async () => {
    const id = "n1-03_n2-19_seed-02";
    const before = readRecord(id);
    const table = readFileSync(join(dir, "table.csv"), "utf8");
    rmSync(join(resultsDir, `${id}.json`));
    const options = { ...serraOptions({ quick: true, dir, batch: "64", lr: "0.001", threshold: "1e-8", workers: "0", progress: false }) };
    const again = await runSerraStudy(options);
    assert.deepEqual(again.ran, [id]);
    assert.equal(again.skipped, 7);
    const after = readRecord(id);
    assert.equal(after.fingerprint, before.fingerprint, "retrained from its seed: bit-identical weights");
    assert.equal(after.regions, before.regions);
    assert.equal(after.trainError, before.trainError);
    assert.equal(networkFingerprint((await loadModel(join(dir, "networks", `${id}.json`))).network), before.fingerprint);
    assert.equal(readFileSync(join(dir, "table.csv"), "utf8"), table);
    const noop = await runSerraStudy(options);
    assert.deepEqual(noop.ran, []);
    assert.equal(noop.skipped, 8);
    assert.equal(readFileSync(join(dir, "table.csv"), "utf8"), table);
  });

  it("records its run in runs.json from the start, so a run killed before any network finishes keeps its time", async () => {
    const d = join(mkdtempSync(join(tmpdir(), "tessera-study-run-")), "quick");
    const runsFile = join(d, "runs.json");
    const child = spawn(process.execPath, [join(repoRoot, "bin/tessera.mjs"), "study", "serra2018", "--quick", "--dir", d, "--no-progress"], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const poll = setInterval(() => {
      if (existsSync(runsFile)) child.kill("SIGKILL");
    }, 50);
    await exited;
    clearInterval(poll);
    const runs = JSON.parse(readFileSync(runsFile, "utf8")) as { networks: number; complete: boolean; seconds: number }[];
    assert.equal(runs.length, 1);
    assert.equal(runs[0].networks, 0);
    assert.equal(runs[0].complete, false);
    assert.ok(runs[0].seconds >= 0);
    rmSync(d, { recursive: true, force: true });
  });

  it("a corrupt runs.json is a one-line error naming it, and the study exits (its worker threads closed)", async () => {
    const d = join(mkdtempSync(join(tmpdir(), "tessera-study-runs-")), "quick");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "runs.json"), "{not json");
    const r = await runCli(["study", "serra2018", "--quick", "--dir", d, "--workers", "1", "--no-progress"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tessera: .*runs\.json: not valid JSON/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    rmSync(d, { recursive: true, force: true });
  });

  it("refuses to resume a directory made with other settings", async () => {
    const options = serraOptions({ quick: true, dir, epochs: "3", batch: "64", lr: "0.001", threshold: "1e-8", workers: "0", progress: false });
    await assert.rejects(runSerraStudy(options), /holds a study made with other settings \(epochs: 5 ≠ 3\)/);
  });

  it("the engine's count equals the MILP method's count (Serra et al. 2018, Section 4) on the small trained configurations", async () => {
    for (const id of ["n1-01_n2-21_seed-01", "n1-02_n2-20_seed-01"]) {
      const model = await loadModel(join(dir, "networks", `${id}.json`));
      const milp = await countRegionsMilp(model.network, { box: model.domain! });
      assert.equal(milp.regions, readRecord(id).regions, id);
    }
  });
});

describe("tessera study serra2018 --queue", { skip: redisSkip() }, () => {
  // A timeout, so that a dead worker fails the test instead of leaving the study waiting for ever.
  it("networks counted by a `tessera worker` process through Redis get the in-process counts, fingerprints and bounds", { timeout: 600_000 }, async () => {
    const redis = await startRedis();
    const worker = spawnCli(["worker", "--queue", redis.url(), "--concurrency", "1"]);
    try {
      const qdir = join(mkdtempSync(join(tmpdir(), "tessera-study-queue-")), "quick");
      const res = await runCli(["study", "serra2018", "--quick", "--configs", "2..3", "--nets", "1", "--dir", qdir, "--queue", redis.url(), "--no-progress"]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /2 networks run now, 0 found finished; 2 of 2 done/);
      for (const id of ["n1-02_n2-20_seed-01", "n1-03_n2-19_seed-01"]) {
        const local = readRecord(id);
        const viaQueue = JSON.parse(readFileSync(join(qdir, "results", `${id}.json`), "utf8")) as NetworkRecord;
        assert.equal(viaQueue.fingerprint, local.fingerprint, `${id}: same weights`);
        assert.equal(viaQueue.regions, local.regions, `${id}: same count`);
        assert.deepEqual(viaQueue.bounds, local.bounds, `${id}: same bounds`);
        assert.equal(viaQueue.probePatterns, local.probePatterns);
        assert.equal(viaQueue.probePatternsMissed, null, "workers report counts, not patterns");
        assert.deepEqual(viaQueue.problems, []);
      }
      // Run again: nothing left to do, no new queue job.
      const again = await runCli(["study", "serra2018", "--quick", "--configs", "2..3", "--nets", "1", "--dir", qdir, "--queue", redis.url(), "--no-progress"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /0 networks run now, 2 found finished/);
      // A network whose record is lost is retrained to the same weights and takes over its finished queue job.
      const id = "n1-03_n2-19_seed-01";
      const first = JSON.parse(readFileSync(join(qdir, "results", `${id}.json`), "utf8")) as NetworkRecord;
      rmSync(join(qdir, "results", `${id}.json`));
      const retaken = await runCli(["study", "serra2018", "--quick", "--configs", "2..3", "--nets", "1", "--dir", qdir, "--queue", redis.url(), "--no-progress"]);
      assert.equal(retaken.code, 0, retaken.stderr);
      assert.match(retaken.stdout, /1 networks run now, 1 found finished/);
      const second = JSON.parse(readFileSync(join(qdir, "results", `${id}.json`), "utf8")) as NetworkRecord;
      assert.equal(second.regions, first.regions);
      // The record keeps the job's own time (publication to end), not just the second coordinator's short wait.
      const meta = await redis.client().hgetall(jobKeys(studyQueueJobName({ n1: 3, n2: 19, seed: 1, id }, first.fingerprint, first.threshold)).meta);
      const jobSeconds = (Number(meta.finished) - Number(meta.created)) / 1000;
      assert.ok(jobSeconds > 0 && second.countSeconds >= jobSeconds, `${second.countSeconds} s recorded, the job took ${jobSeconds} s`);
      const bad = await runCli(["study", "serra2018", "--quick", "--dir", qdir, "--queue", "http://x"]);
      assert.notEqual(bad.code, 0);
      assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    } finally {
      worker.proc.kill("SIGKILL");
      await redis.stop();
    }
  });
});
