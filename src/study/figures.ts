/**
 * The two figures of the Serra et al. 2018 study (after the seed poster's): region counts against the bounds by
 * configuration, and training error against region count. SVG strings from src/render/chart.ts (isomorphic).
 */
import { lineChart, scatterChart } from "../render/chart.ts";
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

/** Training error (%) against region count (log axis), one point per network, coloured from red (N1 = 1) to blue (N1 = total − 1). */
export function errorFigure(records: readonly NetworkRecord[], totalUnits: number, subtitle: string): string {
  return scatterChart({
    title: "Training error against the number of linear regions",
    subtitle,
    xLabel: "linear regions in [0, 1]^784",
    yLabel: "training error (%)",
    xScale: "log",
    width: 900,
    height: 560,
    points: records.map((r) => ({ x: r.regions, y: 100 * r.trainError, t: r.n1 })),
    colourScale: { label: "N1", min: 1, max: totalUnits - 1 },
  });
}
