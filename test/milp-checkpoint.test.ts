/**
 * The `count --method milp --resume` checkpoint file (src/run/milp-runner.ts): a checkpoint tessera wrote resumes to
 * the uninterrupted total; every other file is refused with one UsageError line naming the file (exit 2 in the CLI):
 * unreadable, another format, a damaged field, a changed body (content digest), another model, another box, another
 * --regions.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { contentDigest } from "../src/count/checkpoint.ts";
import { loadModel, type LoadedModel } from "../src/io/load.ts";
import { stringifyTesseraJson } from "../src/io/tessera-json.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { countRegionsMilp, type MilpCheckpoint } from "../src/milp/count.ts";
import { unitScaleFor } from "../src/count/session.ts";
import { uniformBox, type Box } from "../src/model/network.ts";
import { intervalBounds } from "../src/tighten/interval.ts";
import { networkFingerprint } from "../src/model/fingerprint.ts";
import { runMilpCount, type MilpRunOptions } from "../src/run/milp-runner.ts";
import { randomNet } from "./helpers/milp-nets.ts";
import { runCli } from "./helpers/cli.ts";

let dir: string, loaded: LoadedModel, other: LoadedModel;
const box: Box = uniformBox(2, -1, 1);
const THRESHOLD = 1e-8;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tessera-milp-cp-"));
  writeFileSync(join(dir, "a.json"), stringifyTesseraJson(randomNet(3, [2, 5, 4]), box));
  writeFileSync(join(dir, "b.json"), stringifyTesseraJson(randomNet(4, [2, 5, 4]), box));
  loaded = await loadModel(join(dir, "a.json"));
  other = await loadModel(join(dir, "b.json"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const options = (resume: string, extra: Partial<MilpRunOptions> = {}): MilpRunOptions => ({
  loaded,
  box,
  threshold: THRESHOLD,
  tightening: "interval",
  resume,
  progress: false,
  ...extra,
});

/** A checkpoint file as the runner writes it (format, fingerprint, regions file, digest) around a MILP checkpoint. */
function cliCheckpoint(milp: MilpCheckpoint, fingerprint = networkFingerprint(loaded.network)): Record<string, unknown> {
  const body = { format: "tessera-milp-cli-checkpoint", fingerprint, regionsFile: null, regionsBytes: 0, milp };
  return { ...body, digest: contentDigest(body) };
}

/** A real partial checkpoint: the count stopped after its third pause, at the runner's unit scale. */
async function partial(): Promise<MilpCheckpoint> {
  const problem = unitScaleFor(loaded, box, THRESHOLD);
  let last: MilpCheckpoint | undefined, checks = 0;
  const r = await countRegionsMilp(problem.net, {
    box: problem.box,
    threshold: problem.threshold,
    highs: await loadHighs(),
    bounds: intervalBounds(problem.net, problem.box), // as the runner computes them with tightening "interval"
    onCheckpoint: (c) => (last = JSON.parse(JSON.stringify(c)) as MilpCheckpoint),
    shouldStop: () => ++checks >= 2,
  });
  assert.ok(last);
  return { ...last, regions: r.regions };
}

function write(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc));
  return path;
}

/** The runner refuses with a UsageError whose one line names the file and matches `message`. */
async function refused(path: string, message: RegExp, extra: Partial<MilpRunOptions> = {}): Promise<void> {
  await assert.rejects(runMilpCount(options(path, extra)), (e: Error) => {
    assert.equal(e.name, "UsageError");
    assert.ok(e.message.startsWith(`${path}: `), e.message);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, message);
    return true;
  });
}

describe("the MILP runner's checkpoint check", () => {
  it("a checkpoint it wrote resumes to the uninterrupted total (the count written at the end resumes to itself)", async () => {
    const path = join(dir, "full.json");
    const whole = await runMilpCount({ ...options(path), resume: undefined, checkpoint: path });
    assert.equal(whole.checkpointWritten, path);
    assert.ok(whole.regions > 1);
    const again = await runMilpCount(options(path));
    assert.equal(again.regions, whole.regions);
    const cp = await partial();
    const half = write("half.json", cliCheckpoint(cp));
    const resumed = await runMilpCount(options(half));
    assert.equal(resumed.regions, whole.regions);
    assert.ok(cp.pending.length > 0, "the partial checkpoint has subtrees left");
  });

  it("refuses a file that is not JSON, another format, a damaged field, and a changed body (digest)", async () => {
    const cp = await partial();
    await refused(write("garbage.json", "{ not json"), /not a readable checkpoint/);
    await refused(write("missing.json", ""), /not a readable checkpoint/);
    await refused(write("engine.json", { format: "tessera-count-checkpoint", regions: 3 }), /not a checkpoint of tessera count --method milp/);
    await refused(write("null.json", "null"), /not a checkpoint of tessera count --method milp/);
    const damaged = cliCheckpoint({ ...cp, regions: -1 });
    await refused(write("damaged.json", damaged), /damaged checkpoint \(.*regions/);
    const badPrefix = cliCheckpoint({ ...cp, pending: [{ prefix: "01x", witness: null }] });
    await refused(write("prefix.json", badPrefix), /damaged checkpoint/);
    const edited = cliCheckpoint(cp);
    (edited.milp as MilpCheckpoint).regions += 1; // the digest no longer matches
    await refused(write("edited.json", edited), /content digest does not match/);
  });

  it("refuses a checkpoint of another model, of another box, and one written with another --regions", async () => {
    const cp = await partial();
    const path = write("cp.json", cliCheckpoint(cp));
    await refused(path, /checkpoint of a different model/, { loaded: other });
    await assert.rejects(runMilpCount(options(path, { box: uniformBox(2, -2, 2) })), /checkpoint belongs to another/);
    // The same smallest and largest bound, another box (the key once held only min lo and max hi: resumed silently).
    const half = { lo: Float64Array.of(-1, 0), hi: Float64Array.of(1, 1) };
    await assert.rejects(runMilpCount(options(path, { box: half })), /checkpoint belongs to another/);
    await refused(path, /resume with the same --regions as the interrupted run \(none\)/, { regionsOut: join(dir, "r.jsonl") });
  });

  it("the CLI prints the refusal as one line and exits 2", async () => {
    const path = write("garbage2.json", "[1, 2");
    const r = await runCli(["count", join(dir, "a.json"), "--method", "milp", "--resume", path, "--no-progress"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not a readable checkpoint`));
    assert.equal(readFileSync(path, "utf8"), "[1, 2", "the file is left as it was");
  });
});
