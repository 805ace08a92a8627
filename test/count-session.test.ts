/**
 * The counting session (src/count/session.ts): the count spec owns every default and every rule of a count's
 * options; planCount's split is the same whoever executes it (shards partition it); the Node runner executes a plan
 * to the fixture's independently computed count and reports progress through a callback.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  countSpec,
  DEFAULT_COUNT_METHOD,
  DEFAULT_INTERIOR_THRESHOLD,
  DEFAULT_TIGHTENING,
  interiorThreshold,
  parseCountMethod,
  parseThreshold,
  parseTightening,
  planCount,
  thresholdOrDefault,
  type CountProgressEvent,
} from "../src/count/session.ts";
import { DEFAULT_TASK_TARGET } from "../src/count/engine.ts";
import { executeTask } from "../src/count/task.ts";
import { loadModel } from "../src/io/load.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { uniformBox } from "../src/model/network.ts";
import { runEngineCount } from "../src/run/count-runner.ts";
import { UsageError } from "../src/util/errors.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";

const FIXTURE = "random-2-8-8-s1";

describe("CountSpec: one place for a count's defaults and rules", () => {
  it("fills every default: threshold 1e-8, LP tightening, method auto, the engine's task target, the full search", () => {
    const box = uniformBox(2, -1, 1);
    assert.deepEqual(countSpec({ box }), {
      box, threshold: DEFAULT_INTERIOR_THRESHOLD, tightening: DEFAULT_TIGHTENING, method: DEFAULT_COUNT_METHOD, taskTarget: DEFAULT_TASK_TARGET, plain: false,
    });
    assert.equal(DEFAULT_INTERIOR_THRESHOLD, 1e-8);
    assert.equal(DEFAULT_TIGHTENING, "lp");
  });

  it("holds the threshold to (0, 1), the same rule for the spec and the --threshold flag", () => {
    const box = uniformBox(2, 0, 1);
    for (const t of [0, -1e-8, 1, 2, Number.NaN, Infinity]) {
      assert.throws(() => countSpec({ box, threshold: t }), UsageError, `threshold ${t}`);
      assert.throws(() => parseThreshold(String(t)), /give a number in \(0, 1\)/);
    }
    for (const t of [1e-12, 1e-8, 0.5]) {
      assert.equal(countSpec({ box, threshold: t }).threshold, t);
      assert.equal(parseThreshold(String(t)), t);
    }
    assert.throws(() => parseThreshold(""), UsageError);
    assert.equal(thresholdOrDefault(undefined), DEFAULT_INTERIOR_THRESHOLD);
    assert.equal(thresholdOrDefault("1e-7"), 1e-7);
  });

  it("gives the CLI's one-line messages, byte for byte", () => {
    assert.throws(() => parseThreshold("2"), { name: "UsageError", message: '--threshold "2": give a number in (0, 1), e.g. 1e-8' });
    assert.throws(() => parseTightening("exact"), { name: "UsageError", message: '--tightening "exact": choose lp or interval' });
    assert.throws(() => parseCountMethod("fast"), { name: "UsageError", message: '--method "fast": choose auto, engine, skeleton, intervals, milp or mipbound' });
    assert.throws(() => countSpec({ box: uniformBox(2, 0, 1), taskTarget: 0 }), UsageError);
  });

  it("API counters below the session take a rescaled threshold: default when absent, any positive finite radius", () => {
    assert.equal(interiorThreshold(undefined), DEFAULT_INTERIOR_THRESHOLD);
    assert.equal(interiorThreshold(3), 3);
    assert.throws(() => interiorThreshold(0), UsageError);
    assert.throws(() => interiorThreshold(Number.NaN), UsageError);
  });
});

describe("planCount and its executors", () => {
  it("the shards of a plan partition its split, and every plan of one spec has the same split and digest", async () => {
    const loaded = await loadModel(fixturePath(FIXTURE));
    const spec = countSpec({ box: uniformBox(2, -1, 1), method: "engine", taskTarget: 16 });
    const whole = await planCount(loaded, spec, { exact: highsMarginSolver });
    const parts = await Promise.all([0, 1, 2].map((index) => planCount(loaded, spec, { exact: highsMarginSolver, shard: { index, count: 3 } })));
    assert.ok(whole.allTasks.length > 1, `${whole.allTasks.length} tasks`);
    for (const p of parts) {
      assert.equal(p.digest, whole.digest);
      assert.equal(p.allTasks.length, whole.allTasks.length);
    }
    const key = (t: Uint8Array) => Array.from(t).join("");
    const union = parts.flatMap((p) => p.tasks.map(key)).sort();
    assert.deepEqual(union, whole.allTasks.map(key).sort());
    // Executing every task of the plan in this thread gives the independent oracle's count.
    let regions = 0;
    for (const t of whole.tasks) regions += executeTask(whole.enumerator, t, {}).regions;
    assert.equal(regions, expectedOf(FIXTURE).regions);
  });

  it("the Node runner counts the fixture's regions and reports progress through the callback", async () => {
    const loaded = await loadModel(fixturePath(FIXTURE));
    const events: CountProgressEvent[] = [];
    const r = await runEngineCount({
      loaded, box: uniformBox(2, -1, 1), threshold: DEFAULT_INTERIOR_THRESHOLD, tightening: "lp", workers: 1, progress: false,
      onProgress: (p) => events.push(p),
    });
    assert.equal(r.regions, expectedOf(FIXTURE).regions);
    assert.ok(r.complete);
    const last = events.at(-1)!;
    assert.deepEqual(last, { regions: r.regions, tasksDone: r.tasks, tasks: r.tasks });
    for (let i = 1; i < events.length; i++) assert.ok(events[i].tasksDone >= events[i - 1].tasksDone);
  });
});
