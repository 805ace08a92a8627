import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { mergeParts, readPart } from "../src/distributed/shards.ts";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-shards-"));
const part = (name: string, i: number, n: number) => join(dir, `${name}-${i}of${n}.json`);
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;
const fixtures = ["random-2-32-32-s5", "random-3-6-6-6-s4"];
const N = 3;

describe("tessera count --shard i/N and tessera merge", () => {
  const single = new Map<string, Record<string, unknown>>();
  /** The text report of a single run of the first fixture. */
  const singleText = new Map<string, string>();
  before(async () => {
    const calls = fixtures.flatMap((f) => [
      ["count", fixturePath(f), "--method", "engine", "--json", "--no-progress"],
      ...Array.from({ length: N }, (_, i) => ["count", fixturePath(f), "--shard", `${i}/${N}`, "--out", part(f, i, N), "--json", "--no-progress"]),
    ]);
    calls.push(["count", fixturePath(fixtures[0]), "--method", "engine", "--no-progress"]);
    const runs = await runCliAll(calls, 2);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    fixtures.forEach((f, k) => single.set(f, json(runs[k * (N + 1)].stdout)));
    singleText.set(fixtures[0], runs[runs.length - 1].stdout);
  });

  it("the parts add up to the single run: regions, LPs, stable units, and the same report lines", async () => {
    for (const f of fixtures) {
      const paths = Array.from({ length: N }, (_, i) => part(f, i, N));
      const [merged, text] = await runCliAll([["merge", ...[...paths].reverse(), "--json"], ...(singleText.has(f) ? [["merge", ...paths]] : [])], 2);
      assert.equal(merged.code, 0, merged.stderr);
      const m = json(merged.stdout), s = single.get(f)!;
      assert.equal(m.regions, expectedOf(f).regions, f);
      for (const key of ["regions", "lps", "stableUnits", "tasks", "witnessHits", "threshold", "tightening", "complete"]) assert.deepEqual(m[key], s[key], `${f}: ${key}`);
      if (!text) continue;
      const lines = (t: string) => t.trim().split("\n");
      const local = lines(singleText.get(f)!), mine = lines(text.stdout);
      assert.deepEqual(mine.map((l) => l.split(/\s+/)[0]), local.map((l) => l.split(/\s+/)[0]));
      for (const key of ["model", "domain", "regions", "stable units", "LPs"]) {
        assert.equal(mine.find((l) => l.startsWith(key)), local.find((l) => l.startsWith(key)), `${f}: ${key}`);
      }
      assert.match(mine.find((l) => l.startsWith("method"))!, /3 shards merged/);
    }
  });

  it("--plain shards hold the same cells as the fast engine's: plain and fast parts may be mixed", async () => {
    const f = fixtures[1];
    const plainPart = (i: number) => join(dir, `${f}-plain-${i}of${N}.json`);
    const runs = await runCliAll(Array.from({ length: N }, (_, i) => ["count", fixturePath(f), "--plain", "--shard", `${i}/${N}`, "--out", plainPart(i), "--json", "--no-progress"]), 2);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    for (let i = 0; i < N; i++) assert.equal(readPart(plainPart(i)).regions, readPart(part(f, i, N)).regions, `shard ${i}`);
    const allPlain = mergeParts([0, 1, 2].map(plainPart), [0, 1, 2].map((i) => readPart(plainPart(i))));
    assert.equal(allPlain.result.regions, expectedOf(f).regions);
    assert.equal(allPlain.result.plain, true);
    const mixedPaths = [plainPart(0), part(f, 1, N), plainPart(2)];
    const mixed = mergeParts(mixedPaths, mixedPaths.map(readPart));
    assert.equal(mixed.result.regions, expectedOf(f).regions);
    assert.equal(mixed.result.plain, undefined);
  });

  it("a missing, duplicated, mismatched or foreign part is a one-line error naming it", async () => {
    const f = fixtures[0];
    const p = (i: number) => part(f, i, N);
    const copy = join(dir, "copy-of-0.json");
    copyFileSync(p(0), copy);
    const junk = join(dir, "junk.json");
    writeFileSync(junk, JSON.stringify({ format: "something" }));
    const otherSplit = join(dir, "other-split-1.json");
    writeFileSync(otherSplit, JSON.stringify({ ...readPart(p(1)), splitDigest: "0123456789abcdef" }));
    const olderPart = join(dir, "older-2.json");
    const { splitDigest: _, ...withoutDigest } = readPart(p(2));
    writeFileSync(olderPart, JSON.stringify(withoutDigest));
    const cases: [string[], RegExp][] = [
      [[p(0), p(2)], /missing part: shard 1 of 3/],
      [[p(0), p(1), p(2), copy], new RegExp(`copy-of-0\\.json: shard 0/3 again \\(already in .*${f}-0of3\\.json\\)`)],
      [[p(0), p(1), part(fixtures[1], 2, N)], new RegExp(`${fixtures[1]}-2of3\\.json: a different model`)],
      [[p(0), junk], /junk\.json: not a tessera count part/],
      [[p(0), otherSplit, p(2)], /other-split-1\.json: task split digest "0123456789abcdef" differs from .*: not a part of the same count/],
      [[p(0), p(1), olderPart], /older-2\.json: task split digest "none \(an older version's split order\)" differs/],
      [[p(0), join(dir, "absent.json")], /absent\.json: no such file/],
    ];
    for (const [paths, message] of cases) {
      assert.throws(() => mergeParts(paths, paths.map(readPart)), (e: Error) => e.name === "UsageError" && message.test(e.message) && !e.message.includes("\n"));
    }
    const cli = await runCli(["merge", p(0), p(2)]);
    assert.equal(cli.code, 2);
    assert.equal(cli.stderr, "tessera: missing part: shard 1 of 3\n");
  });

  it("--shard needs --out and a shard number below N (and --queue needs --job)", async () => {
    const m = fixturePath("random-2-16-s2");
    const runs = await runCliAll([
      ["count", m, "--shard", "0/2"],
      ["count", m, "--out", join(dir, "x.json")],
      ["count", m, "--shard", "2/2", "--out", join(dir, "x.json")],
      ["count", m, "--shard", "0/2", "--out", join(dir, "x.json"), "--verify"],
      ["count", m, "--queue", "redis://127.0.0.1:1/0"],
    ], 2);
    const messages = [/--shard needs --out/, /--out writes a shard's part: give --shard/, /--shard "2\/2": give i\/N with 0 ≤ i < N/,
      /--verify checks a whole partition/, /--queue and --job go together/];
    runs.forEach((r, k) => {
      assert.equal(r.code, 2);
      assert.match(r.stderr, messages[k]);
    });
  });

  it("a shard's checkpoint resumes only the same shard", async () => {
    const m = fixturePath("random-2-16-s2");
    const cp = join(dir, "shard.cp");
    const first = await runCli(["count", m, "--shard", "1/2", "--out", join(dir, "s1.json"), "--checkpoint", cp, "--no-progress"]);
    assert.equal(first.code, 0, first.stderr);
    const other = await runCli(["count", m, "--shard", "0/2", "--out", join(dir, "s0.json"), "--resume", cp, "--no-progress"]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /checkpoint made with --shard 1\/2/);
  });
});
