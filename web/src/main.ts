/**
 * The explorer page: controls, the two workers (training with TF.js, exact partition with the core), the live
 * picture, the network diagram, the numbers and the charts, file drops and exports. State flows one way: the
 * training worker reports weights after every epoch, tagged with the run (one per reset); the page asks the
 * partition worker for the newest weights over the view (client.ts: one request in flight with a generation number,
 * newer epochs replace a waiting request, another run or view cancels the one in flight); an answer is drawn only
 * when its generation and run are current. The URL holds every setting and the view, written as they change.
 */
import { activationName, allBounds, evaluate, isRegression, patternToString, REGRESSION_KINDS, regressionDataset, type RegressionKind, type BoundsActivation, boundsActivationOf, classColour, classFill, hiddenLayers, hiddenWidths, MODEL_FORMAT_NAMES, type Network, outputDim, parseCsvDataset, PLANAR_KINDS, planarDataset, type PlanarKind, type PlaneRect, type PointDataset, predictedClass, RasterPaintContext, stringifyTesseraJson, unitsOf } from "tessera";
import { isInputError, oneLine, readFiles, readModel, type LoadedNetwork, type NamedBytes } from "./files.ts";
import { PartitionClient, sameRect, type Delivery, type PartitionJob, type SplitRule } from "./partition/client.ts";
import type { PackedPartition } from "./partition/packed.ts";
import type { PictureOptions } from "./partition/protocol.ts";
import { MAX_HIDDEN_LAYERS, MAX_WIDTH, parseWidths, readQuery, RESTART_KEYS, SETTINGS, settingsQuery } from "./settings.ts";
import type { EpochMetrics, TrainConfig, TrainData, TrainTuning } from "./train/mlp.ts";
import { configOf, initialNetwork, untrainableReason } from "./train/mlp.ts";
import type { BackendChoice, TrainBackend, TrainReport, TrainRequest } from "./train/protocol.ts";
import { History, lossChart, regionChart } from "./view/charts.ts";
import { compareRegions } from "./view/compare.ts";
import { inspectRegion } from "./view/inspect.ts";
import { polygonAtIndexed as polygonAt } from "./view/polygon-index.ts";
import { RegionMaps } from "./view/region-map.ts";
import { locateUnit, outputScale, shadeUnitOutput, unitOutputForms, valueColour } from "./view/unit-output.ts";
import { NetworkDiagram } from "./view/network-diagram.ts";
import { PartitionPainter, type PaintStyle, valueForms } from "./view/painter.ts";
import { PlotView } from "./view/plot.ts";
import { viewLayout } from "./view/layout.ts";

/**
 * The network diagram and the charts (SVG: costly to restyle and repaint, with no GPU) are redrawn at most this
 * often while training (ms); the numbers follow every epoch.
 */
const CHART_INTERVAL = 300;
/**
 * Share of the page's main thread the diagram and charts may take while training: after an update that took t ms
 * the next waits at least t / CHART_SHARE ms (a 2-64-64-64-2 diagram strokes 8,448 weight lines; at 40 ms a redraw,
 * every 300 ms would be 13 % of the thread in tasks long enough to drop frames).
 */
const CHART_SHARE = 0.05;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);
const select = (id: string) => $<HTMLSelectElement>(id);
const params = new URLSearchParams(location.search);

// ---------- state ----------

interface Shown {
  partition: PackedPartition;
  network: Network;
  epoch: number;
  /** The training run (one per reset) the weights came from. */
  run: number;
  /** Generation number of the partition request (client.ts). */
  gen: number;
  /** The exactly composed affine maps of its regions (hover, inspector), built per region on first use. */
  maps: RegionMaps;
}

const state = {
  dataset: undefined as unknown as PointDataset,
  dataName: "circle",
  csvText: undefined as string | undefined,
  config: undefined as unknown as TrainConfig,
  run: 0,
  trainable: true,
  /** Why the current network cannot be trained (a loaded model). */
  frozenReason: undefined as string | undefined,
  network: undefined as Network | undefined,
  epoch: 0,
  metrics: undefined as EpochMetrics | undefined,
  epochMs: 0,
  playing: false,
  backend: "cpu" as TrainBackend,
  shown: undefined as Shown | undefined,
  modelName: undefined as string | undefined,
  hoveredUnit: null as number | null,
  /** Epochs skipped between the last two pictures of a run (the partition could not keep up). */
  skipped: 0,
  historyRect: undefined as PlaneRect | undefined,
  /** A setting that cannot be used (one line): training is stopped until it is fixed. */
  invalid: undefined as string | undefined,
  /** The settings the current dataset was built from (a change refits the view). */
  dataKey: "",
};
const history = new History();
/** The plane point under the pointer (to refresh the hover text when a new partition arrives). */
let hoverPoint: [number, number] | null = null;
/** Timings of the last partition cycles, for bench/explorer.ts: worker time, request → drawn. */
const timings: { run: number; epoch: number; regions: number; partitionMs: number; cycleMs: number; drawMs: number; skipped: number; joinMs?: number; composeMs?: number; showMs?: number }[] = [];
/** Milliseconds of every training epoch of the current run (the worker's own measure), for bench/explorer.ts. */
const epochTimes: number[] = [];

// ---------- helpers ----------

function setMessage(text: string, error = false): void {
  const m = $("message");
  m.textContent = text;
  m.title = text;
  m.classList.toggle("error", error);
}

function rectOfBox(box: { lo: ArrayLike<number>; hi: ArrayLike<number> }): PlaneRect {
  return { umin: box.lo[0], umax: box.hi[0], vmin: box.lo[1], vmax: box.hi[1] };
}

function architecture(net: Network): string {
  const hidden = hiddenLayers(net);
  return `${[net.inputDim, ...hiddenWidths(net), outputDim(net)].join("-")}${hidden.length ? " " + activationName(hidden[0].activation) : ""}`;
}

const num = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "–");

function signed(x: number, first: boolean): string {
  const a = Math.abs(x).toPrecision(4).replace(/\.?0+$/, "").replace(/\.?0+e/, "e");
  return first ? (x < 0 ? `−${a}` : a) : x < 0 ? ` − ${a}` : ` + ${a}`;
}

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------- data and config from the controls ----------

/** The checked canonical text of a setting's control (throws a one-line RangeError naming it). */
function setting(key: string): string {
  const sdef = SETTINGS.find((x) => x.key === key)!;
  const el = $(sdef.id) as HTMLInputElement | HTMLSelectElement;
  try {
    const v = sdef.check(el.value);
    el.removeAttribute("aria-invalid");
    return v;
  } catch (err) {
    el.setAttribute("aria-invalid", "true");
    throw err;
  }
}

function readNumber(key: string): number {
  return Number(setting(key));
}

function readTuning(): TrainTuning {
  return {
    learningRate: readNumber("lr"),
    batchSize: readNumber("batch"),
    optimizer: setting("optimizer") as TrainConfig["optimizer"],
    regularization: setting("reg") as TrainTuning["regularization"],
    regularizationRate: readNumber("regrate"),
  };
}

function readConfig(): TrainConfig {
  return {
    widths: parseWidths(setting("widths")),
    activation: setting("activation") as TrainConfig["activation"],
    alpha: readNumber("alpha"),
    seed: readNumber("seed"),
    ...readTuning(),
  };
}

function splitOptions(): { seed: number; testFraction: number } {
  return { seed: readNumber("dataseed"), testFraction: readNumber("test") };
}

/** Build the dataset the controls describe (a planar set, or the CSV loaded last, re-split). */
function buildDataset(): PointDataset {
  const { seed, testFraction } = splitOptions();
  const kind = select("dataset").value;
  if (kind === "csv" && state.csvText !== undefined) return parseCsvDataset(state.csvText, { source: state.dataName, seed, testFraction });
  const n = readNumber("points");
  const noise = readNumber("noise");
  state.dataName = kind;
  if ((REGRESSION_KINDS as readonly string[]).includes(kind)) return regressionDataset(kind as RegressionKind, { n, noise, seed, testFraction });
  return planarDataset(kind as PlanarKind, { n, noise, seed, testFraction });
}

function trainData(d: PointDataset): TrainData {
  return {
    trainX: Float32Array.from(d.train.x),
    trainY: Int32Array.from(d.train.y),
    testX: Float32Array.from(d.test.x),
    testY: Int32Array.from(d.test.y),
    classes: d.classes,
    // A regression: one output trained with mean squared error on the targets.
    ...(isRegression(d) ? { trainT: Float32Array.from(d.targets.train), testT: Float32Array.from(d.targets.test) } : {}),
  };
}

/** Largest |f| of a one-output partition over its polygons' vertices: the scale of the value shading and legend. */
function valueScale(p: PackedPartition): number {
  return outputScale(p, valueForms(p));
}

/** The colour legend under the picture: what fills, lines and marks mean for the current colouring and data. */
function showLegend(): void {
  const d = state.dataset;
  const legend = $("legend");
  legend.replaceChildren();
  const item = (swatch: Partial<CSSStyleDeclaration>, text: string) => {
    const span = document.createElement("span");
    const box = document.createElement("span");
    box.className = "swatch";
    Object.assign(box.style, swatch);
    span.append(box, text);
    legend.append(span);
  };
  const shown = state.shown;
  if (d && isRegression(d) && paintStyle().colouring === "confidence") {
    const scale = shown && shown.partition.outputs === 1 ? valueScale(shown.partition) : NaN;
    const s = Number.isFinite(scale) ? scale.toPrecision(3) : "…";
    legend.dataset.scale = Number.isFinite(scale) ? String(scale) : "";
    item({ width: "60px", background: `linear-gradient(90deg, ${valueColour(-1)}, #ffffff, ${valueColour(1)})` }, `output f(x), exact per region: −${s} ← 0 → ${s} (scaled to the largest |f| in view)`);
  } else if (paintStyle().colouring === "confidence" && d?.classes === 2) {
    item({ width: "60px", background: `linear-gradient(90deg, ${classColour(1)}, #ffffff, ${classColour(0)})` }, `logit margin f1 − f2: ${d.classNames[1]} ← 0 → ${d.classNames[0]} (scaled to the largest in view)`);
  } else if (select("colouring").value === "class") {
    d?.classNames.forEach((name, i) => item({ background: classFill(i) }, `predicted ${name}`));
  } else {
    item({ background: "linear-gradient(90deg, #f4a6a6, #a6d8f4, #c9f4a6)" }, "one colour per activation pattern (hashed)");
  }
  item({ width: "18px", height: "0", border: "0", borderTop: "3px solid #000000", verticalAlign: "3px" }, d && isRegression(d) ? "zero-level set f(x) = 0" : "class boundary");
  item({ width: "18px", height: "0", border: "0", borderTop: "1px solid rgba(55, 65, 81, 0.9)", verticalAlign: "3px" }, "region edge");
  if (d && isRegression(d)) {
    item({ background: `linear-gradient(90deg, ${valueColour(-1)}, #ffffff, ${valueColour(1)})`, borderRadius: "50%", borderColor: "#6b7280" }, "train point, in its target's colour (−1 … 1)");
    item({ background: `linear-gradient(90deg, ${valueColour(-1)}, #ffffff, ${valueColour(1)})`, borderRadius: "50%", borderColor: "#111827", borderWidth: "2px" }, "test point (dark ring)");
  } else {
    d?.classNames.forEach((name, i) => item({ background: classColour(i), borderRadius: "50%", borderColor: "#fff" }, `train ${name}`));
    item({ background: "#fff", borderRadius: "50%", borderColor: "#6b7280", borderWidth: "2px" }, "test point (ring, its class colour)");
  }
}

function describeData(): void {
  showLegend();
  const d = state.dataset;
  const regression = isRegression(d);
  $("data-info").textContent = regression
    ? `${state.dataName}: ${d.train.y.length} train + ${d.test.y.length} test points, a regression (one output, mean squared error; targets in [${Math.min(...d.targets.train, ...d.targets.test).toFixed(2)}, ${Math.max(...d.targets.train, ...d.targets.test).toFixed(2)}])`
    : `${state.dataName}: ${d.train.y.length} train + ${d.test.y.length} test points, ${d.classes} classes (${d.classNames.join(", ")})`;
  $("pieces-name").textContent = regression ? "Zero-level-set pieces" : "Class-boundary pieces";
  $("train-metrics-name").textContent = regression ? "Train loss (MSE)" : "Train loss · accuracy";
  $("test-metrics-name").textContent = regression ? "Test loss (MSE)" : "Test loss · accuracy";
  // A regression is always shaded by its output's value (there are no classes to discretize to).
  input("discretize").disabled = regression;
  $("discretize-label").title = regression ? "A regression is shaded by its output's value f(x), exact per region" : "Off: shade each region by the logit margin f1 − f2 (2 classes), exact per region";
}

// ---------- workers ----------

const trainWorker = new Worker(new URL("./train/train-worker.ts", import.meta.url), { type: "module" });
const sendTrain = (m: TrainRequest) => trainWorker.postMessage(m);

/** Whether workers paint (OffscreenCanvas) and hand the page bitmaps; otherwise the page paints the packed arrays. */
const WORKER_PAINTS = typeof OffscreenCanvas !== "undefined" && typeof ImageBitmap !== "undefined";
const partitions = new PartitionClient(
  () => new Worker(new URL("./partition/partition-worker.ts", import.meta.url), { type: "module" }),
  () => ({ style: paintStyle(), size: plot.size() }),
  WORKER_PAINTS,
  splitRule(params.get("split")),
);

/** `?split=auto|always|never`: when a view is partitioned by two workers (default auto: large networks). */
function splitRule(value: string | null): SplitRule {
  if (value === null || value === "auto" || value === "always" || value === "never") return value ?? "auto";
  setMessage(`URL split=${value}: give auto, always or never (using auto)`, true);
  return "auto";
}

/** The run whose epoch-0 picture the page requested from its own seeded initialisation. */
let seededEpoch0 = -1;

/** Ask for the partition of the newest network over the current view (see client.ts for waiting and cancelling). */
function requestPartition(): void {
  if (!state.network) return;
  partitions.request({ network: state.network, rect: { ...plot.view }, epoch: state.epoch, run: state.run });
}

partitions.onDelivery = (d) => {
  if (d.job.run !== state.run) return; // a run that is gone (client.ts cancels these; this is the last guard)
  showPartition(d);
};
partitions.onPainted = (gen, bitmap, drawMs) => {
  if (state.shown?.gen !== gen) return bitmap.close();
  putBitmap(bitmap);
  $("timing").dataset.paintMs = drawMs.toFixed(1);
};
partitions.onError = (message, job) => {
  if (!job || job.run === state.run) setMessage(message, true);
  showPictureStatus();
};
/** Progress of the partition in flight, for the "computing…" label. */
let progress = "";
partitions.onChange = () => {
  progress = "";
  showPictureStatus();
};
partitions.onProgress = (job, layer, layers, pieces) => {
  progress = ` (layer ${layer} of ${layers}: ${pieces.toLocaleString("en-US")} pieces)`;
  showPictureStatus();
};

trainWorker.onmessage = (e: MessageEvent<TrainReport>) => {
  const m = e.data;
  switch (m.type) {
    case "epoch":
      if (m.run !== state.run) return; // from before the last reset
      state.network = m.network;
      state.epoch = m.epoch;
      state.metrics = m.metrics;
      state.epochMs = m.epochMs;
      state.backend = m.backend;
      if (m.epoch > 0) epochTimes.push(m.epochMs);
      history.addLoss(m.epoch, m.metrics.trainLoss, m.metrics.testLoss, m.run);
      // Epoch 0 of a seeded run was requested already, with the same weights (see restart).
      if (!(m.epoch === 0 && seededEpoch0 === m.run)) requestPartition();
      scheduleUi();
      break;
    case "state":
      state.playing = m.playing;
      scheduleUi();
      break;
    case "error":
      setMessage(m.message, true);
      break;
  }
};
trainWorker.onerror = (e) => setMessage(`training worker failed: ${e.message}`, true);

// ---------- picture ----------

const plot = new PlotView($<HTMLCanvasElement>("plot-base"), $<HTMLCanvasElement>("plot"), { umin: -1, umax: 1, vmin: -1, vmax: 1 });
const diagram = new NetworkDiagram($("diagram"));

function paintStyle(): PaintStyle {
  const fill = select("colouring").value as PaintStyle["colouring"];
  // A regression (one output) is shaded by its value, a classifier by class unless "discretize output" is off.
  const byValue = fill === "class" && (!input("discretize").checked || (state.dataset !== undefined && isRegression(state.dataset)));
  return { colouring: byValue ? "confidence" : fill, showEdges: input("show-edges").checked };
}

/** Paints partitions on the page when workers cannot (no OffscreenCanvas). */
const pagePainter = WORKER_PAINTS ? undefined : new PartitionPainter(plot.base, paintStyle(), plot.size());
const bitmapContext = WORKER_PAINTS ? plot.base.getContext("bitmaprenderer") : null;

/** Show a picture painted by the worker (one bitmap: no drawing on the page's thread). */
function putBitmap(bitmap: ImageBitmap): void {
  if (plot.base.width !== bitmap.width || plot.base.height !== bitmap.height) {
    plot.base.width = bitmap.width;
    plot.base.height = bitmap.height;
  }
  bitmapContext!.transferFromImageBitmap(bitmap);
}

/** Repaint the shown partition after a change of style or size. */
function repaint(change: { style?: PaintStyle; size?: ReturnType<PlotView["size"]> }): void {
  if (pagePainter) {
    if (change.style) pagePainter.setStyle(change.style);
    if (change.size) pagePainter.setSize(change.size);
    pagePainter.draw();
  } else if (state.shown && !partitions.repaint(state.shown.gen)) {
    // The worker that painted it was replaced (a cancelled partition): compute the picture again.
    requestPartition();
  }
}
plot.onResize = (size) => repaint({ size });

function showPartition(d: Delivery): void {
  const tShow = performance.now();
  const { partition: p, job } = d;
  const { network, epoch } = job;
  let drawMs = d.drawMs;
  if (pagePainter) {
    pagePainter.setPartition(p);
    drawMs = pagePainter.draw();
  } else if (d.bitmap) {
    putBitmap(d.bitmap);
  }
  const skipped = state.shown && state.shown.run === job.run && epoch > state.shown.epoch + 1 ? epoch - state.shown.epoch - 1 : 0;
  state.shown = { partition: p, network, epoch, run: job.run, gen: d.gen, maps: new RegionMaps(network, p) };
  plot.setShown(p);
  if (state.hoveredUnit !== null) plot.setHighlightUnit(state.hoveredUnit);
  if (hoverPoint) plot.onHover(hoverPoint);
  if (inspectPoint) showInspector();
  if (pinned) showCompare();
  if (outputUnit !== null) showUnitOutput(!state.playing);
  timings.push({ run: job.run, epoch, regions: p.regions, partitionMs: p.ms, drawMs, cycleMs: d.cycleMs, skipped, joinMs: d.joinMs, composeMs: d.composeMs, showMs: performance.now() - tShow });
  if (timings.length > 1000) timings.shift();
  $("timing").textContent = `${p.ms.toFixed(1)} ms (+ paint ${drawMs.toFixed(1)}) · ${state.epochMs.toFixed(0)} ms/epoch (${state.backend})`;
  const regions = $("regions");
  regions.textContent = p.regions.toLocaleString("en-US");
  regions.dataset.epoch = String(epoch);
  regions.dataset.run = String(job.run);
  regions.dataset.rect = JSON.stringify(p.rect);
  regions.title = p.slivers ? `plus ${p.slivers} sliver polygon(s) thinner than the interior threshold (not regions)` : "";
  $("pieces").textContent = p.boundaryPieces.toLocaleString("en-US");
  if (!sameRect(p.rect, state.historyRect)) {
    history.clearRegions();
    state.historyRect = p.rect;
  }
  history.addRegions(epoch, p.regions, job.run);
  if (isRegression(state.dataset)) showLegend(); // its value scale is the new picture's
  state.skipped = skipped;
  showPictureStatus();
  scheduleUi();
}

/**
 * The label under the picture: which epoch it shows, whether a newer one is being computed ("computing…" also on
 * the picture), and how many epochs were skipped to keep up (big networks partition slower than they train).
 */
function showPictureStatus(): void {
  const s = state.shown, busy = partitions.busy, queued = partitions.queued;
  const current = s && s.run === state.run && s.epoch === state.epoch && sameRect(s.partition.rect, plot.view);
  const label = $("picture-status"), badge = $("computing");
  const what = (j: PartitionJob) => (state.frozenReason ? "the loaded model" : `epoch ${j.epoch}`);
  const shownText = !s || s.run !== state.run ? "no picture of this run yet" : state.frozenReason ? "picture of the loaded model" : `picture of epoch ${s.epoch}`;
  const skippedText = state.skipped > 0 ? ` (${state.skipped} epoch${state.skipped === 1 ? "" : "s"} skipped while partitioning)` : "";
  if (busy && busy.run === state.run) {
    badge.textContent = `computing ${what(busy)}…`;
    badge.classList.add("on");
    label.textContent = `${shownText}${skippedText}; computing ${what(busy)}${progress}${queued ? `, then the newest (epoch ${queued.epoch})` : ""}…`;
  } else {
    badge.classList.remove("on");
    label.textContent = `${shownText}${skippedText}`;
  }
  label.classList.toggle("stale", !current);
  label.dataset.state = busy ? "computing" : current ? "current" : "stale";
}

plot.onViewChange = (v) => {
  showView(v);
  requestPartition();
  writeUrl();
};

function showView(v: PlaneRect): void {
  const f = (x: number) => x.toPrecision(3);
  $("view-rect").textContent = `[${f(v.umin)}, ${f(v.umax)}] × [${f(v.vmin)}, ${f(v.vmax)}]`;
}

function setView(v: PlaneRect): void {
  plot.setView(v);
  showView(v);
  requestPartition();
  writeUrl();
}

/** The text the hover box shows when the pointer is on no region. */
const HOVER_HELP = "Hover a region for its activation pattern and affine map; hover a unit of the network for its bent hyperplane.";

/**
 * What the hover box shows, for the tests: the point, its polygon, that polygon's pattern and composed map, and the
 * network's output there (the core's `evaluate`, which `tessera eval` prints).
 */
let hoverFacts: { point: [number, number]; polygon: number; pattern: string; J: number[]; c: number[]; output: number[] } | null = null;

plot.onHover = (pt) => {
  hoverPoint = pt;
  hoverFacts = null;
  const shown = state.shown;
  const box = $("hover");
  if (!pt || !shown) {
    plot.setHoverPolygon(-1);
    box.textContent = HOVER_HELP;
    return;
  }
  const p = shown.partition;
  const k = polygonAt(p, pt[0], pt[1]);
  plot.setHoverPolygon(k);
  if (k < 0) {
    box.textContent = `x = (${pt[0].toFixed(3)}, ${pt[1].toFixed(3)}): outside the partitioned rectangle`;
    return;
  }
  const lines = [
    `x = (${pt[0].toFixed(3)}, ${pt[1].toFixed(3)}): ${k < p.regions ? `region ${k + 1} of ${p.regions}` : "a sliver (thinner than the interior threshold, not a region)"}`,
    ...regionLines(shown, k),
  ];
  // The output at the point itself, by a plain forward pass: exactly what `tessera eval` prints.
  const out = evaluate(shown.network, pt).output;
  if (out.length === 1) lines.push(`output here: f(x) = ${signed(out[0], true)}`);
  else {
    const cls = predictedClass(out);
    lines.push(`predicted here: ${state.dataset.classNames[cls] ?? `class ${cls}`}`);
  }
  const map = shown.maps.mapOf(k);
  hoverFacts = {
    point: [pt[0], pt[1]],
    polygon: k,
    pattern: patternToString(p.patterns.subarray(k * p.units, (k + 1) * p.units)),
    J: Array.from(map.J),
    c: Array.from(map.c),
    output: Array.from(out),
  };
  box.textContent = lines.join("\n");
};

/** Pattern (layer by layer) and exactly composed output maps of polygon k of the shown partition, one line each. */
function regionLines(shown: Shown, k: number): string[] {
  const p = shown.partition;
  const pattern = p.patterns.subarray(k * p.units, (k + 1) * p.units);
  const groups: string[] = [];
  let at = 0;
  for (const layer of hiddenLayers(shown.maps.layerwise())) {
    const n = unitsOf(layer);
    groups.push(Array.from(pattern.subarray(at, at + n)).join(""));
    at += n;
  }
  const lines = [`pattern  ${groups.map((g, l) => `layer ${l + 1}: ${g}`).join("   ")}`];
  const map = shown.maps.mapOf(k);
  for (let r = 0; r < map.rows; r++) {
    const J0 = map.J[r * 2], J1 = map.J[r * 2 + 1], c = map.c[r];
    lines.push(`f${map.rows === 1 ? "" : r + 1}(x) = ${signed(J0, true)}·x1${signed(J1, false)}·x2${signed(c, false)}`);
  }
  return lines;
}

/** Layer (1-based) and unit (1-based) of a pattern index. */
function unitName(net: Network, unit: number): string {
  let at = 0;
  for (const [l, layer] of hiddenLayers(net).entries()) {
    const n = unitsOf(layer);
    if (unit < at + n) return `layer ${l + 1} unit ${unit - at + 1}`;
    at += n;
  }
  return `unit ${unit}`;
}

/** The point whose region the inspector shows (kept across pictures: the inspector follows training there). */
let inspectPoint: [number, number] | null = null;
const INSPECT_HELP = "Click a region to inspect it: polygon, pattern, affine map, area, neighbours.";

/** Fill the region inspector for the region at `inspectPoint` in the shown picture. */
function showInspector(): void {
  const box = $("inspector"), shown = state.shown;
  const k = inspectPoint && shown ? polygonAt(shown.partition, inspectPoint[0], inspectPoint[1]) : -1;
  plot.setSelected(k);
  if (!shown || k < 0) {
    box.textContent = INSPECT_HELP;
    box.dataset.region = "";
    return;
  }
  const p = shown.partition, r = p.rect;
  const info = inspectRegion(p, k);
  const f = (x: number) => x.toPrecision(4);
  const share = info.area / ((r.umax - r.umin) * (r.vmax - r.vmin));
  const across = info.edges.map((e) => (e.unit < 0 ? "the view's edge" : `${unitName(shown.network, e.unit)} → ${e.neighbour < 0 ? "–" : e.neighbour < p.regions ? `region ${e.neighbour + 1}` : "a sliver"}`));
  const neighbours = new Set(info.edges.filter((e) => e.neighbour >= 0 && e.neighbour < p.regions).map((e) => e.neighbour));
  box.dataset.region = String(k + 1);
  box.dataset.neighbours = String(neighbours.size);
  box.textContent = [
    `${k < p.regions ? `region ${k + 1} of ${p.regions}` : "a sliver (not a region)"} · ${state.frozenReason ? "loaded model" : `epoch ${shown.epoch}`}`,
    `area ${f(info.area)} (${(100 * share).toPrecision(3)} % of the view) · ${info.vertices.length} vertices · ${neighbours.size} neighbouring region${neighbours.size === 1 ? "" : "s"}`,
    `polygon ${info.vertices.map(([x, y]) => `(${f(x)}, ${f(y)})`).join(" ")}`,
    ...regionLines(shown, k),
    `edges (unit whose hyperplane carries it → the region across):`,
    ...across.map((a, i) => `  ${i + 1}. ${a}`),
  ].join("\n");
}

/** The picture pinned for comparison: its partition (patterns) and what it showed. */
let pinned: Shown | undefined;

/** Pin the shown picture: a copy of its pixels beside the live one, and the region changes since then. */
async function pin(): Promise<void> {
  const s = state.shown;
  if (!s) return setMessage("nothing to pin yet", true);
  pinned = s;
  const canvas = $<HTMLCanvasElement>("pinned");
  const image = await createImageBitmap(plot.base);
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext("2d")!.drawImage(image, 0, 0);
  image.close();
  $("compare").hidden = false;
  $("unpin").hidden = false;
  showCompare();
}

function unpin(): void {
  pinned = undefined;
  $("compare").hidden = true;
  $("unpin").hidden = true;
}

/** The comparison text: regions born and gone between the pinned picture and the shown one (same view only). */
function showCompare(): void {
  const a = pinned, b = state.shown, text = $("compare-text");
  if (!a || !b) return;
  const label = (s: Shown) => (s.run === b.run ? `epoch ${s.epoch}` : `epoch ${s.epoch} of an earlier run`);
  if (!sameRect(a.partition.rect, b.partition.rect) || a.partition.units !== b.partition.units) {
    text.textContent = `pinned: ${label(a)}, ${a.partition.regions.toLocaleString("en-US")} regions\nnot comparable with the shown picture (${a.partition.units !== b.partition.units ? "another architecture" : "another view"})`;
    text.dataset.born = text.dataset.gone = "";
    return;
  }
  const c = compareRegions(a.partition, b.partition);
  text.dataset.born = String(c.born);
  text.dataset.gone = String(c.gone);
  text.dataset.kept = String(c.kept);
  text.dataset.epochs = `${a.epoch},${b.epoch}`;
  const n = (x: number) => x.toLocaleString("en-US");
  text.textContent = [
    `left: ${label(a)}, ${n(c.before)} regions · now: ${label(b)}, ${n(c.after)} regions`,
    `${n(c.kept)} activation patterns in both`,
    `${n(c.born)} regions born (patterns new since the pin)`,
    `${n(c.gone)} regions gone (merged away or vanished)`,
  ].join("\n");
}

plot.onClick = (pt) => {
  inspectPoint = pt;
  showInspector();
};

/** The unit whose output is shown beside the diagram (clicked), and when it was last drawn. */
let outputUnit: number | null = null;
let outputDrawn = 0;
/** While training, the unit's output picture is redrawn at most this often (ms): it is composed on the page. */
const UNIT_OUTPUT_INTERVAL = 1000;

/** Draw the clicked unit's output over the shown view, exact per region (unit-output.ts), with its scale. */
function showUnitOutput(force = false): void {
  const box = $("unit-output"), shown = state.shown;
  if (outputUnit === null || !shown) {
    box.hidden = true;
    return;
  }
  const now = performance.now();
  if (!force && now - outputDrawn < UNIT_OUTPUT_INTERVAL) return;
  outputDrawn = now;
  const p = shown.partition, net = shown.network;
  let where: { layer: number; index: number };
  try {
    where = locateUnit(net, outputUnit);
  } catch {
    outputUnit = null;
    box.hidden = true;
    return;
  }
  const forms = unitOutputForms(net, p, outputUnit);
  const scale = outputScale(p, forms);
  const canvas = $<HTMLCanvasElement>("unit-canvas");
  const css = 150, dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(css * dpr);
  canvas.height = Math.round(css * dpr);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#eceef1";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // Every pixel in the colour of the unit's exact output at its centre (affine on each region), on the grey ground.
  const { s, ox, oy } = viewLayout(css, css, p.rect), r = p.rect;
  const raster = new RasterPaintContext(ctx, canvas.width, canvas.height, dpr, { x: ox, y: oy, w: s * (r.umax - r.umin), h: s * (r.vmax - r.vmin) });
  shadeUnitOutput(raster, p, forms, scale, { left: ox, top: oy, scale: s, umin: r.umin, vmax: r.vmax }, dpr);
  raster.flush();
  box.hidden = false;
  const info = $("unit-output-info");
  info.dataset.unit = String(outputUnit);
  info.dataset.scale = String(scale);
  info.textContent = `layer ${where.layer + 1}, unit ${where.index + 1}: its output over the view (${state.frozenReason ? "loaded model" : `epoch ${shown.epoch}`}), exact per region. Blue > 0, orange < 0, white 0; the strongest colour is |h| = ${scale.toPrecision(3)}.${scale === 0 ? " The unit is dead (0) everywhere in the view." : ""} Click the unit again to hide.`;
}

diagram.onClickUnit = (info) => {
  outputUnit = outputUnit === info.unit ? null : info.unit;
  showUnitOutput(true);
};

diagram.onHoverUnit = (info) => {
  state.hoveredUnit = info?.unit ?? null;
  const pieces = plot.setHighlightUnit(state.hoveredUnit);
  $("unit-info").textContent = info
    ? `layer ${info.layer}, unit ${info.index + 1}: its bent hyperplane (zero set) crosses the view in ${pieces} piece${pieces === 1 ? "" : "s"}`
    : "\u00a0";
};

// ---------- numbers, diagram, charts ----------

let uiFrame = 0;
/** When the diagram and charts may be redrawn next (see CHART_SHARE). */
let nextChart = 0;
let chartTimer = 0;

function scheduleUi(): void {
  if (uiFrame) return;
  uiFrame = requestAnimationFrame(() => {
    uiFrame = 0;
    updateUi();
  });
}

/**
 * Set an element's text only when it changed: a write of the same text still invalidates the page's layout, and the
 * numbers are written every frame while training.
 */
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setData(el: HTMLElement, key: string, value: string): void {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

function updateUi(): void {
  const epoch = $("epoch");
  setText(epoch, state.frozenReason ? "–" : state.epoch.toLocaleString("en-US"));
  setData(epoch, "epoch", String(state.epoch));
  setData(epoch, "run", String(state.run));
  const play = $<HTMLButtonElement>("play");
  setText(play, state.playing ? "❚❚ Pause" : "▶ Play");
  play.disabled = !!state.frozenReason || !!state.invalid;
  $<HTMLButtonElement>("step").disabled = !!state.frozenReason || !!state.invalid || state.playing;
  const m = state.metrics;
  const regression = state.dataset !== undefined && isRegression(state.dataset);
  setText($("train-metrics"), m ? (regression ? num(m.trainLoss, 4) : `${num(m.trainLoss)} · ${pct(m.trainAccuracy)}`) : "–");
  setText($("test-metrics"), m ? (regression ? num(m.testLoss, 4) : `${num(m.testLoss)} · ${pct(m.testAccuracy)}`) : "–");
  const now = performance.now();
  if (now >= nextChart) {
    if (state.network) diagram.setNetwork(state.network);
    $("chart-regions").innerHTML = regionChart(history);
    $("chart-loss").innerHTML = lossChart(history, state.dataset && isRegression(state.dataset) ? "mean squared error" : undefined);
    const done = performance.now();
    nextChart = done + Math.max(CHART_INTERVAL, (done - now) / CHART_SHARE);
  } else if (!chartTimer) {
    chartTimer = window.setTimeout(() => {
      chartTimer = 0;
      scheduleUi();
    }, nextChart - now);
  }
}

/**
 * The Serra et al. 2018 bound of an architecture with 2 inputs (Theorem 1; the maxout form for maxout), or, for leaky
 * ReLU where it does not apply, the tightest upper bound that does.
 */
function showBound(widths: number[], activation: BoundsActivation): void {
  const name = $("bound-name"), value = $("bound");
  const rows = allBounds({ inputDim: 2, widths, activation });
  const serra = rows.find((r) => r.id === "serra2018" || r.id === "serra2018-maxout")!;
  const row = serra.value !== null ? serra : rows.find((r) => r.kind === "upper" && r.value !== null)!;
  name.textContent = row === serra ? "Serra et al. 2018 bound" : `Upper bound (${row.source})`;
  name.title = row === serra ? `${row.name}, over all of R²` : `Serra et al. 2018: ${serra.notApplicable}`;
  value.textContent = row.value! < 10n ** 15n ? row.value!.toLocaleString("en-US") : `≈ 10^${row.log10.toFixed(1)}`;
}

// ---------- training control ----------

/** The view of a model without a domain, and of the planar datasets. */
const DEFAULT_VIEW: PlaneRect = { umin: -1, umax: 1, vmin: -1, vmax: 1 };

/** What the dataset is built from: a change of it refits the view to the new data. */
function dataKey(): string {
  const kind = select("dataset").value;
  return JSON.stringify([kind, kind === "csv" ? `${state.dataName}:${state.csvText?.length}` : "", ...["noise", "points", "test-share", "data-seed"].map((id) => input(id).value)]);
}

/** Stop training because a setting cannot be used; say which, in one line. */
function stopInvalid(err: unknown): void {
  sendTrain({ type: "pause" });
  state.invalid = oneLine(err);
  setMessage(`${state.invalid} (training stopped until it is fixed)`, true);
  showPictureStatus();
  scheduleUi();
}

/**
 * Start over: the dataset and config from the controls, weights from the seed or from `initial`. A new dataset
 * refits the view to its box (unless `keepView`, for a view given in the URL).
 */
function restart(initial?: Network, keepView = false): void {
  let config: TrainConfig, dataset: PointDataset;
  try {
    dataset = buildDataset();
    config = readConfig();
  } catch (err) {
    stopInvalid(err);
    return;
  }
  if (state.invalid) setMessage("");
  state.invalid = undefined;
  partitions.cancelAll();
  state.dataset = dataset;
  state.config = initial ? configOf(initial, config) : config;
  state.frozenReason = undefined;
  state.modelName = initial ? state.modelName : undefined;
  state.network = undefined;
  state.metrics = undefined;
  state.epoch = 0;
  state.skipped = 0;
  state.run++;
  $("epoch").dataset.run = String(state.run);
  epochTimes.length = 0;
  timings.length = 0;
  history.clear(state.run);
  state.historyRect = undefined;
  const key = dataKey();
  if (key !== state.dataKey) {
    state.dataKey = key;
    if (!keepView && !initial) {
      const fit = rectOfBox(dataset.box);
      plot.setView(fit);
      showView(fit);
    }
  }
  if (!initial) {
    // Epoch 0 is the seeded initialisation, which the page computes itself (the trainer starts from exactly these
    // float32 values): its picture does not wait for the training worker to build the run. It is requested first,
    // before the page's own updates, so the partition worker starts on it at once.
    state.network = initialNetwork(state.config, dataset.classes);
    seededEpoch0 = state.run;
    requestPartition();
  }
  sendTrain({ type: "reset", run: state.run, config: state.config, data: trainData(dataset), initial });
  describeData();
  plot.setPoints(dataset.train, dataset.test, isRegression(dataset) ? dataset.targets : undefined);
  nextChart = 0; // the new network's diagram at once
  showBound(state.config.widths, { kind: state.config.activation });
  showLayerButtons();
  showPictureStatus();
  writeUrl();
  scheduleUi();
}

/** Apply learning rate, batch size, optimizer and regularisation to the running training (no reset). */
function retune(): void {
  let tuning: TrainTuning;
  try {
    tuning = readTuning();
  } catch (err) {
    stopInvalid(err);
    return;
  }
  state.config = { ...state.config, ...tuning };
  if (state.invalid) {
    // Another setting may still be invalid: restart checks them all.
    restart();
    return;
  }
  if (!state.frozenReason) sendTrain({ type: "retune", run: state.run, tuning });
  setMessage(`from the next epoch: learning rate ${tuning.learningRate}, batch ${tuning.batchSize}, ${tuning.optimizer}${tuning.regularization && tuning.regularization !== "none" ? `, ${tuning.regularization.toUpperCase()} ${tuning.regularizationRate}` : ""}`);
  writeUrl();
}

/** The name of a model's format for messages (a model served by `tessera explore` arrives as Tessera JSON). */
function formatLabel(m: LoadedNetwork, served: boolean): string {
  const name = MODEL_FORMAT_NAMES[m.format];
  if (!served) return name;
  const ext = /\.([a-z]+)$/i.exec(m.name)?.[1]?.toLowerCase();
  const original = ext === "onnx" ? MODEL_FORMAT_NAMES.onnx : ext === "json" ? undefined : ext ? ext.toUpperCase() : undefined;
  return original ? `${original}, served by tessera explore as ${name}` : name;
}

/** Show a loaded model: trained further when the explorer can train it, otherwise shown as it is. */
function showModel(m: LoadedNetwork, served = false): void {
  state.modelName = m.name;
  // The view refits to the model: its domain, or the square of the planar datasets.
  setView(m.domain ? rectOfBox(m.domain) : DEFAULT_VIEW);
  const reason = untrainableReason(m.network, state.dataset.classes);
  const net = m.network;
  const format = formatLabel(m, served);
  if (!reason) {
    const hidden = hiddenLayers(net);
    input("widths").value = hidden.map((l) => l.outDim).join(", ");
    const act = hidden[0].activation;
    select("activation").value = act.kind;
    if (act.kind === "leaky-relu") input("alpha").value = String(act.alpha);
    restart(net);
    setMessage(`loaded ${m.name} (${format}): ${architecture(net)}; training continues from its weights`);
    return;
  }
  sendTrain({ type: "pause" });
  partitions.cancelAll();
  state.run++; // ignore epochs still on their way
  $("epoch").dataset.run = String(state.run);
  state.frozenReason = reason;
  state.invalid = undefined;
  state.network = net;
  state.epoch = 0;
  state.skipped = 0;
  state.metrics = undefined;
  history.clear(state.run);
  showBound(hiddenWidths(net), boundsActivationOf(net));
  requestPartition();
  scheduleUi();
  setMessage(`loaded ${m.name} (${format}): ${architecture(net)}; shown as it is, not trainable here: ${reason}`);
}

/** The +/− buttons: a layer more or less (a new layer copies the last width), a unit more or less per layer. */
function showLayerButtons(): void {
  const box = $("layer-buttons");
  let widths: number[];
  try {
    widths = parseWidths(input("widths").value);
  } catch {
    box.replaceChildren();
    return;
  }
  const change = (next: number[]) => {
    input("widths").value = next.join(", ");
    onControlChange();
  };
  const button = (text: string, title: string, enabled: boolean, next: () => number[]) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = title;
    b.disabled = !enabled;
    b.addEventListener("click", () => change(next()));
    return b;
  };
  const items = widths.map((w, l) => {
    const span = document.createElement("span");
    span.dataset.layer = String(l + 1);
    const with_ = (v: number) => widths.map((x, i) => (i === l ? v : x));
    span.append(`L${l + 1}`, button("−", `one unit less in layer ${l + 1}`, w > 1, () => with_(w - 1)), String(w), button("+", `one unit more in layer ${l + 1}`, w < MAX_WIDTH, () => with_(w + 1)));
    return span;
  });
  const layers = document.createElement("span");
  layers.append(
    button("+ layer", "add a hidden layer (as wide as the last)", widths.length < MAX_HIDDEN_LAYERS, () => [...widths, widths[widths.length - 1]]),
    button("− layer", "remove the last hidden layer", widths.length > 1, () => widths.slice(0, -1)),
  );
  layers.id = "layer-count";
  box.replaceChildren(...items, layers);
}

function onControlChange(): void {
  sendTrain({ type: "pause" });
  setMessage("");
  restart();
}

// ---------- files ----------

async function bytesOf(files: FileList | File[]): Promise<NamedBytes[]> {
  return Promise.all([...files].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

async function takeFiles(files: FileList | File[]): Promise<void> {
  if (files.length === 0) return;
  try {
    const named = await bytesOf(files);
    const got = readFiles(named, splitOptions());
    if (got.kind === "data") {
      state.csvText = new TextDecoder().decode(named.find((f) => f.name === got.name)!.bytes);
      state.dataName = got.name;
      const opt = select("dataset").querySelector<HTMLOptionElement>('option[value="csv"]')!;
      opt.disabled = false;
      opt.textContent = `CSV: ${got.name}`;
      select("dataset").value = "csv";
      sendTrain({ type: "pause" });
      restart();
      setMessage(`loaded ${got.name}: ${got.dataset.train.y.length + got.dataset.test.y.length} points, ${got.dataset.classes} classes`);
    } else {
      showModel(got);
    }
  } catch (err) {
    if (!isInputError(err)) console.error(err);
    setMessage(oneLine(err), true);
  }
}

/** Open the model at a URL (`?model=`); false when it could not be read. */
async function loadModelUrl(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const header = res.headers.get("x-model-name");
    const name = header ? decodeURIComponent(header) : url.split("/").pop() || "model";
    showModel(readModel({ name, bytes: new Uint8Array(await res.arrayBuffer()) }), header !== null);
    return true;
  } catch (err) {
    setMessage(oneLine(err), true);
    return false;
  }
}

// ---------- exports ----------

function exportName(ext: string): string {
  const s = state.shown!;
  const arch = [2, ...hiddenWidths(s.network), outputDim(s.network)].join("-");
  const base = (state.modelName ?? state.dataName).replace(/\.[a-z]+$/i, "").replace(/[^\w.-]+/g, "_");
  return `explorer-${base}-${arch}${state.frozenReason ? "" : `-e${s.epoch}`}.${ext}`;
}

function exportJson(): void {
  const s = state.shown;
  if (!s) return setMessage("nothing to export yet", true);
  const r = s.partition.rect;
  const metadata: Record<string, unknown> = {
    source: "tessera explorer",
    data: state.dataName,
    ...(state.frozenReason ? { model: state.modelName } : { ...state.config, epoch: s.epoch, backend: state.backend }),
    ...(state.metrics && !state.frozenReason ? { metrics: state.metrics } : {}),
    view: r,
    regionsInView: s.partition.regions,
    boundaryPieces: s.partition.boundaryPieces,
  };
  const text = stringifyTesseraJson(s.network, { lo: Float64Array.of(r.umin, r.vmin), hi: Float64Array.of(r.umax, r.vmax) }, metadata);
  download(exportName("json"), new Blob([text], { type: "application/json" }));
  setMessage(`exported ${exportName("json")}: domain = the view, so \`tessera count\` counts the ${s.partition.regions} regions shown`);
}

function pictureSvg(): Promise<string> {
  const s = state.shown;
  if (!s) return Promise.reject(new Error("nothing to export yet"));
  const d = state.dataset;
  const uv = new Float64Array(d.train.x.length + d.test.x.length);
  uv.set(d.train.x);
  uv.set(d.test.x, d.train.x.length);
  const labels = new Uint8Array(d.train.y.length + d.test.y.length);
  labels.set(d.train.y);
  labels.set(d.test.y, d.train.y.length);
  const picture: PictureOptions = {
    colouring: select("colouring").value as PictureOptions["colouring"],
    title: `${state.modelName ?? state.dataName}: ${architecture(s.network)}`,
    subtitle: state.frozenReason ? "loaded model" : `epoch ${s.epoch} · train loss ${num(state.metrics?.trainLoss ?? NaN)} · seed ${state.config.seed}`,
    classNames: d.classNames,
    points: outputDim(s.network) === d.classes || outputDim(s.network) === 1 ? { uv, labels } : undefined,
  };
  return partitions.svg(s.network, s.partition.rect, picture);
}

async function exportSvg(): Promise<void> {
  try {
    const svg = await pictureSvg();
    download(exportName("svg"), new Blob([svg], { type: "image/svg+xml" }));
  } catch (err) {
    setMessage(oneLine(err), true);
  }
}

/** PNG: the exported SVG drawn on a canvas at twice its size. */
async function exportPng(): Promise<void> {
  try {
    const svg = await pictureSvg();
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the browser could not render the SVG"));
      img.src = url;
    });
    const scale = 2;
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth * scale;
    canvas.height = img.naturalHeight * scale;
    const ctx = canvas.getContext("2d")!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/png"));
    if (!blob) throw new Error("the browser could not encode the PNG");
    download(exportName("png"), blob);
  } catch (err) {
    setMessage(oneLine(err), true);
  }
}

// ---------- wiring ----------

/** Set the controls from the URL: every valid setting; each invalid one is reported (the control keeps its default). */
function applyParams(): PlaneRect | undefined {
  const { values, view, errors } = readQuery(params);
  for (const sdef of SETTINGS) {
    const v = values.get(sdef.key);
    if (v === undefined) continue;
    const el = $(sdef.id) as HTMLInputElement | HTMLSelectElement;
    el.value = sdef.key === "widths" ? v.split(",").join(", ") : v;
  }
  $("noise-value").textContent = Number(input("noise").value).toFixed(2);
  if (errors.length) {
    setMessage(errors.length === 1 ? errors[0] : `${errors[0]} (and ${errors.length - 1} more problem${errors.length > 2 ? "s" : ""} in the URL)`, true);
    $("message").title = errors.join("\n");
  }
  return view;
}

/** Write the whole state (every setting and the view) into the URL, so the address reproduces the picture. */
let urlTimer = 0;
function writeUrl(): void {
  if (urlTimer) return;
  // Pan and zoom change the view at pointer rate: the address follows at most every 200 ms.
  urlTimer = window.setTimeout(() => {
    urlTimer = 0;
    const values = new Map<string, string>();
    for (const sdef of SETTINGS) {
      if (sdef.key === "dataset" && select("dataset").value === "csv") continue; // a file cannot be in a URL
      try {
        values.set(sdef.key, sdef.check(($(sdef.id) as HTMLInputElement | HTMLSelectElement).value));
      } catch {
        // An invalid control is not written: the URL keeps describing a state that works.
        const old = params.get(sdef.key);
        if (old !== null) values.set(sdef.key, old);
      }
    }
    const query = settingsQuery(values, plot.view, params);
    if (query !== location.search) history_.replaceState(null, "", query);
  }, 200);
}
const history_ = window.history;

for (const sdef of SETTINGS) {
  $(sdef.id).addEventListener("change", () => (RESTART_KEYS.has(sdef.key) ? onControlChange() : retune()));
}
input("noise").addEventListener("input", () => ($("noise-value").textContent = Number(input("noise").value).toFixed(2)));
$("play").addEventListener("click", () => !state.invalid && sendTrain({ type: state.playing ? "pause" : "play" }));
$("step").addEventListener("click", () => sendTrain({ type: "step", epochs: 1 }));
$("reset").addEventListener("click", onControlChange);
$("export-json").addEventListener("click", exportJson);
$("pin").addEventListener("click", () => void pin());
$("unpin").addEventListener("click", unpin);
$("export-svg").addEventListener("click", () => void exportSvg());
$("export-png").addEventListener("click", () => void exportPng());
$("reset-view").addEventListener("click", () => setView(rectOfBox(state.dataset.box)));
input("csv-input").addEventListener("change", () => {
  void takeFiles(input("csv-input").files ?? []).then(() => (input("csv-input").value = ""));
});
input("model-input").addEventListener("change", () => {
  void takeFiles(input("model-input").files ?? []).then(() => (input("model-input").value = ""));
});
for (const id of ["colouring", "show-edges", "discretize"]) {
  $(id).addEventListener("change", () => {
    repaint({ style: paintStyle() });
    showLegend();
  });
}
for (const [id, key] of [["show-train", "showTrain"], ["show-test", "showTest"]] as const) {
  input(id).addEventListener("change", () => {
    plot[key] = input(id).checked;
    plot.schedule();
  });
}
window.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.tagName === "INPUT" || t.tagName === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === " ") {
    e.preventDefault();
    if (!state.frozenReason && !state.invalid) sendTrain({ type: state.playing ? "pause" : "play" });
  } else if (e.key === "s" && !state.frozenReason && !state.invalid) sendTrain({ type: "step", epochs: 1 });
  else if (e.key === "r") onControlChange();
});
let dragDepth = 0;
window.addEventListener("dragenter", (e) => {
  e.preventDefault();
  dragDepth++;
  document.body.classList.add("dragging");
});
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    document.body.classList.remove("dragging");
  }
});
window.addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove("dragging");
  void takeFiles(e.dataTransfer?.files ?? []);
});

/** Hooks for the end-to-end tests and bench/explorer.ts (read-only views of the page's state). */
(window as unknown as { explorer: unknown }).explorer = {
  timings,
  epochTimes,
  state: () => ({
    run: state.run,
    epoch: state.epoch,
    playing: state.playing,
    backend: state.backend,
    shownEpoch: state.shown?.epoch,
    shownRun: state.shown?.run,
    invalid: state.invalid ?? null,
    learningRate: state.config?.learningRate,
    view: { ...plot.view },
  }),
  history: () => ({ run: history.run, regionEpochs: history.regionEpochs.slice(), regions: history.regions.slice(), lossEpochs: history.lossEpochs.slice() }),
  /** The class boundary (a regression's zero-level set) of the shown picture: polyline starts and flat points. */
  lines: () => (state.shown ? { start: Array.from(state.shown.partition.lineStart), coords: Array.from(state.shown.partition.lineCoords), rect: state.shown.partition.rect } : null),
  /** The facts behind the hover text (null when the pointer is on no region). */
  hover: () => hoverFacts,
  partitions: () => ({ cancelled: partitions.cancelled, dropped: partitions.dropped, busy: partitions.busy?.epoch ?? null, split: partitions.split, splitFallbacks: partitions.splitFallbacks }),
};

const urlView = applyParams();
if (urlView) plot.setView(urlView);
sendTrain({ type: "init", backend: (params.get("backend") as BackendChoice | null) ?? undefined });
showView(plot.view);
const modelUrl = params.get("model");
if (modelUrl) {
  // Open the model straight away (no seeded network first); the controls' dataset comes with it.
  try {
    state.dataset = buildDataset();
    describeData();
    plot.setPoints(state.dataset.train, state.dataset.test, isRegression(state.dataset) ? state.dataset.targets : undefined);
  } catch (err) {
    setMessage(oneLine(err), true);
  }
  state.dataKey = dataKey();
  void loadModelUrl(modelUrl).then((ok) => ok || restart());
} else {
  const urlErrors = $("message").textContent;
  restart(undefined, !!urlView);
  if (urlErrors && !state.invalid) setMessage(urlErrors, true);
  if (params.get("play") === "1" && !state.invalid) sendTrain({ type: "play" });
}
