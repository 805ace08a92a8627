/**
 * The explorer page: controls, the two workers (training with TF.js, exact partition with the core), the live
 * picture, the network diagram, the numbers and the charts, file drops and exports. State flows one way: the
 * training worker reports weights after every epoch; the page asks the partition worker for the newest weights over
 * the view rectangle (one request in flight, later requests replace waiting ones); the answer is drawn.
 */
import { allBounds, type BoundsActivation } from "../../src/bounds/all-bounds.ts";
import { boundsActivationOf } from "../../src/bounds/from-network.ts";
import { parseCsvDataset } from "../../src/data/csv.ts";
import type { PointDataset } from "../../src/data/dataset.ts";
import { PLANAR_KINDS, planarDataset, type PlanarKind } from "../../src/data/planar.ts";
import { predictedClass } from "../../src/geometry/class-boundary.ts";
import type { PlaneRect } from "../../src/geometry/slice.ts";
import { stringifyTesseraJson } from "../../src/io/tessera-json.ts";
import { activationName, hiddenLayers, hiddenWidths, outputDim, unitsOf, type Network } from "../../src/model/network.ts";
import { isInputError, oneLine, readFiles, readModel, type LoadedNetwork, type NamedBytes } from "./files.ts";
import { polygonAt, type PackedPartition } from "./partition/packed.ts";
import type { PartitionReport, PartitionRequest, PictureOptions } from "./partition/protocol.ts";
import type { EpochMetrics, TrainConfig, TrainData } from "./train/mlp.ts";
import { configOf, untrainableReason } from "./train/mlp.ts";
import type { BackendChoice, TrainBackend, TrainReport, TrainRequest } from "./train/protocol.ts";
import { History, lossChart, regionChart } from "./view/charts.ts";
import { NetworkDiagram } from "./view/network-diagram.ts";
import { PartitionPainter, type PaintStyle } from "./view/painter.ts";
import { PlotView } from "./view/plot.ts";

/** Hidden layers and units per layer the page accepts (the partition of wider nets stays exact but slows down). */
const MAX_HIDDEN_LAYERS = 8, MAX_WIDTH = 256;
/**
 * The network diagram and the charts (SVG: costly to restyle and repaint, with no GPU) are redrawn at most this
 * often while training (ms); the numbers follow every epoch.
 */
const CHART_INTERVAL = 300;

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
  historyRect: undefined as PlaneRect | undefined,
};
const history = new History();
/** The plane point under the pointer (to refresh the hover text when a new partition arrives). */
let hoverPoint: [number, number] | null = null;
/** Timings of the last partition cycles, for bench/explorer.ts: worker time, request → drawn. */
const timings: { epoch: number; regions: number; partitionMs: number; cycleMs: number; drawMs: number }[] = [];
/** Milliseconds of every training epoch of the current run (the worker's own measure), for bench/explorer.ts. */
const epochTimes: number[] = [];

// ---------- helpers ----------

function setMessage(text: string, error = false): void {
  const m = $("message");
  m.textContent = text;
  m.title = text;
  m.classList.toggle("error", error);
}

function sameRect(a: PlaneRect | undefined, b: PlaneRect | undefined): boolean {
  return !!a && !!b && a.umin === b.umin && a.umax === b.umax && a.vmin === b.vmin && a.vmax === b.vmax;
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

function readNumber(id: string, lo: number, hi: number, integer: boolean, name: string): number {
  const v = Number(input(id).value);
  if (!Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new RangeError(`${name} must be ${integer ? "an integer" : "a number"} from ${lo} to ${hi}, got "${input(id).value}"`);
  }
  return v;
}

function readWidths(): number[] {
  const text = input("widths").value.trim();
  const parts = text === "" ? [] : text.split(/[\s,;x×-]+/).filter(Boolean);
  const widths = parts.map(Number);
  if (widths.length === 0 || widths.length > MAX_HIDDEN_LAYERS || widths.some((w) => !Number.isInteger(w) || w < 1 || w > MAX_WIDTH)) {
    throw new RangeError(`hidden widths "${text}": give 1 to ${MAX_HIDDEN_LAYERS} integers from 1 to ${MAX_WIDTH}, e.g. 8, 8`);
  }
  return widths;
}

function readConfig(): TrainConfig {
  return {
    widths: readWidths(),
    activation: select("activation").value as TrainConfig["activation"],
    alpha: readNumber("alpha", 0.001, 0.99, false, "leaky slope"),
    learningRate: Number(select("lr").value),
    batchSize: readNumber("batch", 1, 100_000, true, "batch size"),
    seed: readNumber("seed", -2147483648, 2147483647, true, "seed"),
    optimizer: select("optimizer").value as TrainConfig["optimizer"],
  };
}

function splitOptions(): { seed: number; testFraction: number } {
  return { seed: readNumber("data-seed", -2147483648, 2147483647, true, "data seed"), testFraction: readNumber("test-share", 0, 0.9, false, "test share") };
}

/** Build the dataset the controls describe (a planar set, or the CSV loaded last, re-split). */
function buildDataset(): PointDataset {
  const { seed, testFraction } = splitOptions();
  const kind = select("dataset").value;
  if (kind === "csv" && state.csvText !== undefined) return parseCsvDataset(state.csvText, { source: state.dataName, seed, testFraction });
  const n = readNumber("points", 10, 5000, true, "points");
  const noise = Number(input("noise").value);
  state.dataName = kind;
  return planarDataset(kind as PlanarKind, { n, noise, seed, testFraction });
}

function trainData(d: PointDataset): TrainData {
  return {
    trainX: Float32Array.from(d.train.x),
    trainY: Int32Array.from(d.train.y),
    testX: Float32Array.from(d.test.x),
    testY: Int32Array.from(d.test.y),
    classes: d.classes,
  };
}

function describeData(): void {
  const d = state.dataset;
  $("data-info").textContent = `${state.dataName}: ${d.train.y.length} train + ${d.test.y.length} test points, ${d.classes} classes (${d.classNames.join(", ")})`;
}

// ---------- workers ----------

const trainWorker = new Worker(new URL("./train/train-worker.ts", import.meta.url), { type: "module" });
const partitionWorker = new Worker(new URL("./partition/partition-worker.ts", import.meta.url), { type: "module" });
const sendTrain = (m: TrainRequest) => trainWorker.postMessage(m);
const sendPartition = (m: PartitionRequest) => partitionWorker.postMessage(m);

let nextId = 1;
interface PartitionJob {
  network: Network;
  rect: PlaneRect;
  epoch: number;
  run: number;
}
let inFlight: (PartitionJob & { id: number; t0: number }) | undefined;
let waiting: PartitionJob | undefined;
const svgRequests = new Map<number, (svg: string) => void>();

/** Ask for the partition of the newest network over the current view (replacing any request still waiting). */
function requestPartition(): void {
  if (!state.network) return;
  waiting = { network: state.network, rect: { ...plot.view }, epoch: state.epoch, run: state.run };
  pump();
}

function pump(): void {
  if (inFlight || !waiting) return;
  const job = waiting;
  waiting = undefined;
  inFlight = { id: nextId++, ...job, t0: performance.now() };
  sendPartition({ type: "partition", id: inFlight.id, network: job.network, rect: job.rect });
}

partitionWorker.onmessage = (e: MessageEvent<PartitionReport>) => {
  const m = e.data;
  if (m.type === "svg") {
    svgRequests.get(m.id)?.(m.svg);
    svgRequests.delete(m.id);
    return;
  }
  if (m.type === "error" && svgRequests.has(m.id)) {
    svgRequests.delete(m.id);
    setMessage(`picture: ${m.message}`, true);
    return;
  }
  const job = inFlight;
  inFlight = undefined;
  if (m.type === "error") {
    setMessage(`partition: ${m.message}`, true);
  } else if (job && job.id === m.id) {
    showPartition(m.partition, job, job.t0, m.drawMs);
  }
  pump();
};
partitionWorker.onerror = (e) => setMessage(`partition worker failed: ${e.message}`, true);

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
      history.addLoss(m.epoch, m.metrics.trainLoss, m.metrics.testLoss);
      requestPartition();
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
  return { colouring: select("colouring").value as PaintStyle["colouring"], showEdges: input("show-edges").checked };
}

/** Paints partitions on the page when the browser cannot hand the base canvas to the worker (no OffscreenCanvas). */
let pagePainter: PartitionPainter | undefined;
if ("transferControlToOffscreen" in plot.base) {
  const canvas = plot.base.transferControlToOffscreen();
  partitionWorker.postMessage({ type: "attach", canvas, style: paintStyle(), size: plot.size() } satisfies PartitionRequest, [canvas]);
} else {
  pagePainter = new PartitionPainter(plot.base, paintStyle(), plot.size());
}

/** Repaint the shown partition after a change of style or size. */
function repaint(change: { style?: PaintStyle; size?: ReturnType<PlotView["size"]> }): void {
  if (pagePainter) {
    if (change.style) pagePainter.setStyle(change.style);
    if (change.size) pagePainter.setSize(change.size);
    pagePainter.draw();
  } else {
    sendPartition({ type: "paint", ...change });
  }
}
plot.onResize = (size) => repaint({ size });

function showPartition(p: PackedPartition, job: PartitionJob, t0: number, workerDrawMs: number): void {
  const { network, epoch } = job;
  let drawMs = workerDrawMs;
  if (pagePainter) {
    pagePainter.setPartition(p);
    drawMs = pagePainter.draw();
  }
  state.shown = { partition: p, network, epoch, run: job.run };
  plot.setShown(p);
  if (state.hoveredUnit !== null) plot.setHighlightUnit(state.hoveredUnit);
  if (hoverPoint) plot.onHover(hoverPoint);
  timings.push({ epoch, regions: p.regions, partitionMs: p.ms, drawMs, cycleMs: performance.now() - t0 });
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
  history.addRegions(epoch, p.regions);
  scheduleUi();
}

plot.onViewChange = (v) => {
  showView(v);
  requestPartition();
};

function showView(v: PlaneRect): void {
  const f = (x: number) => x.toPrecision(3);
  $("view-rect").textContent = `[${f(v.umin)}, ${f(v.umax)}] × [${f(v.vmin)}, ${f(v.vmax)}]`;
}

function setView(v: PlaneRect): void {
  plot.setView(v);
  showView(v);
  requestPartition();
}

plot.onHover = (pt) => {
  hoverPoint = pt;
  const shown = state.shown;
  const box = $("hover");
  if (!pt || !shown) {
    plot.setHoverPolygon(-1);
    return;
  }
  const p = shown.partition;
  const k = polygonAt(p, pt[0], pt[1]);
  plot.setHoverPolygon(k);
  if (k < 0) {
    box.textContent = `x = (${pt[0].toFixed(3)}, ${pt[1].toFixed(3)}): outside the partitioned rectangle`;
    return;
  }
  const net = shown.network;
  const pattern = p.patterns.subarray(k * p.units, (k + 1) * p.units);
  const groups: string[] = [];
  let at = 0;
  for (const layer of hiddenLayers(net)) {
    const n = unitsOf(layer);
    groups.push(Array.from(pattern.subarray(at, at + n)).join(""));
    at += n;
  }
  const lines = [
    `x = (${pt[0].toFixed(3)}, ${pt[1].toFixed(3)}): ${k < p.regions ? `region ${k + 1} of ${p.regions}` : "a sliver (thinner than the interior threshold, not a region)"}`,
    `pattern  ${groups.map((g, l) => `layer ${l + 1}: ${g}`).join("   ")}`,
  ];
  const out = new Float64Array(p.outputs);
  for (let r = 0; r < p.outputs; r++) {
    const J0 = p.J[(k * p.outputs + r) * 2], J1 = p.J[(k * p.outputs + r) * 2 + 1], c = p.c[k * p.outputs + r];
    out[r] = J0 * pt[0] + J1 * pt[1] + c;
    lines.push(`f${r + 1}(x) = ${signed(J0, true)}·x1${signed(J1, false)}·x2${signed(c, false)}`);
  }
  const cls = predictedClass(out);
  lines.push(`predicted here: ${state.dataset.classNames[cls] ?? `class ${cls}`}`);
  box.textContent = lines.join("\n");
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
let lastChart = 0;
let chartTimer = 0;

function scheduleUi(): void {
  if (uiFrame) return;
  uiFrame = requestAnimationFrame(() => {
    uiFrame = 0;
    updateUi();
  });
}

function updateUi(): void {
  $("epoch").textContent = state.frozenReason ? "–" : state.epoch.toLocaleString("en-US");
  $("epoch").dataset.epoch = String(state.epoch);
  $("epoch").dataset.run = String(state.run);
  const play = $<HTMLButtonElement>("play");
  play.textContent = state.playing ? "❚❚ Pause" : "▶ Play";
  play.disabled = !!state.frozenReason;
  $<HTMLButtonElement>("step").disabled = !!state.frozenReason || state.playing;
  const m = state.metrics;
  $("train-metrics").textContent = m ? `${num(m.trainLoss)} · ${pct(m.trainAccuracy)}` : "–";
  $("test-metrics").textContent = m ? `${num(m.testLoss)} · ${pct(m.testAccuracy)}` : "–";
  const now = performance.now();
  if (now - lastChart >= CHART_INTERVAL) {
    lastChart = now;
    if (state.network) diagram.setNetwork(state.network);
    $("chart-regions").innerHTML = regionChart(history);
    $("chart-loss").innerHTML = lossChart(history);
  } else if (!chartTimer) {
    chartTimer = window.setTimeout(() => {
      chartTimer = 0;
      scheduleUi();
    }, CHART_INTERVAL);
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

/** Start over: the dataset and config from the controls, weights from the seed or from `initial`. */
function restart(initial?: Network): void {
  let config: TrainConfig, dataset: PointDataset;
  try {
    dataset = buildDataset();
    config = readConfig();
  } catch (err) {
    setMessage(oneLine(err), true);
    return;
  }
  state.dataset = dataset;
  state.config = initial ? configOf(initial, config) : config;
  state.frozenReason = undefined;
  state.modelName = initial ? state.modelName : undefined;
  state.metrics = undefined;
  state.epoch = 0;
  state.run++;
  $("epoch").dataset.run = String(state.run);
  epochTimes.length = 0;
  timings.length = 0;
  history.clear();
  state.historyRect = undefined;
  describeData();
  plot.setPoints(dataset.train, dataset.test);
  sendTrain({ type: "reset", run: state.run, config: state.config, data: trainData(dataset), initial });
  showBound(state.config.widths, { kind: state.config.activation });
  scheduleUi();
}

/** Show a loaded model: trained further when the explorer can train it, otherwise shown as it is. */
function showModel(m: LoadedNetwork): void {
  state.modelName = m.name;
  if (m.domain) setView(rectOfBox(m.domain));
  const reason = untrainableReason(m.network, state.dataset.classes);
  const net = m.network;
  if (!reason) {
    const hidden = hiddenLayers(net);
    input("widths").value = hidden.map((l) => l.outDim).join(", ");
    const act = hidden[0].activation;
    select("activation").value = act.kind;
    if (act.kind === "leaky-relu") input("alpha").value = String(act.alpha);
    restart(net);
    setMessage(`loaded ${m.name} (${m.format}): ${architecture(net)}; training continues from its weights`);
    return;
  }
  sendTrain({ type: "pause" });
  state.run++; // ignore epochs still on their way
  $("epoch").dataset.run = String(state.run);
  state.frozenReason = reason;
  state.network = net;
  state.epoch = 0;
  state.metrics = undefined;
  history.clear();
  showBound(hiddenWidths(net), boundsActivationOf(net));
  requestPartition();
  scheduleUi();
  setMessage(`loaded ${m.name} (${m.format}): ${architecture(net)}; shown as it is, not trainable here: ${reason}`);
}

function onControlChange(): void {
  sendTrain({ type: "pause" });
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
      setView(rectOfBox(got.dataset.box));
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
    showModel(readModel({ name, bytes: new Uint8Array(await res.arrayBuffer()) }));
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
  const id = nextId++;
  return new Promise((resolve) => {
    svgRequests.set(id, resolve);
    sendPartition({ type: "svg", id, network: s.network, rect: s.partition.rect, picture });
  });
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

function applyParams(): void {
  const set = (id: string, key: string) => {
    const v = params.get(key);
    if (v !== null) ($(id) as HTMLInputElement | HTMLSelectElement).value = v;
  };
  set("dataset", "dataset");
  set("noise", "noise");
  set("points", "points");
  set("test-share", "test");
  set("data-seed", "dataseed");
  set("widths", "widths");
  set("activation", "activation");
  set("alpha", "alpha");
  set("optimizer", "optimizer");
  set("lr", "lr");
  set("batch", "batch");
  set("seed", "seed");
  if (!PLANAR_KINDS.includes(select("dataset").value as PlanarKind)) select("dataset").value = "circle";
  $("noise-value").textContent = Number(input("noise").value).toFixed(2);
}

for (const id of ["dataset", "noise", "points", "test-share", "data-seed", "widths", "activation", "alpha", "optimizer", "lr", "batch", "seed"]) {
  $(id).addEventListener("change", onControlChange);
}
input("noise").addEventListener("input", () => ($("noise-value").textContent = Number(input("noise").value).toFixed(2)));
$("play").addEventListener("click", () => sendTrain({ type: state.playing ? "pause" : "play" }));
$("step").addEventListener("click", () => sendTrain({ type: "step", epochs: 1 }));
$("reset").addEventListener("click", onControlChange);
$("export-json").addEventListener("click", exportJson);
$("export-svg").addEventListener("click", () => void exportSvg());
$("export-png").addEventListener("click", () => void exportPng());
$("reset-view").addEventListener("click", () => setView(rectOfBox(state.dataset.box)));
input("csv-input").addEventListener("change", () => {
  void takeFiles(input("csv-input").files ?? []).then(() => (input("csv-input").value = ""));
});
input("model-input").addEventListener("change", () => {
  void takeFiles(input("model-input").files ?? []).then(() => (input("model-input").value = ""));
});
for (const id of ["colouring", "show-edges"]) $(id).addEventListener("change", () => repaint({ style: paintStyle() }));
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
    if (!state.frozenReason) sendTrain({ type: state.playing ? "pause" : "play" });
  } else if (e.key === "s" && !state.frozenReason) sendTrain({ type: "step", epochs: 1 });
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
  state: () => ({ epoch: state.epoch, playing: state.playing, backend: state.backend, shownEpoch: state.shown?.epoch, view: { ...plot.view } }),
};

applyParams();
sendTrain({ type: "init", backend: (params.get("backend") as BackendChoice | null) ?? undefined });
showView(plot.view);
const modelUrl = params.get("model");
if (modelUrl) {
  // Open the model straight away (no seeded network first); the controls' dataset comes with it.
  try {
    state.dataset = buildDataset();
    describeData();
    plot.setPoints(state.dataset.train, state.dataset.test);
  } catch (err) {
    setMessage(oneLine(err), true);
  }
  void loadModelUrl(modelUrl).then((ok) => ok || restart());
} else {
  restart();
  if (params.get("play") === "1") sendTrain({ type: "play" });
}
