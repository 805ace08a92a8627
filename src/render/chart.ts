/**
 * Line and scatter charts drawn by Tessera as SVG strings (isomorphic: no DOM, no Node APIs). Linear axes get round
 * 1-2-5 ticks, logarithmic axes decade ticks labelled 10^k (computed in log space, so values up to 1e300 are fine),
 * and the legend sits outside the plot area (right, or below when it is wide) so it never hides data.
 */
import { classColour, escapeXml, fmt, redBlue, svgDocument } from "./svg.ts";

/** Scale of a numeric axis. */
export type AxisScale = "linear" | "log";

/** One tick of an axis: its value, and its label (null for an unlabelled minor tick). */
export interface Tick {
  value: number;
  /** Text before the power of ten ("" for a bare 10^k, "2.5×" for 2.5×10^7); the whole label when `exponent` is absent. */
  label: string | null;
  /** When present the label is `label` followed by 10 raised to this exponent (drawn as a superscript). */
  exponent?: number;
}

/** A numeric axis: its domain, ticks and the map from data values to [0, 1] along the axis. */
export interface Axis {
  scale: AxisScale;
  /** Domain in data units: [min, max]. */
  min: number;
  max: number;
  ticks: Tick[];
  /** Position of `v` along the axis in [0, 1] (outside when v is outside the domain); NaN when v cannot be drawn. */
  at(v: number): number;
}

/** One line of a {@link lineChart}. */
export interface LineSeries {
  name: string;
  /** One value per x; NaN (or, on a log axis, a value ≤ 0) leaves a gap. */
  values: ArrayLike<number>;
  /** A range drawn as a translucent area around the line (e.g. min–max over seeds); NaN leaves a gap. */
  band?: { lo: ArrayLike<number>; hi: ArrayLike<number> };
  /** Line colour (default: the class palette in series order). */
  colour?: string;
  dashed?: boolean;
  /** Draw a dot at every point (isolated points between gaps always get one). */
  markers?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title?: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  /** y scale (default linear). */
  yScale?: AxisScale;
  /** x scale when `x` is numeric (default linear). */
  xScale?: AxisScale;
  /** x positions: numbers (a numeric axis) or strings (categories, evenly spaced). */
  x: ArrayLike<number> | readonly string[];
  series: LineSeries[];
  /** Picture size in pixels (default 800 × 500). */
  width?: number;
  height?: number;
}

/** One point of a {@link scatterChart}. */
export interface ScatterPoint {
  x: number;
  y: number;
  /** Fill colour; otherwise `t` through the colour scale, otherwise the series colour. */
  colour?: string;
  /** Value mapped through `colourScale` (in that scale's units). */
  t?: number;
  /** Short text drawn beside the point. */
  label?: string;
}

/** A colour scale for the `t` of scatter points, drawn as a colour bar right of the plot. */
export interface ColourScale {
  label: string;
  min: number;
  max: number;
  /** Map from [0, 1] to a colour (default {@link redBlue}: min red, max blue). */
  colours?: (u: number) => string;
}

/** Options of {@link scatterChart}. */
export interface ScatterChartOptions {
  title?: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  xScale?: AxisScale;
  yScale?: AxisScale;
  /** Ungrouped points (not in the legend). */
  points?: ScatterPoint[];
  /** Named groups of points, each with its own colour and a legend entry. */
  series?: { name: string; points: ScatterPoint[]; colour?: string }[];
  /** Reference lines drawn under the points, e.g. y = x: polylines through [x, y] pairs, clipped to the plot. */
  lines?: { name?: string; points: [number, number][]; colour?: string; dashed?: boolean }[];
  colourScale?: ColourScale;
  /** Dot radius in pixels (default 4). */
  radius?: number;
  width?: number;
  height?: number;
}

const DEFAULT_WIDTH = 800, DEFAULT_HEIGHT = 500;
const TITLE_SIZE = 18, SUBTITLE_SIZE = 13, AXIS_LABEL_SIZE = 14, TICK_SIZE = 12.5, LEGEND_SIZE = 13;
/** Average advance of a DejaVu Sans glyph in ems: used to estimate text widths for the layout. */
const CHAR_EM = 0.62;
const INK = "#111827", MUTED = "#4b5563", GRID = "#e5e7eb", GRID_MINOR = "#f3f4f6";
/** Opacity of the band areas around lines. */
const BAND_OPACITY = 0.18;
/** The legend moves below the plot when it would take more than this share of the width on the right. */
const LEGEND_RIGHT_MAX_SHARE = 0.3;
/** Relative slack for floating-point steps when deciding whether a tick lies inside a range. */
const TICK_EPS = 1e-9;

/** Step of round ticks (1, 2 or 5 times a power of ten) giving at most about `count` intervals over `span`. */
export function niceStep(span: number, count = 6): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count + TICK_EPS) ?? 10 * mag;
}

/**
 * Round ticks covering [lo, hi]: multiples of a 1-2-5 step, about `count` of them, all inside [lo, hi]; exactly 0
 * where the range crosses it. A degenerate range gives [lo].
 */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const step = niceStep(span, count);
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - TICK_EPS); k * step <= hi + step * TICK_EPS; k++) {
    ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  }
  return ticks;
}

/**
 * Ticks of a logarithmic axis for positive data in [min, max]. Usually the domain is widened to decades
 * 10^lo … 10^hi (lo and hi multiples of the label stride), every stride-th decade is labelled 10^k (stride 1, 2, 3, 5,
 * 10, … so that at most `maxLabels` are labelled), the other decades and, when at most six decades are shown, the
 * multiples 2…9 are unlabelled minor ticks. When the data lie within [10^-3, 10^5] and span at most two decades, the
 * domain ends at 1, 2 or 5 times a power of ten and labels are plain numbers at 1, 2 and 5 times powers of ten.
 * `lo` and `hi` are the base-10 logarithms of the domain's ends.
 */
export function logTicks(min: number, max: number, maxLabels = 8): { lo: number; hi: number; ticks: Tick[] } {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new RangeError(`logTicks: needs positive finite bounds min <= max, got ${min}, ${max}`);
  }
  let dLo = Math.floor(Math.log10(min) + TICK_EPS), dHi = Math.ceil(Math.log10(max) - TICK_EPS);
  if (dHi <= dLo) dHi = dLo + 1;
  const ticks: Tick[] = [];
  if (dHi - dLo <= 2 && dLo >= -3 && dHi <= 5) {
    // Plain numbers on a short range: the domain ends at 1-2-5 steps, and 1, 2, 5 are labelled.
    const steps: number[] = [];
    for (let k = dLo; k <= dHi; k++) for (const m of [1, 2, 5]) steps.push(Number((m * 10 ** k).toPrecision(12)));
    const a = [...steps].reverse().find((v) => v <= min * (1 + TICK_EPS)) ?? steps[0];
    const b = steps.find((v) => v >= max * (1 - TICK_EPS)) ?? steps[steps.length - 1];
    const hiV = b > a ? b : steps[steps.indexOf(a) + 1];
    for (let k = dLo; k < dHi; k++) {
      for (let m = 1; m <= 9; m++) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (v >= a && v <= hiV) ticks.push({ value: v, label: m === 1 || m === 2 || m === 5 ? plainNumber(v) : null });
      }
    }
    if (hiV === 10 ** dHi) ticks.push({ value: hiV, label: plainNumber(hiV) });
    return { lo: Math.log10(a), hi: Math.log10(hiV), ticks };
  }
  const strides = [1, 2, 3, 5, 10, 20, 25, 50, 100];
  const fits = (s: number) => (Math.ceil(dHi / s) - Math.floor(dLo / s)) + 1 <= maxLabels;
  const stride = strides.find(fits) ?? Math.ceil((dHi - dLo) / Math.max(1, maxLabels - 2));
  const lo = Math.floor(dLo / stride) * stride, hi = Math.ceil(dHi / stride) * stride;
  const decades = hi - lo;
  for (let k = lo; k <= hi; k++) {
    const labelled = k % stride === 0;
    if (labelled || decades <= 40) ticks.push(labelled ? { value: 10 ** k, label: "", exponent: k } : { value: 10 ** k, label: null });
    if (k < hi && decades <= 6) for (let m = 2; m <= 9; m++) ticks.push({ value: m * 10 ** k, label: null });
  }
  return { lo, hi, ticks };
}

/** Labels for linear ticks at a common step: fixed decimals, or m×10^k when the numbers are huge or tiny. */
function linearLabels(values: number[], step: number): Tick[] {
  const big = Math.max(...values.map(Math.abs));
  if (big >= 1e6 || (step < 1e-3 && big > 0)) {
    const k = Math.floor(Math.log10(big));
    const digits = Math.max(0, k - Math.floor(Math.log10(step) + TICK_EPS));
    return values.map((v) => (v === 0 ? { value: v, label: "0" } : { value: v, label: `${trimZeros((v / 10 ** k).toFixed(digits))}×`, exponent: k }));
  }
  const digits = Math.max(0, -Math.floor(Math.log10(step) + TICK_EPS));
  return values.map((v) => ({ value: v, label: v === 0 ? "0" : v.toFixed(digits) }));
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function plainNumber(v: number): string {
  return String(Number(v.toPrecision(12)));
}

/**
 * A numeric axis over data in [min, max]. Linear axes are widened to round ticks when `nice` (the usual choice for
 * y), else ticks fall inside the data range. Log axes ignore values ≤ 0: pass the smallest positive value as `min`.
 */
export function makeAxis(scale: AxisScale, min: number, max: number, opts: { nice?: boolean; count?: number; maxLabels?: number } = {}): Axis {
  if (scale === "log") {
    const { lo, hi, ticks } = logTicks(min, max, opts.maxLabels);
    return { scale, min: 10 ** lo, max: 10 ** hi, ticks, at: (v) => (v > 0 && Number.isFinite(v) ? (Math.log10(v) - lo) / (hi - lo) : NaN) };
  }
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const count = opts.count ?? 6;
  if (opts.nice) {
    const step = niceStep(max - min, count);
    min = Math.floor(min / step + TICK_EPS) * step;
    max = Math.ceil(max / step - TICK_EPS) * step;
  }
  const values = niceTicks(min, max, count);
  const ticks = linearLabels(values, values.length > 1 ? values[1] - values[0] : niceStep(max - min, count));
  const lo = min, span = max - min;
  return { scale, min, max, ticks, at: (v) => (Number.isFinite(v) ? (v - lo) / span : NaN) };
}

/** Data range of finite values (positive only for a log axis); null when there are none. */
function rangeOf(arrays: ArrayLike<number>[], scale: AxisScale): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v) || (scale === "log" && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function axisFor(scale: AxisScale, range: [number, number] | null, opts: { nice?: boolean; count?: number; maxLabels?: number }): Axis {
  if (range) return makeAxis(scale, range[0], range[1], opts);
  return scale === "log" ? makeAxis("log", 1, 10, opts) : makeAxis("linear", 0, 1, opts);
}

/** Estimated width in pixels of a text at a font size. */
function textWidth(text: string, size: number): number {
  return text.length * size * CHAR_EM;
}

function tickText(t: Tick): string {
  return (t.label ?? "") + (t.exponent === undefined ? "" : `10${t.exponent}`);
}

function tickWidth(t: Tick, size: number): number {
  if (t.label === null) return 0;
  return textWidth(t.label, size) + (t.exponent === undefined ? 0 : textWidth("10", size) + textWidth(String(t.exponent), size * 0.75));
}

/** SVG text content of a tick label: the power of ten as a raised, smaller exponent. */
function tickMarkup(t: Tick, size: number): string {
  const base = escapeXml(t.label ?? "");
  if (t.exponent === undefined) return base;
  return `${base}10<tspan dy="${fmt(-size * 0.45)}" font-size="${fmt(size * 0.75)}">${escapeXml(String(t.exponent).replace("-", "−"))}</tspan>`;
}

/** A legend entry: a sample drawn by `sample(x0, x1, y)` and a name. */
interface LegendEntry {
  name: string;
  sample: (x0: number, x1: number, y: number) => string;
}

/** Data may reach the domain's edge: lines and markers are clipped this many pixels outside the frame. */
const MARKER_CLIP_MARGIN = 5;
const LEGEND_SAMPLE = 28, LEGEND_GAP = 8, LEGEND_ROW = 21;

/** The outer frame of a chart: title, plot rectangle (after legend and axes take their room), legend placement. */
interface Frame {
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  legend: "right" | "below" | "none";
  legendX: number;
  legendY: number;
  /** Width available to a legend below the plot. */
  legendRowWidth: number;
  /** The subtitle broken into lines that fit the chart's width. */
  subtitleLines: string[];
}

/** Break text at spaces into lines no wider than `width` at `size` (a single over-long word keeps its own line). */
function wrapText(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Lay out legend rows below the plot: entries flow left to right and wrap. Returns rows of entry indices. */
function flowRows(entries: LegendEntry[], width: number): number[][] {
  const rows: number[][] = [[]];
  let x = 0;
  entries.forEach((e, i) => {
    const w = LEGEND_SAMPLE + LEGEND_GAP + textWidth(e.name, LEGEND_SIZE) + 22;
    if (x > 0 && x + w > width) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1].push(i);
    x += w;
  });
  return rows;
}

/**
 * Place title, legend, axis labels and the plot area. `yTickW` is the widest y tick label, `xTickH` the height the x
 * tick labels need, `extraRight` room for a colour bar.
 */
function layout(
  width: number, height: number, o: { title?: string; subtitle?: string; xLabel?: string; yLabel?: string },
  entries: LegendEntry[], yTickW: number, xTickH: number, extraRight: number,
): Frame {
  let top = 20;
  if (o.title) top += TITLE_SIZE + 12;
  const subtitleLines = o.subtitle ? wrapText(o.subtitle, SUBTITLE_SIZE, width - 28) : [];
  if (subtitleLines.length) top += subtitleLines.length * (SUBTITLE_SIZE + 4) + 2;
  const left = 14 + (o.yLabel ? AXIS_LABEL_SIZE + 12 : 0) + yTickW + 10;
  const bottomAxes = 8 + xTickH + (o.xLabel ? AXIS_LABEL_SIZE + 12 : 0) + 8;
  const legendW = entries.length ? LEGEND_SAMPLE + LEGEND_GAP + Math.max(...entries.map((e) => textWidth(e.name, LEGEND_SIZE))) + 20 : 0;
  let legend: Frame["legend"] = entries.length === 0 ? "none" : legendW <= width * LEGEND_RIGHT_MAX_SHARE ? "right" : "below";
  const right = 18 + extraRight + (legend === "right" ? legendW : 0);
  const plotW = width - left - right;
  let legendH = 0;
  if (legend === "below") legendH = flowRows(entries, width - left - 18).length * LEGEND_ROW + 10;
  const plotH = height - top - bottomAxes - legendH;
  if (legend === "below" && plotH < height * 0.35) legend = "none"; // far too many entries: the data comes first
  return {
    left,
    top,
    plotW,
    plotH: legend === "none" ? height - top - bottomAxes : plotH,
    legend,
    legendX: legend === "right" ? width - 14 - legendW + 12 : left,
    legendY: legend === "right" ? top + 8 : height - legendH + 8,
    legendRowWidth: width - left - 18,
    subtitleLines,
  };
}

/** Title, subtitle, axis names, legend. */
function decorations(f: Frame, o: { title?: string; subtitle?: string; xLabel?: string; yLabel?: string }, entries: LegendEntry[], xTickH: number): string[] {
  const out: string[] = [];
  let y = 14;
  if (o.title) {
    y += TITLE_SIZE;
    out.push(`<text x="14" y="${fmt(y)}" font-size="${TITLE_SIZE}" font-weight="bold" fill="${INK}">${escapeXml(o.title)}</text>`);
    y += 6;
  }
  for (const line of f.subtitleLines) {
    y += SUBTITLE_SIZE + 4;
    out.push(`<text x="14" y="${fmt(y)}" font-size="${SUBTITLE_SIZE}" fill="${MUTED}">${escapeXml(line)}</text>`);
  }
  if (o.xLabel) {
    const ly = f.top + f.plotH + 8 + xTickH + AXIS_LABEL_SIZE + 2;
    out.push(`<text x="${fmt(f.left + f.plotW / 2)}" y="${fmt(ly)}" font-size="${AXIS_LABEL_SIZE}" text-anchor="middle" fill="${INK}">${escapeXml(o.xLabel)}</text>`);
  }
  if (o.yLabel) {
    const lx = 14 + AXIS_LABEL_SIZE - 2, ly = f.top + f.plotH / 2;
    out.push(`<text x="${fmt(lx)}" y="${fmt(ly)}" font-size="${AXIS_LABEL_SIZE}" text-anchor="middle" fill="${INK}" transform="rotate(-90 ${fmt(lx)} ${fmt(ly)})">${escapeXml(o.yLabel)}</text>`);
  }
  const entry = (e: LegendEntry, x: number, y: number) =>
    e.sample(x, x + LEGEND_SAMPLE, y - 4.5) +
    `<text x="${fmt(x + LEGEND_SAMPLE + LEGEND_GAP)}" y="${fmt(y)}" font-size="${LEGEND_SIZE}" fill="${INK}">${escapeXml(e.name)}</text>`;
  if (f.legend === "right") {
    entries.forEach((e, i) => out.push(entry(e, f.legendX, f.legendY + 10 + i * LEGEND_ROW)));
  } else if (f.legend === "below") {
    flowRows(entries, f.legendRowWidth).forEach((row, r) => {
      let x = f.legendX;
      for (const i of row) {
        out.push(entry(entries[i], x, f.legendY + 10 + r * LEGEND_ROW));
        x += LEGEND_SAMPLE + LEGEND_GAP + textWidth(entries[i].name, LEGEND_SIZE) + 22;
      }
    });
  }
  return out;
}

/** Grid lines, tick marks and labels of a numeric y axis. */
function yAxisMarkup(f: Frame, axis: Axis): string[] {
  const out: string[] = [];
  for (const t of axis.ticks) {
    const p = axis.at(t.value);
    if (!(p >= -TICK_EPS && p <= 1 + TICK_EPS)) continue;
    const y = f.top + f.plotH * (1 - p);
    out.push(`<line x1="${fmt(f.left)}" y1="${fmt(y)}" x2="${fmt(f.left + f.plotW)}" y2="${fmt(y)}" stroke="${t.label === null ? GRID_MINOR : GRID}" stroke-width="1"/>`);
    if (t.label === null) continue;
    out.push(`<line x1="${fmt(f.left - 5)}" y1="${fmt(y)}" x2="${fmt(f.left)}" y2="${fmt(y)}" stroke="${INK}"/>`);
    out.push(`<text x="${fmt(f.left - 8)}" y="${fmt(y + TICK_SIZE * 0.35)}" font-size="${TICK_SIZE}" text-anchor="end" fill="${INK}">${tickMarkup(t, TICK_SIZE)}</text>`);
  }
  return out;
}

/** Grid lines, tick marks and labels of a numeric x axis. */
function xAxisMarkup(f: Frame, axis: Axis): string[] {
  const out: string[] = [];
  for (const t of axis.ticks) {
    const p = axis.at(t.value);
    if (!(p >= -TICK_EPS && p <= 1 + TICK_EPS)) continue;
    const x = f.left + f.plotW * p;
    out.push(`<line x1="${fmt(x)}" y1="${fmt(f.top)}" x2="${fmt(x)}" y2="${fmt(f.top + f.plotH)}" stroke="${t.label === null ? GRID_MINOR : GRID}" stroke-width="1"/>`);
    if (t.label === null) continue;
    out.push(`<line x1="${fmt(x)}" y1="${fmt(f.top + f.plotH)}" x2="${fmt(x)}" y2="${fmt(f.top + f.plotH + 5)}" stroke="${INK}"/>`);
    out.push(`<text x="${fmt(x)}" y="${fmt(f.top + f.plotH + 8 + TICK_SIZE)}" font-size="${TICK_SIZE}" text-anchor="middle" fill="${INK}">${tickMarkup(t, TICK_SIZE)}</text>`);
  }
  return out;
}

/** Ticks of a numeric axis drop labels that would overlap their neighbours (keeps every k-th labelled tick). */
function thinLabels(axis: Axis, lengthPx: number, labelPx: (t: Tick) => number): Axis {
  const labelled = axis.ticks.filter((t) => t.label !== null);
  if (labelled.length < 2) return axis;
  let gap = Infinity;
  for (let i = 1; i < labelled.length; i++) gap = Math.min(gap, Math.abs(axis.at(labelled[i].value) - axis.at(labelled[i - 1].value)) * lengthPx);
  const need = Math.max(...labelled.map(labelPx)) + 10;
  if (gap >= need) return axis;
  const every = Math.ceil(need / gap);
  const keep = new Set(labelled.filter((_, i) => i % every === 0));
  return { ...axis, ticks: axis.ticks.map((t) => (t.label === null || keep.has(t) ? t : { value: t.value, label: null })) };
}

/** Split indices where both mapped coordinates are finite into runs of consecutive indices. */
function runs(n: number, ok: (i: number) => boolean): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < n; i++) {
    if (ok(i)) cur.push(i);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Counter making clip-path and gradient ids unique across the charts of one page. */
let idCounter = 0;
/**
 * Clip-path definition and opening group for the plot rectangle grown by `margin` pixels on every side (so markers
 * on the domain's edge are drawn whole).
 */
function clipGroup(f: Frame, margin = 0): { open: string; close: string } {
  const id = `tessera-plot-${++idCounter}`;
  const m = margin;
  return {
    open: `<defs><clipPath id="${id}"><rect x="${fmt(f.left - m)}" y="${fmt(f.top - m)}" width="${fmt(f.plotW + 2 * m)}" height="${fmt(f.plotH + 2 * m)}"/></clipPath></defs><g clip-path="url(#${id})">`,
    close: `</g>`,
  };
}

function frameRect(f: Frame): string {
  return `<rect x="${fmt(f.left)}" y="${fmt(f.top)}" width="${fmt(f.plotW)}" height="${fmt(f.plotH)}" fill="none" stroke="${INK}" stroke-width="1"/>`;
}

/**
 * A line chart as a complete SVG document. Series share the x positions; NaN values leave gaps; bands are drawn as
 * translucent areas under their line; the legend (when any series has a name) sits right of or below the plot.
 *
 * @example
 * lineChart({ title: "Regions", xLabel: "epoch", yLabel: "regions", yScale: "log", x: [0, 1, 2],
 *             series: [{ name: "2-16", values: [40, 55, 71], band: { lo: [38, 50, 66], hi: [43, 60, 80] } }] });
 */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? DEFAULT_WIDTH, height = o.height ?? DEFAULT_HEIGHT;
  const yScale = o.yScale ?? "linear";
  const n = o.x.length;
  for (const s of o.series) {
    if (s.values.length !== n) throw new RangeError(`lineChart: series "${s.name}" has ${s.values.length} values for ${n} x positions`);
    if (s.band && (s.band.lo.length !== n || s.band.hi.length !== n)) throw new RangeError(`lineChart: the band of series "${s.name}" needs ${n} values`);
  }
  const categorical = n > 0 && typeof o.x[0] === "string";
  const colours = o.series.map((s, i) => s.colour ?? classColour(i));

  // y axis from every finite value and band bound; x axis numeric or categorical.
  const yData: ArrayLike<number>[] = [];
  for (const s of o.series) {
    yData.push(s.values);
    if (s.band) yData.push(s.band.lo, s.band.hi);
  }
  let yAxis = axisFor(yScale, rangeOf(yData, yScale), { nice: yScale === "linear", maxLabels: 8 });
  const xScale = o.xScale ?? "linear";
  let xAxis: Axis | null = null;
  const categories = categorical ? (o.x as readonly string[]) : null;
  if (!categorical) xAxis = axisFor(xScale, rangeOf([o.x as ArrayLike<number>], xScale), { nice: false, count: 8, maxLabels: 10 });

  // Legend entries.
  const entries: LegendEntry[] = o.series
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.name !== "")
    .map(({ s, i }) => ({
      name: s.name,
      sample: (x0, x1, y) =>
        (s.band ? `<rect x="${fmt(x0)}" y="${fmt(y - 6)}" width="${fmt(x1 - x0)}" height="12" fill="${colours[i]}" fill-opacity="${BAND_OPACITY * 1.5}"/>` : "") +
        `<line x1="${fmt(x0)}" y1="${fmt(y)}" x2="${fmt(x1)}" y2="${fmt(y)}" stroke="${colours[i]}" stroke-width="2.2"${s.dashed ? ` stroke-dasharray="6 3"` : ""}/>` +
        (s.markers ? `<circle cx="${fmt((x0 + x1) / 2)}" cy="${fmt(y)}" r="3.2" fill="${colours[i]}"/>` : ""),
    }));

  // Category labels: horizontal when they fit, else rotated and thinned.
  const yTickW = Math.max(0, ...yAxis.ticks.map((t) => tickWidth(t, TICK_SIZE)));
  let rotate = false, catEvery = 1, xTickH = TICK_SIZE + 6;
  const catW = categories ? Math.max(0, ...categories.map((c) => textWidth(c, TICK_SIZE))) : 0;
  let f = layout(width, height, o, entries, yTickW, xTickH, 0);
  if (categories) {
    const slot = f.plotW / Math.max(1, n);
    if (catW + 8 > slot) {
      rotate = true;
      catEvery = Math.max(1, Math.ceil((TICK_SIZE * 1.5) / (slot * Math.sin(Math.PI / 4))));
      xTickH = Math.min(catW, height * 0.25) * Math.SQRT1_2 + TICK_SIZE + 14;
      f = layout(width, height, o, entries, yTickW, xTickH, 0);
    }
  }
  yAxis = thinLabels(yAxis, f.plotH, () => TICK_SIZE * 1.4);
  if (xAxis) xAxis = thinLabels(xAxis, f.plotW, (t) => tickWidth(t, TICK_SIZE));

  const X = (i: number): number => {
    if (categories) return f.left + (f.plotW * (i + 0.5)) / n;
    return f.left + f.plotW * xAxis!.at((o.x as ArrayLike<number>)[i]);
  };
  const Y = (v: number): number => f.top + f.plotH * (1 - yAxis.at(v));

  const body: string[] = [];
  body.push(...yAxisMarkup(f, yAxis));
  if (xAxis) body.push(...xAxisMarkup(f, xAxis));
  else if (categories) {
    for (let i = 0; i < n; i++) {
      const x = X(i);
      body.push(`<line x1="${fmt(x)}" y1="${fmt(f.top + f.plotH)}" x2="${fmt(x)}" y2="${fmt(f.top + f.plotH + 5)}" stroke="${INK}"/>`);
      if (i % catEvery !== 0) continue;
      const label = escapeXml(categories[i]);
      if (rotate) {
        const y = f.top + f.plotH + 10;
        body.push(`<text x="${fmt(x)}" y="${fmt(y)}" font-size="${TICK_SIZE}" text-anchor="end" dominant-baseline="hanging" fill="${INK}" transform="rotate(-45 ${fmt(x)} ${fmt(y)})">${label}</text>`);
      } else {
        body.push(`<text x="${fmt(x)}" y="${fmt(f.top + f.plotH + 8 + TICK_SIZE)}" font-size="${TICK_SIZE}" text-anchor="middle" fill="${INK}">${label}</text>`);
      }
    }
  }

  const clip = clipGroup(f, MARKER_CLIP_MARGIN);
  body.push(clip.open);
  const xOk = (i: number) => Number.isFinite(X(i));
  // Bands first, so every line stays on top of every area.
  o.series.forEach((s, k) => {
    if (!s.band) return;
    const { lo, hi } = s.band;
    for (const r of runs(n, (i) => xOk(i) && Number.isFinite(Y(lo[i])) && Number.isFinite(Y(hi[i])))) {
      let d = r.map((i, j) => `${j ? "L" : "M"}${fmt(X(i))} ${fmt(Y(hi[i]))}`).join("");
      d += r.slice().reverse().map((i) => `L${fmt(X(i))} ${fmt(Y(lo[i]))}`).join("") + "Z";
      if (r.length === 1) {
        body.push(`<line x1="${fmt(X(r[0]))}" y1="${fmt(Y(hi[r[0]]))}" x2="${fmt(X(r[0]))}" y2="${fmt(Y(lo[r[0]]))}" stroke="${colours[k]}" stroke-opacity="${BAND_OPACITY * 2}" stroke-width="6"/>`);
      } else body.push(`<path d="${d}" fill="${colours[k]}" fill-opacity="${BAND_OPACITY}" stroke="none"/>`);
    }
  });
  o.series.forEach((s, k) => {
    const v = s.values;
    const parts = runs(n, (i) => xOk(i) && Number.isFinite(Y(v[i])));
    const d = parts.filter((r) => r.length > 1).map((r) => r.map((i, j) => `${j ? "L" : "M"}${fmt(X(i))} ${fmt(Y(v[i]))}`).join("")).join("");
    if (d) body.push(`<path d="${d}" fill="none" stroke="${colours[k]}" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ` stroke-dasharray="7 4"` : ""}/>`);
    for (const r of parts) {
      if (!(s.markers || r.length === 1)) continue;
      for (const i of r) body.push(`<circle cx="${fmt(X(i))}" cy="${fmt(Y(v[i]))}" r="3.4" fill="${colours[k]}" stroke="#ffffff" stroke-width="1"/>`);
    }
  });
  body.push(clip.close);
  body.push(frameRect(f));
  body.push(...decorations(f, o, entries, xTickH));
  return svgDocument(width, height, body.join("\n"));
}

const COLOUR_BAR_ROOM = 104;

/**
 * A scatter chart as a complete SVG document: ungrouped `points`, named `series` (with a legend), reference `lines`
 * and an optional colour scale for points that carry `t` (drawn as a vertical colour bar right of the plot). Points
 * that cannot be drawn (non-finite, or ≤ 0 on a log axis) are left out.
 *
 * @example
 * scatterChart({ xLabel: "local bound", yLabel: "regions", xScale: "log", yScale: "log",
 *                points: rows.map((r) => ({ x: r.bound, y: r.count, t: r.radius })),
 *                colourScale: { label: "radius", min: 0, max: 1 } });
 */
export function scatterChart(o: ScatterChartOptions): string {
  const width = o.width ?? DEFAULT_WIDTH, height = o.height ?? DEFAULT_HEIGHT;
  const xScale = o.xScale ?? "linear", yScale = o.yScale ?? "linear";
  const radius = o.radius ?? 4;
  const groups = [...(o.points ? [{ name: "", points: o.points, colour: undefined as string | undefined }] : []), ...(o.series ?? [])];
  const groupColour = groups.map((g, i) => g.colour ?? classColour(o.points ? Math.max(0, i - 1) : i));
  const all = groups.flatMap((g) => g.points);
  const pad = (r: [number, number] | null, scale: AxisScale): [number, number] | null => {
    if (!r) return r;
    if (scale === "log") return r;
    const m = (r[1] - r[0]) * 0.03;
    return [r[0] - m, r[1] + m];
  };
  let xAxis = axisFor(xScale, pad(rangeOf([all.map((p) => p.x)], xScale), xScale), { nice: true, count: 8, maxLabels: 10 });
  let yAxis = axisFor(yScale, pad(rangeOf([all.map((p) => p.y)], yScale), yScale), { nice: true, maxLabels: 8 });

  const entries: LegendEntry[] = [];
  groups.forEach((g, i) => {
    if (g.name) entries.push({ name: g.name, sample: (x0, x1, y) => `<circle cx="${fmt((x0 + x1) / 2)}" cy="${fmt(y)}" r="${fmt(radius)}" fill="${groupColour[i]}" stroke="#ffffff" stroke-width="0.8"/>` });
  });
  for (const l of o.lines ?? []) {
    if (l.name) entries.push({ name: l.name, sample: (x0, x1, y) => `<line x1="${fmt(x0)}" y1="${fmt(y)}" x2="${fmt(x1)}" y2="${fmt(y)}" stroke="${l.colour ?? MUTED}" stroke-width="1.6"${l.dashed ? ` stroke-dasharray="6 3"` : ""}/>` });
  }
  const yTickW = Math.max(0, ...yAxis.ticks.map((t) => tickWidth(t, TICK_SIZE)));
  const cs = o.colourScale;
  const f = layout(width, height, o, entries, yTickW, TICK_SIZE + 6, cs ? COLOUR_BAR_ROOM : 0);
  xAxis = thinLabels(xAxis, f.plotW, (t) => tickWidth(t, TICK_SIZE));
  yAxis = thinLabels(yAxis, f.plotH, () => TICK_SIZE * 1.4);
  const X = (v: number) => f.left + f.plotW * xAxis.at(v), Y = (v: number) => f.top + f.plotH * (1 - yAxis.at(v));
  const scaleColour = cs?.colours ?? redBlue;
  const tColour = (t: number) => scaleColour(cs!.max > cs!.min ? (t - cs!.min) / (cs!.max - cs!.min) : 0.5);

  const body: string[] = [...yAxisMarkup(f, yAxis), ...xAxisMarkup(f, xAxis)];
  const lineClip = clipGroup(f);
  body.push(lineClip.open);
  for (const l of o.lines ?? []) {
    const pts = l.points.filter(([x, y]) => Number.isFinite(X(x)) && Number.isFinite(Y(y)));
    if (pts.length < 2) continue;
    const d = pts.map(([x, y], j) => `${j ? "L" : "M"}${fmt(X(x))} ${fmt(Y(y))}`).join("");
    body.push(`<path d="${d}" fill="none" stroke="${l.colour ?? MUTED}" stroke-width="1.6"${l.dashed ? ` stroke-dasharray="6 3"` : ""}/>`);
  }
  body.push(lineClip.close);
  const clip = clipGroup(f, radius + 2);
  body.push(clip.open);
  const labels: string[] = [];
  groups.forEach((g, gi) => {
    for (const p of g.points) {
      const x = X(p.x), y = Y(p.y);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const c = p.colour ?? (cs && p.t !== undefined ? tColour(p.t) : groupColour[gi]);
      body.push(`<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${fmt(radius)}" fill="${c}" fill-opacity="0.9" stroke="#ffffff" stroke-width="0.8"/>`);
      if (p.label) labels.push(`<text x="${fmt(x + radius + 3)}" y="${fmt(y - radius - 1)}" font-size="11.5" fill="${INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(p.label)}</text>`);
    }
  });
  body.push(...labels);
  body.push(clip.close);
  body.push(frameRect(f));
  if (cs) body.push(colourBar(f, cs, scaleColour));
  body.push(...decorations(f, o, entries, TICK_SIZE + 6));
  return svgDocument(width, height, body.join("\n"));
}

/** Vertical colour bar right of the plot (left of a right-hand legend): gradient, ticks and the scale's name. */
function colourBar(f: Frame, cs: ColourScale, colours: (u: number) => string): string {
  const x = f.left + f.plotW + 18, w = 14, top = f.top + 8, h = Math.max(40, f.plotH - 16);
  const stops = Array.from({ length: 11 }, (_, k) => `<stop offset="${k / 10}" stop-color="${colours(1 - k / 10)}"/>`).join("");
  const id = `tessera-bar-${++idCounter}`;
  const out = [
    `<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>`,
    `<rect x="${fmt(x)}" y="${fmt(top)}" width="${w}" height="${fmt(h)}" fill="url(#${id})" stroke="${INK}" stroke-width="0.8"/>`,
  ];
  const axis = makeAxis("linear", Math.min(cs.min, cs.max), Math.max(cs.min, cs.max), { count: 5 });
  for (const t of axis.ticks) {
    const p = axis.at(t.value);
    if (!(p >= -TICK_EPS && p <= 1 + TICK_EPS)) continue;
    const y = top + h * (1 - p);
    out.push(`<line x1="${fmt(x + w)}" y1="${fmt(y)}" x2="${fmt(x + w + 4)}" y2="${fmt(y)}" stroke="${INK}"/>`);
    out.push(`<text x="${fmt(x + w + 7)}" y="${fmt(y + 4)}" font-size="11.5" fill="${INK}">${tickMarkup(t, 11.5)}</text>`);
  }
  const lx = x + w + 62, ly = top + h / 2;
  out.push(`<text x="${fmt(lx)}" y="${fmt(ly)}" font-size="${AXIS_LABEL_SIZE - 1}" text-anchor="middle" fill="${INK}" transform="rotate(90 ${fmt(lx)} ${fmt(ly)})">${escapeXml(cs.label)}</text>`);
  return out.join("\n");
}

/**
 * Complete chart documents (from {@link lineChart} or {@link scatterChart}) side by side, left to right, as one SVG
 * document: each becomes a nested `<svg>` at its x offset, keeping its own size; the height is the tallest.
 */
export function sideBySide(charts: readonly string[]): string {
  let x = 0, height = 0;
  const parts = charts.map((svg, i) => {
    const head = /^<svg\b[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
    if (!head) throw new RangeError(`sideBySide: chart ${i + 1} is not an SVG document with a width and height`);
    const w = Number(head[1]), h = Number(head[2]);
    const placed = svg.replace(/^<svg\b/, `<svg x="${fmt(x)}" y="0"`);
    x += w;
    height = Math.max(height, h);
    return placed.trimEnd();
  });
  return svgDocument(x, height, parts.join("\n"));
}
