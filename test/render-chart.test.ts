import assert from "node:assert/strict";
import { test } from "node:test";
import { svgToPng } from "../src/io/png.ts";
import { patternToString } from "../src/model/evaluate.ts";
import { lineChart, logTicks, makeAxis, niceStep, niceTicks, scatterChart, sideBySide } from "../src/render/chart.ts";
import { CLASS_COLOUR_COUNT, classColour, classFill, escapeXml, fmt, patternColour, redBlue, svgDocument } from "../src/render/svg.ts";

/** Minimal well-formedness check: every tag closes in order, attributes are quoted, entities are known. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    if (m[6]) assert.fail(`stray '<' at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) {
      for (const e of m[5].match(/&[^;\s]*;?/g) ?? []) assert.match(e, /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);$/i, `bad entity ${e}`);
      continue;
    }
    if (!m[2]) continue;
    for (const e of (m[3] ?? "").match(/&[^;\s"]*;?/g) ?? []) assert.match(e, /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);$/i, `bad entity ${e}`);
    if (m[1]) assert.equal(stack.pop(), m[2], `mismatched </${m[2]}>`);
    else if (!m[4]) stack.push(m[2]);
  }
  assert.deepEqual(stack, [], "unclosed elements");
}

test("escapeXml escapes the five XML special characters", () => {
  assert.equal(escapeXml(`a<b & "c" > 'd'`), "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;");
});

test("fmt rounds to few decimals, drops trailing zeros and never writes -0", () => {
  assert.equal(fmt(3.14159), "3.14");
  assert.equal(fmt(2.5), "2.5");
  assert.equal(fmt(-0.001), "0");
  assert.equal(fmt(-0), "0");
  assert.equal(fmt(12), "12");
  assert.equal(fmt(1.23456, 4), "1.2346");
  assert.equal(fmt(0.1 + 0.2), "0.3");
  assert.throws(() => fmt(NaN), RangeError);
});

test("svgDocument is well-formed, sized, uses DejaVu Sans and a background unless 'none'", () => {
  const svg = svgDocument(300, 200, `<text x="1" y="2">${escapeXml("x < y & z")}</text>`);
  assertWellFormedXml(svg);
  assert.match(svg, /width="300" height="200" viewBox="0 0 300 200"/);
  assert.match(svg, /font-family="DejaVu Sans, sans-serif"/);
  assert.match(svg, /fill="#ffffff"/);
  assert.doesNotMatch(svgDocument(10, 10, "", { background: "none" }), /<rect/);
  assert.ok(svgToPng(svg).length > 100);
});

test("the class palette has 12 distinct colours, fills are lighter, and it repeats after", () => {
  const colours = Array.from({ length: CLASS_COLOUR_COUNT }, (_, i) => classColour(i));
  assert.equal(new Set(colours).size, CLASS_COLOUR_COUNT);
  assert.ok(CLASS_COLOUR_COUNT >= 10);
  assert.equal(classColour(CLASS_COLOUR_COUNT), classColour(0));
  assert.equal(classColour(-1), classColour(CLASS_COLOUR_COUNT - 1));
  const lum = (hex: string) => [1, 3, 5].reduce((s, k) => s + parseInt(hex.slice(k, k + 2), 16), 0);
  for (let i = 0; i < CLASS_COLOUR_COUNT; i++) {
    assert.match(classFill(i), /^#[0-9a-f]{6}$/);
    assert.ok(lum(classFill(i)) > lum(classColour(i)));
  }
});

test("patternColour is stable, hex, the same for a pattern and its string, and spreads keys", () => {
  const p = Uint8Array.of(1, 0, 1, 1, 0);
  assert.equal(patternColour(p), patternColour(patternToString(p)));
  assert.equal(patternColour("10110"), patternColour("10110"));
  assert.match(patternColour("abc"), /^#[0-9a-f]{6}$/);
  const keys = Array.from({ length: 200 }, (_, i) => i.toString(2).padStart(8, "0"));
  assert.ok(new Set(keys.map(patternColour)).size > 190);
});

test("redBlue runs from red through light grey to blue and clamps", () => {
  assert.equal(redBlue(0), "#b2182b");
  assert.equal(redBlue(1), "#2166ac");
  assert.equal(redBlue(-3), redBlue(0));
  assert.equal(redBlue(7), redBlue(1));
  assert.equal(redBlue(0.5), "#c4bcce");
  assert.match(redBlue(0.37), /^#[0-9a-f]{6}$/);
});

test("niceTicks: 1-2-5 steps inside the range, exact zero, degenerate range", () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-1, 1), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(niceTicks(0.3, 9.7), [2, 4, 6, 8]);
  assert.deepEqual(niceTicks(-0.35, 0.35), [-0.2, 0, 0.2]);
  assert.deepEqual(niceTicks(-0.35, 0.35, 10), [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
  assert.deepEqual(niceTicks(0, 1e30, 5), [0, 2e29, 4e29, 6e29, 8e29, 1e30]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  for (const [lo, hi] of [[0.001, 0.0137], [-523, 17], [1e5, 1.3e5], [2, 2.0001]]) {
    const t = niceTicks(lo, hi);
    const step = t[1] - t[0];
    assert.ok(t.length >= 2 && t.length <= 7, `${lo}..${hi}: ${t}`);
    assert.ok(t[0] >= lo && t[t.length - 1] <= hi);
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), `step ${step}`);
  }
  assert.equal(niceStep(10, 5), 2);
});

test("logTicks: decades labelled 10^k up to 1e30, stride when many, plain 1-2-5 on short ranges", () => {
  const a = logTicks(3, 5e4);
  assert.deepEqual([a.lo, a.hi], [0, 5]);
  assert.deepEqual(a.ticks.filter((t) => t.label !== null).map((t) => t.exponent), [0, 1, 2, 3, 4, 5]);
  assert.ok(a.ticks.some((t) => t.value === 300 && t.label === null), "minor ticks at 2..9 × 10^k");
  const b = logTicks(1, 1e30);
  assert.deepEqual([b.lo, b.hi], [0, 30]);
  assert.deepEqual(b.ticks.filter((t) => t.label !== null).map((t) => t.exponent), [0, 5, 10, 15, 20, 25, 30]);
  assert.ok(b.ticks.every((t) => Number.isFinite(t.value)));
  const c = logTicks(1e-200, 1e250);
  assert.ok(c.ticks.filter((t) => t.label !== null).length <= 8);
  const d = logTicks(1, 16);
  assert.deepEqual([d.lo, Math.round(10 ** d.hi)], [0, 20]);
  assert.deepEqual(d.ticks.filter((t) => t.label !== null).map((t) => t.label), ["1", "2", "5", "10", "20"]);
  assert.throws(() => logTicks(0, 10), RangeError);
  const axis = makeAxis("log", 1, 1e30);
  assert.equal(axis.at(1e15), 0.5);
  assert.ok(Number.isNaN(axis.at(0)) && Number.isNaN(axis.at(-1)));
});

test("a log line chart with values up to 1e30, bands and NaN gaps is well-formed and renders", () => {
  const x = [0, 1, 2, 3, 4, 5];
  const svg = lineChart({
    title: "Regions & bounds <log>", xLabel: "epoch", yLabel: "regions", yScale: "log", x,
    series: [
      { name: "count", values: [10, 40, NaN, 900, 2e3, NaN], band: { lo: [8, 30, NaN, 700, 1e3, NaN], hi: [12, 50, NaN, 1e3, 3e3, NaN] }, markers: true },
      { name: "bound", values: [1e30, 1e29, 1e28, 0, 1e26, 1e25], dashed: true },
      { name: "all gaps", values: x.map(() => NaN) },
    ],
  });
  assertWellFormedXml(svg);
  assert.doesNotMatch(svg, /NaN|Infinity/);
  assert.match(svg, /<tspan[^>]*>30<\/tspan>/, "top decade labelled 10^30");
  assert.match(svg, /fill-opacity="0.18"/, "band drawn as a translucent area");
  assert.ok(svgToPng(svg).length > 1000);
});

test("a categorical line chart and an empty one are well-formed; mismatched lengths are refused", () => {
  const cat = lineChart({ x: ["1", "2", "4", "8"], yLabel: "speed-up", series: [{ name: "a", values: [1, 2, 3.5, NaN] }] });
  assertWellFormedXml(cat);
  assert.ok(svgToPng(cat).length > 1000);
  const empty = lineChart({ x: [], series: [] });
  assertWellFormedXml(empty);
  assert.throws(() => lineChart({ x: [1, 2], series: [{ name: "a", values: [1] }] }), /1 values for 2/);
});

test("a scatter chart with log axes, a colour bar, groups and reference line is well-formed and renders", () => {
  const svg = scatterChart({
    title: "scatter", xLabel: "x", yLabel: "y", xScale: "log", yScale: "log",
    points: [{ x: 10, y: 5, t: 0.1, label: "a & b" }, { x: 1e4, y: 2e3, t: 0.9 }, { x: -1, y: 3 }, { x: NaN, y: 1 }],
    series: [{ name: "group", points: [{ x: 100, y: 80 }] }],
    lines: [{ name: "y = x", points: [[1, 1], [1e4, 1e4]], dashed: true }],
    colourScale: { label: "radius", min: 0, max: 1 },
  });
  assertWellFormedXml(svg);
  assert.doesNotMatch(svg, /NaN|Infinity/);
  assert.match(svg, /linearGradient/);
  assert.equal((svg.match(/<circle/g) ?? []).length, 3 + 1, "three drawable points and one legend dot");
  assert.ok(svgToPng(svg).length > 1000);
});

test("sideBySide places complete charts left to right in one document that resvg renders", () => {
  const a = scatterChart({ width: 300, height: 200, points: [{ x: 1, y: 2 }] });
  const b = lineChart({ width: 400, height: 250, x: [0, 1], series: [{ name: "s", values: [1, 2] }] });
  const svg = sideBySide([a, b]);
  assert.match(svg, /^<svg[^>]*width="700" height="250"/);
  assert.match(svg, /<svg x="0" y="0" xmlns[^>]*width="300"/);
  assert.match(svg, /<svg x="300" y="0" xmlns[^>]*width="400"/);
  const png = svgToPng(svg);
  assert.equal(new DataView(png.buffer, png.byteOffset).getUint32(16), 700, "PNG width");
  assert.throws(() => sideBySide(["<g/>"]), /chart 1 is not an SVG document/);
});
