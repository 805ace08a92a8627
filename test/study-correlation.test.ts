import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { correlationCsv, correlationMarkdown, cutoffCorrelations, spearmanInterval, withinConfigCorrelations, type ErrorCountRecord } from "../src/study/correlation.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

function rec(n1: number, regions: number, loss: number): ErrorCountRecord {
  return { n1, n2: 22 - n1, regions, trainLoss: loss, trainError: loss / 10, testLoss: loss + 1, testError: -loss };
}

describe("error–count correlations", () => {
  it("the Fisher-z interval of Spearman's ρ equals tanh(atanh ρ ± 1.96 √(1.06 / (n − 3))) computed by hand (Python math)", () => {
    const r = spearmanInterval(0.5, 13);
    close(r.lo, -0.0885791287591737);
    close(r.hi, 0.829778297812381);
    assert.ok(Number.isNaN(spearmanInterval(0.5, 3).lo), "no interval from 3 networks");
    const perfect = spearmanInterval(-1, 10);
    assert.equal(perfect.rho, -1);
    assert.ok(perfect.lo >= -1 && perfect.hi <= -0.999, "ρ = −1 keeps a finite, degenerate interval");
  });

  it("the cut-off keeps the networks with no layer under w units and ranks count against each measure", () => {
    // N1 = 1…5 (N2 = 21…17): loss falls as the count grows, so ρ = −1 for train CE, train error and test CE, +1 for −loss.
    const rs = [1, 2, 3, 4, 5].map((n1) => rec(n1, 10 * n1, 6 - n1));
    const cut = cutoffCorrelations(rs, [1, 3, 5]);
    assert.deepEqual(cut.map((c) => [c.minWidth, c.networks, c.n1Min, c.n1Max]), [[1, 5, 1, 5], [3, 3, 3, 5], [5, 1, 5, 5]]);
    assert.equal(cut[0].rho.trainLoss.rho, -1);
    assert.equal(cut[0].rho.trainError.rho, -1);
    assert.equal(cut[0].rho.testLoss.rho, -1);
    assert.equal(cut[0].rho.testError.rho, 1);
    assert.ok(Number.isNaN(cut[2].rho.trainLoss.rho), "one network has no ρ");
  });

  it("within-configuration ρ per N1 and pooled by (n − 3)-weighted Fisher z, against hand values", () => {
    // N1 = 3: losses 5,3,4,1,2 against counts 1…5: Σd² = 36, ρ = 1 − 6·36 / (5·24) = −0.8.
    // N1 = 4: losses 2,1,4,3,6,5 against counts 1…6: Σd² = 6, ρ = 1 − 36 / 210 = 0.828571…
    const rs = [
      ...[5, 3, 4, 1, 2].map((loss, i) => rec(3, i + 1, loss)),
      ...[2, 1, 4, 3, 6, 5].map((loss, i) => rec(4, i + 1, loss)),
    ];
    const w = withinConfigCorrelations(rs);
    assert.deepEqual(w.configs.map((c) => c.n1), [3, 4]);
    close(w.configs[0].rho.trainLoss.rho, -0.8);
    close(w.configs[1].rho.trainLoss.rho, 1 - 36 / 210);
    const p = w.pooled.trainLoss;
    assert.equal(p.configurations, 2);
    assert.equal(p.networks, 11);
    close(p.meanRho, 0.014285714285714235);
    close(p.pooled, 0.2642687822561575);
    close(p.lo, -0.5592512528122383);
    close(p.hi, 0.825272143228806);
  });

  it("writes both tables as Markdown and CSV", () => {
    const rs = [1, 2, 3, 4, 5, 6].flatMap((n1) => [1, 2, 3, 4].map((s) => rec(n1, 100 * n1 + s, 10 - n1 + s / 10)));
    const md = correlationMarkdown(rs);
    assert.match(md, /\| 5 \| 8 \| 5–6 \|/);
    assert.match(md, /Pooled within configurations/);
    const csv = correlationCsv(rs).trim().split("\n");
    assert.equal(csv.length, 1 + 8 * 4 + 6 * 4 + 4);
  });
});
