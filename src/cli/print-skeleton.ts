/** Print a skeleton or interval count as `tessera count` does (text or one JSON object). */
import { describeBox } from "../bounds/from-network.ts";
import type { Box } from "../model/network.ts";
import type { IntervalRunResult } from "../run/intervals-runner.ts";
import type { SkeletonRunResult } from "../run/skeleton-runner.ts";
import { formatCount } from "../util/progress.ts";
import { verifyLines } from "./verify-lines.ts";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const stableTotal = (r: { stableActive: number[]; stableInactive: number[] }) => sum(r.stableActive) + sum(r.stableInactive);

/** Print a skeleton count as `tessera count` does (text or one JSON object). */
export function printSkeletonResult(r: SkeletonRunResult, modelPath: string, box: Box, json: boolean, note?: string): void {
  if (json) {
    process.stdout.write(
      JSON.stringify({
        model: modelPath,
        method: "skeleton",
        ...(note ? { chosen: note } : {}),
        regions: r.regions,
        complete: true,
        stableUnits: stableTotal(r),
        stableActive: r.stableActive,
        stableInactive: r.stableInactive,
        lps: r.resolved,
        vertices: r.vertices,
        edges: r.edges,
        cells: r.cells,
        resolvedCells: r.resolved,
        seconds: Number(r.seconds.toFixed(4)),
        threshold: r.threshold,
        ...(r.verify ? { verify: r.verify } : {}),
        ...(r.complexWritten ? { complex: r.complexWritten } : {}),
      }) + "\n",
    );
    return;
  }
  const d = r.dim;
  const lines = [
    `model          ${modelPath}`,
    `domain         ${describeBox(box)}`,
    `method         skeleton (${d === 1 ? "intervals" : "vertex-edge complex"} refined unit by unit, no LPs${note ? `; ${note}` : ""})`,
    `regions        ${formatCount(r.regions)}`,
    `stable units   ${stableTotal(r)} (${sum(r.stableActive)} always active, ${sum(r.stableInactive)} always inactive; exact, from the complex)`,
    `complex        ${formatCount(r.vertices)} vertices, ${formatCount(r.edges)} edges made, ${formatCount(r.cells)} cells${r.resolved ? ` (${r.resolved} thin cells decided by a margin LP)` : ""}`,
    `seconds        ${r.seconds.toFixed(3)}`,
  ];
  if (r.verify) lines.push(...verifyLines(r.verify));
  if (r.complexWritten) lines.push(`complex file   ${r.complexWritten}`);
  process.stdout.write(lines.join("\n") + "\n");
}

/** Print an interval count as `tessera count` does (text or one JSON object). */
export function printIntervalResult(r: IntervalRunResult, modelPath: string, box: Box, json: boolean, note?: string): void {
  const stable = stableTotal(r);
  if (json) {
    process.stdout.write(
      JSON.stringify({
        model: modelPath,
        method: "intervals",
        ...(note ? { chosen: note } : {}),
        regions: r.regions,
        complete: true,
        stableUnits: stable,
        stableActive: r.stableActive,
        stableInactive: r.stableInactive,
        lps: 0,
        breakpoints: r.breakpoints,
        intervals: r.intervals,
        thinRegions: r.thin,
        seconds: Number(r.seconds.toFixed(4)),
        threshold: r.threshold,
        ...(r.verify ? { verify: r.verify } : {}),
      }) + "\n",
    );
    return;
  }
  const lines = [
    `model          ${modelPath}`,
    `domain         ${describeBox(box)}`,
    `method         intervals (every unit's breakpoints along the line, layer by layer, no LPs${note ? `; ${note}` : ""})`,
    `regions        ${formatCount(r.regions)}${r.thin ? `  (+ ${r.thin} thinner than the threshold ${r.threshold}, not counted)` : ""}`,
    `stable units   ${stable} (${sum(r.stableActive)} always active, ${sum(r.stableInactive)} always inactive; exact, no breakpoint in the box)`,
    `breakpoints    ${formatCount(r.breakpoints)} in the box, ${formatCount(r.intervals)} intervals`,
    `seconds        ${r.seconds.toFixed(3)}`,
  ];
  if (r.verify) lines.push(...verifyLines(r.verify));
  process.stdout.write(lines.join("\n") + "\n");
}
