/**
 * The long cases of `tessera count` (npm run test:long): the same count on 1, 2 and 3 worker threads, and the plain
 * search against the fast engine on 1 and 2 workers and on a shard of an MNIST network. Moved from
 * test/count-cli.test.ts to keep npm test fast.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { saveModel } from "../../src/io/load.ts";
import { uniformBox } from "../../src/model/network.ts";
import { runCliAll } from "../helpers/cli.ts";
import { fixturePath } from "../helpers/fixtures.ts";
import { randomNet } from "../helpers/nets.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-count-long-"));
/** A 3-input net with several thousand regions. */
const medium = join(dir, "medium.json");

before(async () => {
  await saveModel(randomNet(42, 3, [20, 20]), medium, uniformBox(3, -1, 1));
});

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("tessera count (long cases)", () => {
  it("gives the same count for 1, 2 and 3 workers", async () => {
    const runs = await runCliAll(
      [1, 2, 3].flatMap((w) => [
        ["count", medium, "--workers", String(w), "--json", "--no-progress"],
        ["count", fixturePath("random-3-6-6-6-s4"), "--workers", String(w), "--json", "--no-progress"],
      ]),
      2,
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const counts = runs.map((r) => json(r.stdout).regions);
    assert.equal(counts[1], 623);
    assert.deepEqual([counts[2], counts[4]], [counts[0], counts[0]]);
    assert.deepEqual([counts[3], counts[5]], [623, 623]);
  });

  it("--plain (every acceleration off) gives the same counts as the fast engine, with more LPs, on 1 and 2 workers", async () => {
    const runs = await runCliAll(
      [
        ["count", fixturePath("random-3-6-6-6-s4"), "--json", "--no-progress"],
        ["count", fixturePath("random-3-6-6-6-s4"), "--plain", "--json", "--no-progress"],
        ["count", fixturePath("random-3-6-6-6-s4"), "--plain", "--workers", "2", "--json", "--no-progress"],
        ["count", "examples/random-2-32-32-s5.onnx", "--plain", "--json", "--no-progress"],
        ["count", fixturePath("mnist-10-12-s1"), "--shard", "5/128", "--out", join(dir, "fast.part.json"), "--json", "--no-progress"],
        ["count", fixturePath("mnist-10-12-s1"), "--plain", "--shard", "5/128", "--out", join(dir, "plain.part.json"), "--json", "--no-progress"],
      ],
      2,
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const [fast, plain1, plain2, example, fastShard, plainShard] = runs.map((r) => json(r.stdout));
    assert.deepEqual([fast.regions, plain1.regions, plain2.regions, example.regions], [623, 623, 623, 1557]);
    assert.equal(fast.plain, undefined);
    assert.deepEqual([plain1.plain, plain2.plain], [true, true]);
    assert.ok((plain1.lps as number) > (fast.lps as number), `${plain1.lps} plain LPs against ${fast.lps}`);
    // 784 inputs, where the central certificate, the flats and farthest-first are on by default.
    assert.equal(plainShard.regions, fastShard.regions);
    assert.ok((plainShard.lps as number) > (fastShard.lps as number), `${plainShard.lps} plain LPs against ${fastShard.lps}`);
  });
});
