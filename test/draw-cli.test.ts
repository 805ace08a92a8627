import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { partitionPlane, resolvePlane, type PlaneFlags } from "../src/cli/commands/boundary.ts";
import { checkDrawFlags } from "../src/cli/commands/draw.ts";
import { svgToPng } from "../src/io/png.ts";
import { renderPartitionSvg } from "../src/render/partition-svg.ts";
import { runCliAll } from "./helpers/cli.ts";
import { expectedOf, fixturePath, repoRoot } from "./helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-draw-"));
const fixture = fixturePath("random-2-32-32-s5");
const small = fixturePath("random-2-8-8-s1");
const mnist = fixturePath("mnist-10-12-s1");
const digit = (d: number) => join(repoRoot, "docs/img", `mnist-digit-${d}.json`);
const through = [0, 1, 7].map(digit).join(",");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const flags = (extra: Partial<PlaneFlags> = {}): PlaneFlags => ({ clip: true, progress: false, ...extra });

// End to end through the real CLI (child processes are slow on a loaded machine: few of them, run two at a time).
describe("tessera boundary and tessera draw, end to end", () => {
  const svgOut = join(dir, "p.svg"), pngOut = join(dir, "m.png");
  const runs = runCliAll(
    [
      ["boundary", fixture, "--json"],
      ["boundary", mnist, "--through", through, "--verify"],
      ["draw", small, "--out", svgOut, "--boundary", "--hyperplanes", "--verify"],
      ["draw", mnist, "--through", through, "--out", pngOut, "--colour", "pattern", "--size", "640x480", "--no-clip", "--range", "-1,2,-1,2"],
      ["boundary", mnist],
      ["draw", small, "--out", join(dir, "no-dir", "x.svg")],
      ["draw", small, "--out", join(dir, "x.svg"), "--colour", "rainbow"],
    ],
    2,
  );

  it("boundary --json: regions equal the fixture's count, with boundary pieces, polylines, rectangle and seconds", async () => {
    const r = (await runs)[0];
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.regions, expectedOf("random-2-32-32-s5").regions);
    assert.ok(out.boundaryPieces > 0 && out.polylines >= 1);
    assert.deepEqual(out.rectangle, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
    assert.equal(typeof out.seconds, "number");
  });

  it("boundary --verify on the plane through three MNIST digits: both checks pass", async () => {
    const r = (await runs)[1];
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /clipped to the input box \[0, 1\]\^784/);
    assert.match(r.stdout, /partition ok/);
    assert.match(r.stdout, /boundary ok/);
  });

  it("draw writes an SVG with regions, class boundary and dashed first-layer hyperplanes, and a PNG at the asked size", async () => {
    const [, , a, b] = await runs;
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /wrote .*p\.svg: 111 regions, 3 boundary pieces in 1 polyline/);
    assert.match(a.stdout, /partition ok/);
    const svg = readFileSync(svgOut, "utf8");
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /DejaVu Sans, sans-serif/);
    assert.match(svg, /stroke-dasharray/);
    assert.match(svg, /111 regions/);
    assert.match(svg, /class boundary/);
    assert.equal(b.code, 0, b.stderr);
    const png = readFileSync(pngOut);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert.equal(png.readUInt32BE(16), 640);
    assert.equal(png.readUInt32BE(20), 480);
  });

  it("bad input ends with one line on stderr and exit code 2 (no plane for 784 inputs, unwritable path, unknown colouring)", async () => {
    const [, , , , noPlane, unwritable, colour] = await runs;
    for (const [r, pattern] of [
      [noPlane, /^tessera: .*takes 784 inputs: choose a plane with --slice o,a,b or --through x1,x2,x3$/],
      [unwritable, /^tessera: .*x\.svg: cannot write the picture/],
      [colour, /rainbow/],
    ] as const) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr.trim(), pattern);
    }
  });
});

describe("plane resolution (in process)", () => {
  it("the MNIST triangle is the default domain; --no-clip keeps the whole rectangle; --range cuts a 2-input model's square", async () => {
    const clipped = await resolvePlane(mnist, flags({ through }));
    assert.equal(clipped.clipped, true);
    const { partition } = await partitionPlane(mnist, flags({ through }));
    // The digits lie in [0,1]^784 and so does their triangle, but the plane leaves the box right outside it.
    assert.ok(Math.abs(partition.domainArea - 0.5) < 1e-9, `area ${partition.domainArea}`);
    const wide = await partitionPlane(mnist, flags({ through, clip: false }));
    assert.ok(Math.abs(wide.partition.domainArea - 2.25) < 1e-12);
    assert.ok(wide.partition.regions.length > partition.regions.length);
    const sub = await partitionPlane(small, flags({ range: "0,1,0,1" }));
    assert.deepEqual(sub.plane.rect, { umin: 0, umax: 1, vmin: 0, vmax: 1 });
    assert.ok(sub.partition.regions.length > 0 && sub.partition.regions.length < 111);
  });

  it("a slice along the axes of a 2-input model reproduces the model's own count", async () => {
    const o = file("o.json", "[0, 0]"), a = file("a.json", "[1, 0]"), b = file("b.json", "[0, 1]");
    const { partition } = await partitionPlane(small, flags({ slice: `${o},${a},${b}`, range: "-1,1,-1,1" }));
    assert.equal(partition.regions.length, 111);
  });

  it("bad flags and files give one-line messages naming the problem", async () => {
    const short = file("short.json", "[0.5, 0.5, 0.5]");
    const nan = file("nan.json", "[0.1, NaN]");
    const missing = join(dir, "missing.json");
    const cases: [string, Partial<PlaneFlags>, RegExp][] = [
      [join(dir, "no-model.onnx"), {}, /no-model\.onnx/],
      [mnist, {}, /takes 784 inputs: choose a plane with --slice o,a,b or --through x1,x2,x3/],
      [small, { slice: "a,b,c", through: "a,b,c" }, /either --slice or --through/],
      [small, { range: "1,2,3" }, /--range "1,2,3": give four finite numbers/],
      [small, { range: "1,0,0,1" }, /umin < umax/],
      [mnist, { through: `${short},${short},${short}` }, /short\.json: 3 coordinates given, .* takes 784/],
      [mnist, { through: `${digit(0)},${missing},${digit(7)}` }, /missing\.json: no such file/],
      [small, { through: `${nan},${nan},${nan}` }, /nan\.json: not valid JSON/],
      [mnist, { through: `${digit(0)},${digit(1)},${digit(1)}` }, /do not span a plane/],
      [mnist, { through, range: "5,6,5,6" }, /does not meet the input box/],
      [mnist, { slice: through }, /--slice needs --range/],
      [small, { through: "a,b" }, /--through "a,b": give three files/],
    ];
    for (const [model, extra, pattern] of cases) {
      await assert.rejects(resolvePlane(model, flags(extra)), (err: Error) => {
        assert.ok(["UsageError", "ModelError"].includes(err.name), `${err.name}: ${err.message}`);
        assert.equal(err.message.split("\n").length, 1);
        assert.match(err.message, pattern);
        return true;
      });
    }
  });

  it("draw's --out and --size are checked before any work", () => {
    assert.deepEqual(checkDrawFlags({ out: "a.png", size: "640x480" }), { out: "a.png", size: { width: 640, height: 480 } });
    assert.throws(() => checkDrawFlags({ size: "900x760" }), /--out FILE\.svg or --out FILE\.png/);
    assert.throws(() => checkDrawFlags({ out: "x.jpg", size: "900x760" }), /must end in \.svg or \.png/);
    assert.throws(() => checkDrawFlags({ out: "x.svg", size: "big" }), /--size "big"/);
    assert.throws(() => checkDrawFlags({ out: "x.svg", size: "100x100" }), /width 400 to 8000/);
  });
});

describe("renderPartitionSvg", () => {
  it("a well-formed SVG with a training point per label, marked inputs, and the outside of a clipped domain hatched", async () => {
    const { partition, plane } = await partitionPlane(mnist, flags({ through }));
    const svg = renderPartitionSvg(partition, {
      network: plane.network,
      rect: plane.rect,
      hyperplanes: true,
      markers: plane.markers,
      points: { uv: [0.1, 0.1, 0.6, 0.2, 0.1, 0.7], labels: [0, 1, 7] },
      title: "a <title> & more",
    });
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
    assert.match(svg, /a &lt;title&gt; &amp; more/);
    assert.equal(svg.match(/<circle [^>]*r="3"/g)?.length, 3);
    assert.equal(svg.match(/mnist-digit-[017]</g)?.length, 3);
    assert.match(svg, /outside the input box/);
    // Balanced tags: every opened element is closed.
    const opened = svg.match(/<[a-zA-Z][^>]*[^/]>/g)?.length ?? 0, closed = svg.match(/<\/[a-zA-Z]+>/g)?.length ?? 0;
    assert.equal(opened, closed);
    const png = svgToPng(svg);
    assert.ok(png.length > 1000);
  });
});
