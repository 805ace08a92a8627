import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixturePath } from "./helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-draw-"));
const fixture = fixturePath("random-2-32-32-s5");
const small = fixturePath("random-2-8-8-s1");
const mnist = fixturePath("mnist-10-12-s1");
const digit = (d: number) => join(import.meta.dirname ?? ".", "../docs/img", `mnist-digit-${d}.json`);
const through = [0, 1, 7].map(digit).join(",");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("tessera boundary", () => {
  it("--json on a fixture: regions equal the fixture's count, with boundary pieces, polylines and the rectangle", async () => {
    const r = await runCli(["boundary", fixture, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.regions, expectedOf("random-2-32-32-s5").regions);
    assert.equal(typeof out.boundaryPieces, "number");
    assert.ok(out.boundaryPieces > 0 && out.polylines >= 1);
    assert.deepEqual(out.rectangle, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
    assert.equal(typeof out.seconds, "number");
  });

  it("--verify passes on a fixture and on the plane through three MNIST digits (clipped to [0,1]^784 by default)", async () => {
    const [a, b] = await runCliAll([
      ["boundary", small, "--verify"],
      ["boundary", mnist, "--through", through, "--verify", "--json"],
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /regions +111/);
    assert.match(a.stdout, /partition ok/);
    assert.match(a.stdout, /boundary ok/);
    assert.equal(b.code, 0, b.stderr);
    const out = JSON.parse(b.stdout);
    assert.equal(out.verify.ok, true);
    assert.equal(out.domain.clipped, true);
    // The digits are in [0,1]^784 and so is their triangle, but the plane leaves the box right outside it.
    assert.ok(Math.abs(out.domain.area - 0.5) < 1e-9, `area ${out.domain.area}`);
  });

  it("--no-clip keeps the whole rectangle, and --range a sub-rectangle of a 2-input model", async () => {
    const [wide, sub] = await runCliAll([
      ["boundary", mnist, "--through", through, "--no-clip", "--json"],
      ["boundary", small, "--range", "0,1,0,1", "--json"],
    ]);
    assert.equal(wide.code, 0, wide.stderr);
    assert.ok(Math.abs(JSON.parse(wide.stdout).domain.area - 2.25) < 1e-12);
    assert.equal(sub.code, 0, sub.stderr);
    const s = JSON.parse(sub.stdout);
    assert.deepEqual(s.rectangle, { umin: 0, umax: 1, vmin: 0, vmax: 1 });
    assert.ok(s.regions > 0 && s.regions < 111);
  });

  it("a slice through o + u·a + v·b with the axes of a 2-input model reproduces the model's own count", async () => {
    const o = file("o.json", "[0, 0]"), a = file("a.json", "[1, 0]"), b = file("b.json", "[0, 1]");
    const r = await runCli(["boundary", small, "--slice", `${o},${a},${b}`, "--range", "-1,1,-1,1", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).regions, 111);
  });

  it("bad input: one line naming the problem, exit 2", async () => {
    const short = file("short.json", "[0.5, 0.5, 0.5]");
    const nan = file("nan.json", "[0.1, NaN]");
    const missing = join(dir, "missing.json");
    const cases: [string[], RegExp][] = [
      [["boundary", join(dir, "no-model.onnx")], /no-model\.onnx/],
      [["boundary", mnist], /takes 784 inputs: choose a plane with --slice o,a,b or --through x1,x2,x3/],
      [["boundary", small, "--slice", "a,b,c", "--through", "a,b,c"], /either --slice or --through/],
      [["boundary", small, "--range", "1,2,3"], /--range "1,2,3": give four finite numbers/],
      [["boundary", small, "--range", "1,0,0,1"], /umin < umax/],
      [["boundary", mnist, "--through", `${short},${short},${short}`], /short\.json: 3 coordinates given, .* takes 784/],
      [["boundary", mnist, "--through", `${digit(0)},${missing},${digit(7)}`], /missing\.json: no such file/],
      [["boundary", small, "--through", `${nan},${nan},${nan}`], /nan\.json: not valid JSON/],
      [["boundary", small, "--slice", `${short},${short},${short}`], /coordinates given|--range/],
      [["boundary", mnist, "--through", `${digit(0)},${digit(1)},${digit(1)}`], /do not span a plane/],
      [["boundary", mnist, "--through", through, "--range", "5,6,5,6"], /does not meet the input box/],
      [["boundary", mnist, "--slice", through], /--slice needs --range/],
      [["boundary", small, "--through", "a,b"], /--through "a,b": give three files/],
    ];
    const results = await runCliAll(cases.map(([args]) => args));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i][0].join(" ")}: code ${r.code}, stderr ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^tessera: /);
      assert.match(lines[0], cases[i][1]);
    });
  });
});

describe("tessera draw", () => {
  it("writes an SVG with the regions, the class boundary and dashed first-layer hyperplanes", async () => {
    const out = join(dir, "p.svg");
    const r = await runCli(["draw", small, "--out", out, "--boundary", "--hyperplanes", "--verify"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*p\.svg: 111 regions, 3 boundary pieces in 1 polyline/);
    assert.match(r.stdout, /partition ok/);
    const svg = readFileSync(out, "utf8");
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /DejaVu Sans, sans-serif/);
    assert.match(svg, /stroke-dasharray/);
    assert.match(svg, /111 regions/);
    assert.match(svg, /class boundary/);
  });

  it("writes a PNG of an MNIST slice coloured by pattern, at the asked size", async () => {
    const out = join(dir, "m.png");
    const r = await runCli(["draw", mnist, "--through", through, "--out", out, "--colour", "pattern", "--size", "640x480", "--no-clip", "--range", "-1,2,-1,2"]);
    assert.equal(r.code, 0, r.stderr);
    const png = readFileSync(out);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert.equal(png.readUInt32BE(16), 640);
    assert.equal(png.readUInt32BE(20), 480);
  });

  it("bad input: no --out, a wrong extension, a bad size, an unknown colouring, an unwritable path", async () => {
    const cases: [string[], RegExp][] = [
      [["draw", small], /--out FILE\.svg or --out FILE\.png/],
      [["draw", small, "--out", join(dir, "x.jpg")], /must end in \.svg or \.png/],
      [["draw", small, "--out", join(dir, "x.svg"), "--size", "big"], /--size "big"/],
      [["draw", small, "--out", join(dir, "x.svg"), "--colour", "rainbow"], /rainbow/],
      [["draw", small, "--out", join(dir, "no-dir", "x.svg")], /cannot write the picture/],
    ];
    const results = await runCliAll(cases.map(([args]) => args));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i][0].join(" ")}: code ${r.code}, stderr ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, cases[i][1]);
    });
  });
});
