import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Queue } from "bullmq";
import { JobLedger } from "../src/distributed/ledger.ts";
import { jobKeys, UNIT_QUEUE } from "../src/distributed/job-keys.ts";
import { enqueueUnits } from "../src/distributed/unit-queue.ts";
import { loadModel, saveModel } from "../src/io/load.ts";
import { uniformBox } from "../src/model/network.ts";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";
import { randomNet } from "./helpers/nets.ts";
import { redisSkip, runCliEnv, spawnCli, startRedis, waitFor, type Spawned, type TestRedis } from "./distributed-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-queue-"));
/** 4 inputs, 18 + 18 ReLUs: 56,514 regions, about two seconds of work, so that processes can be killed mid-run. */
const big = join(dir, "big.json");
/** Dead workers' units are taken over after about this long (seconds). */
const LOCK = "1";

let redis: TestRedis;
const workers: Spawned[] = [];
const startWorker = () => {
  const w = spawnCli(["worker", "--queue", redis.url(), "--concurrency", "1", "--lock-seconds", LOCK]);
  workers.push(w);
  return w;
};
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

/** Locally without redis-server: every suite here skips with the install line; in CI (CI=true) they fail at once. */
const skip = redisSkip();

before(async () => {
  if (skip) return;
  redis = await startRedis();
  await saveModel(randomNet(7, 4, [18, 18]), big, uniformBox(4, -1, 1));
});

after(async () => {
  for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.exited));
  await (redis as TestRedis | undefined)?.stop();
});

/** Every unit reachable from the seeds through split outcomes has exactly one outcome, and nothing else has one. */
async function checkBooks(job: string) {
  const r = redis.client();
  const ledger = new JobLedger(r, job);
  const outcomes = await ledger.outcomes();
  const seeds = (await r.hget(jobKeys(job).meta, "seeds"))!.split(",");
  const reached = new Set<string>();
  let regions = 0;
  const stack = [...seeds];
  while (stack.length) {
    const id = stack.pop()!;
    assert.ok(!reached.has(id), `unit ${id} reached twice`);
    reached.add(id);
    const o = outcomes.get(id);
    assert.ok(o, `unit ${id} has no outcome`);
    if (o.kind === "counted") regions += o.stats.regions;
    else stack.push(...o.children);
  }
  assert.deepEqual([...outcomes.keys()].sort(), [...reached].sort(), "outcomes only for units of the tree");
  const totals = await ledger.totals();
  return { regions, totals, outcomes, runs: await ledger.runs() };
}

describe("tessera count --queue with tessera worker processes", { skip }, () => {
  it("survives a SIGKILLed worker and a killed coordinator: the same totals as one process on several nets, each unit counted once", async () => {
    // Three workers wait on the queue before the job is published, so they share it from its first unit.
    const three = [startWorker(), startWorker(), startWorker()];
    await waitFor("three workers", () => three.every((w) => / on redis:/.test(w.stderr())));
    const single = runCli(["count", big, "--json", "--no-progress"]);
    const coordinator = spawnCli(["count", big, "--queue", redis.url(), "--job", "big", "--unit-seconds", "0.05", "--json", "--no-progress"]);
    const r = redis.client();
    const ledger = new JobLedger(r, "big");
    const queue = new Queue(UNIT_QUEUE, { connection: redis.client() });
    const running = async (w: Spawned) => (await queue.getActive()).some((j) => j.processedBy === `${hostname()}:${w.proc.pid}`);
    await waitFor("the first worker to run units, after some units are counted", async () =>
      (await r.hget(jobKeys("big").meta, "status")) === "running" && (await ledger.totals()).units >= 10 && (await running(three[0])));
    three[0].proc.kill("SIGKILL");
    startWorker();
    const spec = await r.hget(jobKeys("big").meta, "spec");
    const seeds = (JSON.parse(spec!) as { tasks: number }).tasks;
    await waitFor("a third of the job", async () => (await ledger.totals()).doneWeight >= seeds / 3);
    coordinator.proc.kill("SIGKILL");
    assert.equal(await coordinator.exited, null);
    const resumed = runCli(["count", big, "--queue", redis.url(), "--job", "big", "--resume", "--json", "--no-progress"]);
    // Meanwhile, other jobs on the same workers.
    const fixtures = ["random-2-32-32-s5", "random-3-6-6-6-s4", "random-2-16-s2"];
    const others = fixtures.map((f) => runCli(["count", fixturePath(f), "--queue", redis.url(), "--job", f, "--json", "--no-progress"]));
    const res = await resumed;
    assert.equal(res.code, 0, res.stderr);
    const one = await single;
    assert.equal(one.code, 0, one.stderr);
    const out = json(res.stdout);
    assert.equal(out.regions, json(one.stdout).regions);
    assert.equal(out.complete, true);
    assert.equal(out.stableUnits, json(one.stdout).stableUnits);
    const books = await checkBooks("big");
    assert.equal(books.regions, out.regions);
    assert.equal(books.totals.pending, 0);
    assert.ok(books.totals.splits > 0, "units longer than --unit-seconds split");
    // The killed worker held a unit (BullMQ hands the next unit out with the last one's completion): it was found
    // stalled, run again elsewhere, and recorded like every other.
    const events = await r.xrange(`bull:${UNIT_QUEUE}:events`, "-", "+");
    // (Only big's units: on a loaded machine, units of the other jobs below may stall too.)
    const stalled = events.filter(([, f]) => f[1] === "stalled" && f[3].startsWith("big.")).map(([, f]) => f[3]);
    assert.ok(stalled.length > 0, "a unit of the killed worker was taken over");
    for (const id of stalled) assert.ok(books.outcomes.has(id.slice("big.".length)), `stalled ${id} recorded`);
    await queue.close();
    for (const [i, f] of fixtures.entries()) {
      const o = await others[i];
      assert.equal(o.code, 0, o.stderr);
      assert.equal(json(o.stdout).regions, expectedOf(f).regions, f);
      assert.equal((await checkBooks(f)).regions, expectedOf(f).regions, f);
    }
  });

  it("the text output is a local count's, with the queue in the method line", async () => {
    const [q, local] = await Promise.all([
      runCli(["count", fixturePath("random-2-8-8-s1"), "--queue", redis.url(), "--job", "text", "--no-progress"]),
      runCli(["count", fixturePath("random-2-8-8-s1"), "--method", "engine", "--no-progress"]),
    ]);
    assert.equal(q.code, 0, q.stderr);
    const keys = (t: string) => t.trim().split("\n").map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(keys(q.stdout), keys(local.stdout));
    const line = (t: string, key: string) => t.split("\n").find((l) => l.startsWith(key));
    for (const key of ["model", "domain", "regions", "stable units"]) assert.equal(line(q.stdout, key), line(local.stdout, key));
    assert.match(line(q.stdout, "method")!, /queue job text on redis:\/\/127\.0\.0\.1:\d+\/0/);
  });

  it("a unit recorded twice counts once; a split after a count is refused", async () => {
    const ledger = new JobLedger(redis.client(), "books");
    await redis.client().hset(jobKeys("books").totals, "pending", 1);
    await redis.client().hset(jobKeys("books").weight, "01", 1); // a seed of the job
    const r = { regions: 5, lps: 7, witnessHits: 1, stepHits: 0, cellRefutations: 0, ambiguous: 0, lpFailures: 0 };
    assert.equal(await ledger.markCounted("01", r, 0.5), true);
    assert.equal(await ledger.markCounted("01", { ...r, regions: 6 }, 0.4), false);
    assert.equal(await ledger.markSplit("01", ["010", "011"], 0.1, 3), false);
    const t = await ledger.totals();
    assert.deepEqual([t.regions, t.lps, t.units, t.pending, t.splits, t.reruns], [5, 7, 1, 0, 0, 2]);
    assert.equal((await ledger.runs()).get("01"), 3);
    // A unit outside the job's tree (no weight: not a seed, not a recorded split's child) changes nothing (#29).
    await assert.rejects(ledger.markCounted("0", r, 0.5), (e: Error) => e.name === "MalformedUnitError" && /not a unit of the job's task tree/.test(e.message));
    await assert.rejects(ledger.markSplit("0", ["00", "01"], 0.1, 3), (e: Error) => e.name === "MalformedUnitError");
    assert.deepEqual(await ledger.totals(), t);
  });

  it("a malformed unit goes to the failed set with a one-line reason, and the worker keeps counting", async () => {
    const queue = new Queue(UNIT_QUEUE, { connection: redis.client() });
    const bad = [
      { name: "junk", data: { hello: "world" } },
      { name: "nojob", data: { job: "no-such-job", id: "01", task: "01", depth: 0 } },
      { name: "big", data: { job: "big", id: "01", task: "0", depth: 0 } },
      { name: "big", data: { job: "big", id: "9", task: "9", depth: 0 } },
      // Well-formed, but outside the job's task tree (an ancestor of half its seeds): it must not count (#29).
      { name: "big", data: { job: "big", id: "1", task: "1", depth: 0 } },
    ];
    const jobs = await queue.addBulk(bad.map((b, i) => ({ ...b, opts: { jobId: `bad-${i}`, attempts: 3 } })));
    await waitFor("the malformed units to fail", async () => (await Promise.all(jobs.map((j) => queue.getJobState(j.id!)))).every((s) => s === "failed"));
    const reasons = await Promise.all(jobs.map(async (j) => (await queue.getJob(j.id!))!.failedReason));
    assert.match(reasons[0], /malformed unit: .*job/);
    assert.match(reasons[1], /job no-such-job is not on this queue/);
    assert.match(reasons[2], /id "01" is not its task prefix/);
    assert.match(reasons[3], /decides unit 0 as 9, which has 2 pieces/);
    assert.match(reasons[4], /malformed unit: "1" is not a unit of job big's task tree/);
    for (const j of jobs) assert.equal((await queue.getJob(j.id!))!.attemptsMade, 1, "rejected without retries");
    const logged = workers.map((w) => w.stderr()).join("");
    for (const i of [0, 1, 2, 3, 4]) assert.match(logged, new RegExp(`unit bad-${i} failed: malformed unit|unit bad-${i} failed: job`));
    // A re-enqueued unit that already has an outcome is not counted again.
    const before = await new JobLedger(redis.client(), "big").totals();
    const seed = (await redis.client().hget(jobKeys("big").meta, "seeds"))!.split(",")[0];
    await enqueueUnits(queue, "big", [seed], 0);
    const after = await runCli(["count", fixturePath("random-2-16-s2"), "--queue", redis.url(), "--job", "after-bad", "--json", "--no-progress"]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(json(after.stdout).regions, expectedOf("random-2-16-s2").regions);
    assert.ok(workers.slice(1).some((w) => w.proc.exitCode === null), "workers still running");
    await waitFor("the re-enqueued unit to be taken", async () => (await queue.getJobState(`big.${seed}`)) !== "waiting");
    assert.deepEqual(await new JobLedger(redis.client(), "big").totals(), before);
    await queue.close();
  });

  it("refuses a second job of the same name, an unknown job, and a resume with another model, each in one line", async () => {
    const { CountQueue } = await import("../src/distributed/count-queue.ts");
    const q = await CountQueue.open(redis.url());
    await assert.rejects(q.resumeJob("nope"), (e: Error) => e.name === "UsageError" && /^no job nope on redis:\/\/127\.0\.0\.1:\d+\/0 /.test(e.message));
    await q.close();
    const cases: [string[], RegExp][] = [
      [["count", fixturePath("random-2-16-s2"), "--queue", redis.url(), "--job", "after-bad"], /^tessera: job after-bad already exists .*--resume/],
      [["count", fixturePath("random-2-8-8-s1"), "--queue", redis.url(), "--job", "after-bad", "--resume"], /^tessera: job after-bad counts another model/],
      [["count", fixturePath("random-2-16-s2"), "--queue", redis.url(), "--job", "x", "--workers", "2"], /^tessera: --queue does not take --workers/],
    ];
    const runs = await runCliAll(cases.map(([args]) => [...args, "--no-progress"]), 3);
    for (const [k, [, message]] of cases.entries()) {
      const r = runs[k];
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});

describe("the API for other commands (tessera study --queue)", { skip }, () => {
  it("enqueueCount + awaitCount count through an in-process worker; enqueueCount with reuse takes the same job back", async () => {
    const { CountQueue, startQueueWorker, parseQueueUrl } = await import("../src/node.ts");
    const loaded = await loadModel(fixturePath("random-2-8-8-s1"));
    const box = uniformBox(2, -1, 1);
    const worker = await startQueueWorker({ target: parseQueueUrl(redis.url()), concurrency: 1, lockSeconds: 1, log: () => {} });
    const q = await CountQueue.open(redis.url());
    try {
      const req = { job: "api", model: "random-2-8-8-s1", network: loaded.network, box, threshold: 1e-8, tightening: "lp" as const };
      const spec = await q.enqueueCount(req);
      const fractions: number[] = [];
      const r = await q.awaitCount("api", { onProgress: (p) => fractions.push(p.fraction) });
      assert.equal(r.regions, expectedOf("random-2-8-8-s1").regions);
      assert.equal(r.complete, true);
      assert.equal(r.tasks, spec.tasks);
      assert.ok(fractions.every((f) => f >= 0 && f <= 1));
      await assert.rejects(q.enqueueCount(req), /job api already exists/);
      assert.equal((await q.enqueueCount(req, { reuse: true })).fingerprint, spec.fingerprint);
      assert.equal((await q.awaitCount("api")).regions, r.regions);
      const other = randomNet(3, 2, [4]);
      await assert.rejects(q.enqueueCount({ ...req, network: other }, { reuse: true }), /job api counts another model/);
    } finally {
      await q.close();
      await worker.stop();
    }
  });
});

describe("a queue behind a password", { skip }, () => {
  let secured: TestRedis;
  before(async () => (secured = await startRedis({ password: "s3cr%t" })));
  after(async () => (secured as TestRedis | undefined)?.stop());

  it("counts with the password in the URL (percent-encoded) and refuses a wrong one in one line without printing it", async () => {
    const url = `redis://:${encodeURIComponent("s3cr%t")}@127.0.0.1:${secured.port}/2`;
    const w = spawnCli(["worker", "--queue", url, "--concurrency", "1", "--lock-seconds", LOCK]);
    workers.push(w);
    const r = await runCli(["count", fixturePath("random-2-16-s2"), "--queue", url, "--job", "secret", "--json", "--no-progress"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json(r.stdout).regions, expectedOf("random-2-16-s2").regions);
    assert.ok(!r.stdout.includes("s3cr"), "password not printed");
    assert.equal(await secured.client(2).hget(jobKeys("secret").meta, "status"), "complete");
    const wrong = await runCli(["count", fixturePath("random-2-16-s2"), "--queue", `redis://:nope@127.0.0.1:${secured.port}/2`, "--job", "x"]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^tessera: cannot use the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/2: .*(WRONGPASS|NOAUTH|invalid)/);
    assert.equal(wrong.stderr.trim().split("\n").length, 1);
    w.proc.kill("SIGTERM");
    assert.equal(await w.exited, 0);
    assert.match(w.stderr(), /stopped: \d+ units counted/);
  });
});

/** A self-signed certificate for localhost from openssl (absent on some machines: then the TLS test is skipped). */
function selfSigned(dir: string): { cert: string; key: string } | undefined {
  const cert = join(dir, "tls.crt"), key = join(dir, "tls.key");
  const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], { stdio: "ignore" });
  return made.status === 0 ? { cert, key } : undefined;
}

describe("a queue over TLS (rediss://)", { skip }, () => {
  const files = selfSigned(dir);
  let tlsRedis: TestRedis;
  before(async () => {
    if (files) tlsRedis = await startRedis({ tls: files });
  });
  after(async () => tlsRedis?.stop());

  it("counts when the server's certificate is trusted, and refuses an untrusted one in one line", { skip: !files && "openssl is not installed" }, async () => {
    const url = `rediss://localhost:${tlsRedis.port}/0`;
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: files!.cert };
    const w = spawnCli(["worker", "--queue", url, "--lock-seconds", LOCK], env);
    workers.push(w);
    const r = await runCliEnv(["count", fixturePath("random-2-16-s2"), "--queue", url, "--job", "tls", "--json", "--no-progress"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json(r.stdout).regions, expectedOf("random-2-16-s2").regions);
    const untrusted = await runCli(["count", fixturePath("random-2-16-s2"), "--queue", url, "--job", "tls2"]);
    assert.equal(untrusted.code, 2);
    assert.match(untrusted.stderr, /^tessera: cannot use the queue at rediss:\/\/localhost:\d+\/0: .*certificate/);
    assert.equal(untrusted.stderr.trim().split("\n").length, 1);
  });
});
