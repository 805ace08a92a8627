import assert from "node:assert/strict";
import { test } from "node:test";
import { svgToPng } from "../src/io/png.ts";
import { patternToString } from "../src/model/evaluate.ts";
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
