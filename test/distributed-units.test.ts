import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RegionEnumerator } from "../src/count/engine.ts";
import { parseQueueUrl } from "../src/distributed/connection.ts";
import { checkJobName } from "../src/distributed/job-keys.ts";
import { decodeFloats, decodeJob, describeJob, encodeFloats, MalformedJobError } from "../src/distributed/job-spec.ts";
import { parseOutcome } from "../src/distributed/ledger.ts";
import { parseShard } from "../src/distributed/shards.ts";
import { recordedUnits, serialSeconds, simulateSchedule, type SimUnit } from "../src/distributed/simulate.ts";
import { MalformedUnitError, parseUnitMessage } from "../src/distributed/unit-message.ts";
import { runUnit, SPLIT_FANOUT, taskProblem } from "../src/distributed/unit-run.ts";
import { patternFromString } from "../src/model/evaluate.ts";
import { networkFingerprint } from "../src/model/fingerprint.ts";
import { uniformBox } from "../src/model/network.ts";
import { intervalBounds } from "../src/tighten/interval.ts";
import { randomNet } from "./helpers/nets.ts";

describe("queue URLs", () => {
  it("give host, port, database, user and percent-decoded password; rediss:// turns TLS on (with the host's name for SNI)", () => {
    const a = parseQueueUrl("redis://alice:p%40ss%3Aword@cache.example:6380/3");
    assert.deepEqual(a.options, { host: "cache.example", port: 6380, db: 3, username: "alice", password: "p@ss:word" });
    assert.equal(a.display, "redis://alice:***@cache.example:6380/3");
    const b = parseQueueUrl("rediss://:secret@10.0.0.5");
    assert.deepEqual(b.options, { host: "10.0.0.5", port: 6379, db: 0, password: "secret", tls: {} });
    assert.deepEqual(parseQueueUrl("rediss://cache.example/1").options.tls, { servername: "cache.example" });
    assert.equal(parseQueueUrl("redis://[::1]:7000/0").options.host, "::1");
  });

  it("refuse other schemes, a non-numeric database and non-URLs in one line", () => {
    assert.throws(() => parseQueueUrl("http://h/0"), /scheme must be redis:\/\/ or rediss:\/\//);
    assert.throws(() => parseQueueUrl("redis://h/queue"), /path must be a database number/);
    assert.throws(() => parseQueueUrl("localhost:6379"), /scheme|not a URL/);
    assert.throws(() => parseQueueUrl("redis://:pw@h/x"), (e: Error) => !e.message.includes("pw@") && /\*\*\*/.test(e.message));
  });
});

describe("job names", () => {
  it("are 1 to 64 letters, digits, _ or -", () => {
    assert.equal(checkJobName("mnist_a-1"), "mnist_a-1");
    for (const bad of ["", "a b", "a.b", "a:b", "x".repeat(65)]) assert.throws(() => checkJobName(bad), /--job ".*": use 1 to 64 letters/);
  });
});

describe("unit messages", () => {
  it("accept {job, id, task, depth} with id = task and reject anything else with a reason", () => {
    assert.deepEqual(parseUnitMessage({ job: "j-1", id: "01a", task: "01a", depth: 2 }), { job: "j-1", id: "01a", task: "01a", depth: 2 });
    const bad: [unknown, RegExp][] = [
      [null, /malformed unit/],
      [{ job: "j", id: "0", task: "0" }, /depth/],
      [{ job: "j", id: "0", task: "0", depth: -1 }, /depth/],
      [{ job: "a b", id: "0", task: "0", depth: 0 }, /job/],
      [{ job: "j", id: "0", task: "0X", depth: 0 }, /task/],
      [{ job: "j", id: "1", task: "0", depth: 0 }, /not its task prefix/],
      [{ job: "j", id: "0", task: "0", depth: 0, extra: 1 }, /extra|unrecognized/i],
    ];
    for (const [data, why] of bad) assert.throws(() => parseUnitMessage(data), (e: Error) => e instanceof MalformedUnitError && why.test(e.message));
  });

  it("taskProblem checks a prefix against the network's units and their pieces", () => {
    const net = randomNet(1, 2, [3, 2], 2, { kind: "maxout", rank: 3 });
    assert.equal(taskProblem(net, "0212"), undefined);
    assert.match(taskProblem(net, "3")!, /decides unit 0 as 3, which has 3 pieces/);
    assert.match(taskProblem(net, "000000")!, /6 decisions, the network has 5 hidden units/);
  });
});

describe("job specs", () => {
  it("carry weights, box and bounds bit for bit (−0, ±∞ included) and check the fingerprint", () => {
    const net = randomNet(5, 3, [4, 4]);
    net.layers[0].weights[0] = -0;
    const box = uniformBox(3, -1, 2);
    const bounds = intervalBounds(net, box);
    bounds.upper[1][0] = Infinity;
    bounds.lower[1][1] = -Infinity;
    const spec = describeJob({
      name: "j", model: "m.onnx", threshold: 1e-8, tightening: "interval", unitSeconds: 30, tasks: 4, splitLps: 3,
      tighteningLps: 0, tighteningSeconds: 0.1, stableUnits: { active: [0, 0], inactive: [0, 0], total: 0 },
    }, net, box, bounds);
    const back = decodeJob(JSON.stringify(spec), "j");
    assert.equal(networkFingerprint(back.network), networkFingerprint(net));
    assert.ok(Object.is(back.network.layers[0].weights[0], -0));
    assert.deepEqual(back.box, { lo: Float64Array.from(box.lo), hi: Float64Array.from(box.hi) });
    assert.deepEqual(back.bounds, bounds);
    const tampered = { ...spec, fingerprint: "0000000000000000" };
    assert.throws(() => decodeJob(JSON.stringify(tampered), "j"), (e: Error) => e instanceof MalformedJobError && /fingerprint/.test(e.message));
    assert.throws(() => decodeJob("{", "j"), /job j: its spec is not JSON/);
    assert.equal(decodeFloats("AAAA"), null);
    assert.deepEqual(decodeFloats(encodeFloats(Float64Array.of(1.5, NaN))), Float64Array.of(1.5, NaN));
  });

  it("a spec whose box is reversed, infinite or narrower than floating point resolves is malformed (the box check of src/model/box.ts)", () => {
    const net = randomNet(5, 3, [4, 4]);
    const head = {
      name: "j", model: "m.onnx", threshold: 1e-8, tightening: "interval" as const, unitSeconds: 30, tasks: 4, splitLps: 3,
      tighteningLps: 0, tighteningSeconds: 0.1, stableUnits: { active: [0, 0], inactive: [0, 0], total: 0 },
    };
    const good = uniformBox(3, -1, 2), bounds = intervalBounds(net, good);
    for (const [lo, hi, problem] of [[2, -1, /needs lo < hi/], [-Infinity, 1, /not a finite number/], [0, 1e-320, /narrower than floating point resolves/]] as [number, number, RegExp][]) {
      const spec = describeJob(head, net, { lo: Float64Array.of(-1, lo, -1), hi: Float64Array.of(2, hi, 2) }, bounds);
      assert.throws(() => decodeJob(JSON.stringify(spec), "j"), (e: Error) => e instanceof MalformedJobError && /job j: .*bad box: coordinate 2 of the box/.test(e.message) && problem.test(e.message));
    }
  });

  it("outcome strings round-trip through parseOutcome", () => {
    assert.deepEqual(parseOutcome("d 5 7 1 0 0 2 0 0.25"), {
      kind: "counted", seconds: 0.25, stats: { regions: 5, lps: 7, witnessHits: 1, ambiguous: 0, lpFailures: 0, stepHits: 2, cellRefutations: 0 },
    });
    assert.deepEqual(parseOutcome("s 1.5 12 010,011"), { kind: "split", seconds: 1.5, lps: 12, children: ["010", "011"] });
    assert.deepEqual(parseOutcome("s 1.5 12 -"), { kind: "split", seconds: 1.5, lps: 12, children: [] });
    assert.equal(parseOutcome("x"), undefined);
  });
});

describe("running a unit with a time limit", () => {
  const net = randomNet(42, 3, [20, 20]);
  const box = uniformBox(3, -1, 1);
  const enumerator = () => new RegionEnumerator(net, { box });

  it("past the limit, returns children that partition the unit: their counts add up to the unit's", () => {
    const e = enumerator();
    const { tasks } = e.splitTasks(4);
    const task = tasks.reduce((a, b) => (e.runTask(a) >= e.runTask(b) ? a : b));
    const whole = runUnit(enumerator(), task, Infinity);
    assert.equal(whole.kind, "counted");
    const split = runUnit(enumerator(), task, 0);
    assert.equal(split.kind, "split");
    if (split.kind !== "split" || whole.kind !== "counted") return;
    assert.ok(split.children.length >= SPLIT_FANOUT, `${split.children.length} children`);
    assert.ok(split.children.every((c) => c.startsWith(Array.from(task).join("")) && c.length > task.length));
    const f = enumerator();
    const sum = split.children.reduce((s, c) => s + f.runTask(patternFromString(c)), 0);
    assert.equal(sum, whole.result.regions);
    assert.ok(whole.result.regions > 256, "big enough for the deadline to be looked at");
  });

  it("a leaf (every unit decided) is counted whatever the limit", () => {
    const e = enumerator();
    const leaf = e.subtasks(undefined, e.unitCount)[0];
    const run = runUnit(e, leaf, 0);
    assert.equal(run.kind, "counted");
    if (run.kind === "counted") assert.equal(run.result.regions, 1);
  });
});

describe("schedule simulation", () => {
  const unit = (seconds: number, children?: SimUnit[], splitSeconds = 0): SimUnit => (children ? { seconds, splitSeconds, children } : { seconds, splitSeconds });

  it("list scheduling without splits: 4 units of 1 s on 2 workers take 2 s; one worker takes the serial time", () => {
    const roots = [unit(1), unit(1), unit(1), unit(1)];
    assert.deepEqual(simulateSchedule(roots, 2, Infinity), { makespan: 2, units: 4, abandoned: 0 });
    assert.equal(simulateSchedule([unit(3), unit(1), unit(2)], 1, Infinity).makespan, serialSeconds([unit(3), unit(1), unit(2)]));
    assert.equal(simulateSchedule([unit(1), unit(1)], 2, Infinity, 0.5).makespan, 1.5);
  });

  it("the time-split rule: a 10 s unit split at 2 s into two 5 s children finishes at 2 + 0.5 + 5 on 2 workers", () => {
    const big = unit(10, [unit(5), unit(5)], 0.5);
    assert.deepEqual(simulateSchedule([big], 2, 2), { makespan: 7.5, units: 3, abandoned: 2.5 });
    assert.equal(simulateSchedule([big], 2, Infinity).makespan, 10);
    assert.equal(simulateSchedule([big], 2, 20).makespan, 10, "under the limit: counted whole");
  });

  it("recordedUnits rebuilds whole-subtree times from a ledger: a split unit's time is its children's sum", () => {
    const outcomes = new Map([
      ["0", parseOutcome("s 2.25 9 00,01")!],
      ["00", parseOutcome("d 4 4 0 0 0 0 0 1.5")!],
      ["01", parseOutcome("d 4 4 0 0 0 0 0 2.5")!],
      ["1", parseOutcome("d 4 4 0 0 0 0 0 0.5")!],
    ]);
    const roots = recordedUnits(["0", "1"], outcomes, 2);
    assert.deepEqual(roots, [unit(4, [unit(1.5), unit(2.5)], 0.25), unit(0.5)]);
    assert.throws(() => recordedUnits(["2"], outcomes, 2), /unit 2 has no outcome/);
  });
});

describe("shards", () => {
  it("--shard i/N takes 0 ≤ i < N", () => {
    assert.deepEqual(parseShard("2/8"), { index: 2, count: 8 });
    for (const bad of ["8/8", "1/0", "-1/3", "a/b", "1"]) assert.throws(() => parseShard(bad), /--shard/);
  });
});
