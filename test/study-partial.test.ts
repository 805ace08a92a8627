import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { uniformBox } from "../src/model/network.ts";
import { analyseRegions, type ResumedCount } from "../src/study/analyse.ts";
import { loadPartial, removePartial, savePartial, type PartialCount } from "../src/study/partial.ts";
import { mulberry32 } from "../src/util/random.ts";
import { randomNet } from "./helpers/nets.ts";

// A count stopped after some of its tasks and resumed from the checkpoint must end exactly where an uninterrupted
// count does: same regions, same LPs (tasks are deterministic and independent), same digit patterns found.
const net = randomNet(41, 6, [7, 6], 3);
const box = uniformBox(6, 0, 1);
const rand = mulberry32(7);
const probes = { x: Float64Array.from({ length: 6 * 300 }, () => rand()), count: 300 };

class Stop extends Error {}

describe("study counts resume from a checkpoint", () => {
  it("stopping after 40 tasks and resuming gives the uninterrupted count, LPs and probe check", async () => {
    const full = await analyseRegions(net, box, probes);
    let saved: ResumedCount | undefined;
    let seen = 0;
    await assert.rejects(
      analyseRegions(net, box, probes, {
        onCheckpoint: (s) => {
          saved = { ...s, done: new Map(s.done), missing: [...s.missing] };
          if (++seen === 40) throw new Stop("stopped");
        },
      }),
      Stop,
    );
    assert.ok(saved && saved.done.size === 40 && saved.tasks > 40, `tasks ${saved?.tasks}`);
    const partRegions = [...saved.done.values()].reduce((s, [r]) => s + r, 0);
    assert.ok(partRegions > 0 && partRegions < full.regions);
    let resumedTasks = 0;
    const resumed = await analyseRegions(net, box, probes, { resume: saved, onCheckpoint: () => resumedTasks++ });
    assert.equal(resumedTasks, saved.tasks - 40, "only the unfinished tasks run again");
    assert.equal(resumed.regions, full.regions);
    assert.equal(resumed.lps, full.lps);
    assert.equal(resumed.probePatterns, full.probePatterns);
    assert.equal(resumed.probePatternsMissed, 0);
    assert.ok(resumed.countSeconds >= saved.seconds);
  });

  it("a checkpoint file round-trips, and a missing or foreign one reads as none", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "tessera-partial-")), "partial");
    const p: PartialCount = { format: "tessera-study-partial", version: 1, id: "n1-03_n2-19_seed-02", fingerprint: "abc", threshold: 1e-8, tasks: 256, done: { "11010011": [17, 40] }, missing: ["0101"], seconds: 12.5, runs: 1 };
    savePartial(dir, p);
    assert.deepEqual(loadPartial(dir, p.id), p);
    assert.equal(loadPartial(dir, "n1-04_n2-18_seed-02"), undefined);
    removePartial(dir, p.id);
    assert.equal(loadPartial(dir, p.id), undefined);
  });
});
