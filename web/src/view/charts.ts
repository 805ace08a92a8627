/**
 * The two small charts beside the picture, drawn by the core's lineChart: regions in the view against epoch (one
 * point per computed partition; the history restarts when the view changes), and train and test loss against epoch.
 * Long runs are thinned to at most {@link MAX_POINTS} points per series so a redraw stays cheap.
 */
import { classColour, lineChart } from "tessera";

/** Points drawn per series at most (evenly thinned, the last point always kept). */
export const MAX_POINTS = 300;
const SIZE = { width: 460, height: 230 };

/** Indices 0…n−1 thinned to at most `max`, keeping the first and the last. */
export function thinned(n: number, max = MAX_POINTS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

/** The histories the charts show: of one training run (points of any other run are refused). */
export class History {
  /** The run the history belongs to (undefined: any; set by {@link clear}). */
  run: number | undefined;
  lossEpochs: number[] = [];
  trainLoss: number[] = [];
  testLoss: number[] = [];
  regionEpochs: number[] = [];
  regions: number[] = [];

  /** Start again, for training run `run` (points of other runs are refused from now on). */
  clear(run?: number): void {
    this.run = run;
    this.lossEpochs = [];
    this.trainLoss = [];
    this.testLoss = [];
    this.clearRegions();
  }

  clearRegions(): void {
    this.regionEpochs = [];
    this.regions = [];
  }

  /** Record an epoch's losses (an epoch seen again replaces nothing: the first report stands). */
  addLoss(epoch: number, train: number, test: number, run?: number): void {
    if (run !== undefined && this.run !== undefined && run !== this.run) return;
    if (this.lossEpochs.length && this.lossEpochs[this.lossEpochs.length - 1] >= epoch) return;
    this.lossEpochs.push(epoch);
    this.trainLoss.push(train);
    this.testLoss.push(test);
  }

  /** Record the region count of an epoch's picture (of another run: refused; the newest of an epoch stands). */
  addRegions(epoch: number, count: number, run?: number): void {
    if (run !== undefined && this.run !== undefined && run !== this.run) return;
    const last = this.regionEpochs.length - 1;
    if (last >= 0 && this.regionEpochs[last] === epoch) {
      this.regions[last] = count;
      return;
    }
    if (last >= 0 && this.regionEpochs[last] > epoch) return;
    this.regionEpochs.push(epoch);
    this.regions.push(count);
  }
}

function pick<T>(values: T[], idx: number[]): T[] {
  return idx.map((i) => values[i]);
}

/** SVG of the region-count chart (empty string before the first partition). */
export function regionChart(h: History): string {
  if (h.regions.length === 0) return "";
  const idx = thinned(h.regions.length);
  return lineChart({
    ...SIZE,
    title: "Regions in view",
    xLabel: "epoch",
    x: pick(h.regionEpochs, idx),
    series: [{ name: "", values: pick(h.regions, idx), colour: "#374151", markers: idx.length < 40 }],
  });
}

/** SVG of the loss chart (empty string before the first epoch), named by its loss (a regression's is the MSE). */
export function lossChart(h: History, loss = "softmax cross-entropy"): string {
  if (h.lossEpochs.length === 0) return "";
  const idx = thinned(h.lossEpochs.length);
  const hasTest = h.testLoss.some((v) => Number.isFinite(v));
  return lineChart({
    ...SIZE,
    title: `Loss (${loss})`,
    xLabel: "epoch",
    x: pick(h.lossEpochs, idx),
    series: [
      { name: "train", values: pick(h.trainLoss, idx), colour: classColour(0) },
      ...(hasTest ? [{ name: "test", values: pick(h.testLoss, idx), colour: classColour(1), dashed: true }] : []),
    ],
  });
}
