import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadModel } from "../../src/io/load.ts";
import { loadMnistFull } from "../../src/io/mnist-idx.ts";
import { evaluate } from "../../src/model/evaluate.ts";
import type { NetworkRecord } from "../../src/study/table.ts";
import { runCli } from "../helpers/cli.ts";

/**
 * Relative tolerance between the recorded cross-entropy (float32 logits from TF.js, averaged in float64) and a float64
 * evaluation of the saved float32 weights: the logits differ by float32 rounding (~1e-7 relative per layer).
 */
const CE_RELATIVE_TOLERANCE = 1e-5;
/** Images whose predicted class may flip between float32 and float64 logits (a near tie): at most this many. */
const TIE_FLIPS = 2;

// One network of the full-MNIST study through the real CLI: N1 = 1 (a count of a few regions), one epoch.
const root = mkdtempSync(join(tmpdir(), "tessera-study-full-"));
const dir = join(root, "full");
const args = ["study", "serra2018", "--configs", "1", "--nets", "1", "--epochs", "1", "--workers", "1", "--dir", dir, "--no-progress"];

describe("tessera study serra2018 on full MNIST (the default --data mnist)", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it("trains on the 60,000, tests on the 10,000, checks all 70,000 digits' patterns, records cross-entropy and errors", async () => {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /full MNIST \(--data mnist\): 60,000 training images, tested on the 10,000 test images/);
    assert.match(r.stdout, /\| train CE \| test CE \|/);
    const record = JSON.parse(readFileSync(join(dir, "results", "n1-01_n2-21_seed-01.json"), "utf8")) as NetworkRecord;
    assert.deepEqual([record.settings.data, record.settings.trainDigits, record.settings.splitSeed, record.probes], ["mnist", 60_000, null, 70_000]);
    assert.deepEqual(record.problems, []);
    assert.ok(record.regions >= record.probePatterns && record.probePatternsMissed === 0);
    // The recorded errors and cross-entropies are those of the saved weights, evaluated here in float64.
    const model = await loadModel(join(dir, "networks", "n1-01_n2-21_seed-01.json"));
    assert.equal(model.metadata?.data, "mnist");
    const { train, test } = loadMnistFull();
    for (const [set, error, loss] of [[train, record.trainError, record.trainLoss], [test, record.testError, record.testLoss]] as const) {
      let wrong = 0, ce = 0;
      for (let i = 0; i < set.count; i++) {
        const z = evaluate(model.network, set.images.subarray(i * 784, (i + 1) * 784)).output;
        let best = 0;
        for (let k = 1; k < z.length; k++) if (z[k] > z[best]) best = k;
        if (best !== set.labels[i]) wrong++;
        const max = z[best];
        ce += max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) - z[set.labels[i]];
      }
      assert.ok(Math.abs(wrong - error * set.count) <= TIE_FLIPS, `${wrong} misclassified vs recorded ${error * set.count}`);
      assert.ok(Math.abs(ce / set.count - loss) <= CE_RELATIVE_TOLERANCE * loss, `${ce / set.count} vs ${loss}`);
    }
  });

  it("refuses to continue the directory with --data mnist-small: one line, exit 2", async () => {
    const r = await runCli([...args, "--data", "mnist-small"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tessera: .* holds a study made with other settings \(data: mnist ≠ mnist-small; trainDigits: 60000 ≠ 8000; splitSeed: null ≠ 1\): use another --dir \(its networks were trained on --data mnist\)\n$/);
  });
});
