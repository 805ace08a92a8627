/**
 * The two figures of the Serra et al. 2018 study (after the seed poster's): region counts against the bounds by
 * configuration, and training error against region count. SVG strings from src/render/chart.ts (isomorphic).
 */
import { lineChart, scatterChart, sideBySide } from "../render/chart.ts";
import type { ConfigRow, NetworkRecord } from "./table.ts";

/**
 * Counts (mean, with the min–max band over the networks) and the three architecture bounds of the paper — 2^N
 * (Montúfar et al. 2014), Montúfar 2017 and the rectifier bound of Serra et al. 2018 — plus the mean stable-unit
 * bound, on a log axis by configuration N1;N2.
 */
export function regionsFigure(rows: readonly ConfigRow[], subtitle: string): string {
  const x = rows.map((r) => `${r.n1};${r.n2}`);
  const num = (key: "montufar2014" | "montufar2017" | "serra2018") => rows.map((r) => Number(r[key]));
  return lineChart({
    title: "Linear regions of MNIST networks with 22 hidden units",
    subtitle,
    xLabel: "configuration N1;N2",
    yLabel: "linear regions in [0, 1]^784",
    yScale: "log",
    x,
    width: 900,
    height: 560,
    series: [
      { name: "2^N (Montúfar et al. 2014)", values: num("montufar2014"), colour: "#9ca3af", dashed: true },
      { name: "Montúfar 2017", values: num("montufar2017"), colour: "#E69F00", dashed: true },
      { name: "Serra et al. 2018", values: num("serra2018"), colour: "#D55E00" },
      { name: "stable-unit bound (mean)", values: rows.map((r) => r.stableMean), colour: "#CC79A7", dashed: true, markers: true },
      {
        name: "exact count (mean, min–max)",
        values: rows.map((r) => r.regionsMean),
        band: { lo: rows.map((r) => r.regionsMin), hi: rows.map((r) => r.regionsMax) },
        colour: "#0072B2",
        markers: true,
      },
    ],
  });
}

/** Which error a figure plots: the training set's or the test set's. */
export type ErrorSet = "train" | "test";

/**
 * Error against region count, one point per network coloured from red (smallest N1 present) to blue (largest N1
 * present), as two panels: mean cross-entropy (nats; the poster's "Training error (CE)") and misclassification (%).
 * Both axes are logarithmic: counts span six decades, and on a log error axis the wide-first-layer networks
 * (N1 ≥ 18, whose counts all lie within 10 % of 2^22 and so stack in one column) separate by their errors, which run
 * from 4 % to 66 %. No jitter: every point sits at its network's exact count and error.
 */
export function errorFigure(records: readonly NetworkRecord[], set: ErrorSet, subtitle: string): string {
  const n1s = records.map((r) => r.n1);
  const colourScale = { label: "N1", min: n1s.length ? Math.min(...n1s) : 1, max: n1s.length ? Math.max(...n1s) : 1 };
  const name = set === "train" ? "Training" : "Test";
  const panel = (measure: "loss" | "error") => scatterChart({
    title: `${name} ${measure === "loss" ? "cross-entropy" : "misclassification"} against linear regions`,
    subtitle,
    xLabel: "linear regions in [0, 1]^784 (log)",
    yLabel: measure === "loss" ? `${set === "train" ? "training" : "test"} error, cross-entropy (nats, log)` : `${set === "train" ? "training" : "test"} error, misclassified % (log)`,
    xScale: "log",
    yScale: "log",
    width: 640,
    height: 540,
    radius: 3.6,
    points: records.map((r) => ({
      x: r.regions,
      y: measure === "loss" ? (set === "train" ? r.trainLoss : r.testLoss) : 100 * (set === "train" ? r.trainError : r.testError),
      t: r.n1,
    })),
    colourScale,
  });
  return sideBySide([panel("loss"), panel("error")]);
}
