import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { planarPartitionFast } from "../src/skeleton/partition.ts";
import { loadModel } from "../src/io/load.ts";
import { CanvasPaintContext, SvgPathContext, type Canvas2D } from "../src/render/paint-context.ts";
import { paintPartition, partitionPicture, type PartitionPaintOptions, type PlaneToPixels } from "../src/render/partition-painter.ts";
import { renderPartitionSvg } from "../src/render/partition-svg.ts";
import { RasterPaintContext, type PixelCanvas2D } from "../src/render/raster-context.ts";
import { packPartition } from "../web/src/partition/packed.ts";
import { pictureOf } from "../web/src/view/picture.ts";
import { outputScale, shadeUnitOutput, valueColour } from "../web/src/view/unit-output.ts";
import { forward } from "../src/model/evaluate.ts";
import { fixturePath } from "./helpers/fixtures.ts";

const square = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
const view: PlaneToPixels = { left: 10, top: 20, scale: 300, umin: -1, vmax: 1 };
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** An SVG context that cuts batches into paths of `n` polygons, as the canvas context does with its own limit. */
class ChunkedSvg extends SvgPathContext {
  constructor(readonly polygonsPerPath: number) {
    super();
  }
}

/** Merge consecutive `<path>` elements with the same attributes (a batch cut into paths) into one. */
function merged(parts: string[]): string[] {
  const out: { d: string; rest: string }[] = [];
  for (const p of parts) {
    const m = /^<path d="([^"]*)"(.*)$/.exec(p)!;
    const last = out[out.length - 1];
    if (last && last.rest === m[2] && !m[2].includes("stroke-linecap")) last.d += m[1];
    else out.push({ d: m[1], rest: m[2] });
  }
  return out.map((p) => `<path d="${p.d}"${p.rest}`);
}

describe("the partition painter", async () => {
  const net = (await loadModel(fixturePath("random-2-32-32-s5"))).network;
  const partition = planarPartition(net, square);
  const boundary = classBoundary(partition);

  it("tessera draw's SVG is byte-identical to the picture of the renderer before the shared painter (random-2-8-8-s1, every layer)", async () => {
    const small = (await loadModel(fixturePath("random-2-8-8-s1"))).network;
    const p = planarPartition(small, square);
    const points = { uv: [0.1, 0.2, -0.5, 0.3, 0.7, -0.7], labels: [0, 1, 1] };
    const svg = renderPartitionSvg(p, { network: small, hyperplanes: true, markers: [[0, 0, "o <x>"]], points, title: "t", subtitle: "s", classNames: ["a", "b"] });
    // Digest of the same call on the commit before src/render/partition-painter.ts existed.
    assert.equal(sha(svg), "058d130f63c5b6002b7b57de501edda622d012f1503ad54ffea214959dcc4926");
  });

  it("cutting batches into paths of a few polygons (what the canvas does) draws the same paths", () => {
    for (const fill of ["class", "pattern"] as const) {
      const opts: PartitionPaintOptions = { fill, edges: true, boundary: true, outline: [-1, -1, 1, -1, 1, 1, -1, 1] };
      const whole = new SvgPathContext(), chunked = new ChunkedSvg(7);
      paintPartition(whole, partitionPicture(partition, boundary), view, opts);
      paintPartition(chunked, partitionPicture(partition, boundary), view, opts);
      assert.ok(chunked.parts.length > whole.parts.length + 100);
      assert.deepEqual(merged(chunked.parts), merged(whole.parts));
    }
  });

  it("the explorer's packed partition paints exactly the paths tessera draw paints", () => {
    const opts: PartitionPaintOptions = { fill: "class", edges: true, boundary: true };
    const core = new SvgPathContext(), web = new SvgPathContext();
    // Both sides partition as tessera draw does (planarPartitionFast: the skeleton on this narrow network).
    const drawn = planarPartitionFast(net, square);
    paintPartition(core, partitionPicture(drawn, classBoundary(drawn)), view, opts);
    paintPartition(web, pictureOf(packPartition(net, square)), view, opts);
    assert.equal(web.parts.join("\n"), core.parts.join("\n"));
    // 1,557 regions: one edge batch with 1,557 closed polygons.
    const edges = core.parts.find((p) => p.includes('stroke="#374151"'))!;
    assert.equal(edges.match(/Z/g)?.length, 1557);
  });

  it("the canvas context fills then strokes each path, with the style's opacity, dashes and joins, and resets its alpha", () => {
    const calls: string[] = [];
    const fake: Canvas2D = {
      fillStyle: "", strokeStyle: "", lineWidth: 1, lineJoin: "miter", lineCap: "butt", globalAlpha: 1,
      beginPath: () => calls.push("begin"),
      moveTo: (x, y) => calls.push(`M${x},${y}`),
      lineTo: (x, y) => calls.push(`L${x},${y}`),
      closePath: () => calls.push("Z"),
      fill: () => calls.push(`fill ${fake.fillStyle}`),
      stroke: () => calls.push(`stroke ${fake.strokeStyle} w${fake.lineWidth} a${fake.globalAlpha} ${fake.lineJoin} ${fake.lineCap}`),
      setLineDash: (d) => calls.push(`dash ${d.join(",")}`),
    };
    const ctx = new CanvasPaintContext(fake);
    ctx.beginPath();
    ctx.moveTo(0, 0);
    ctx.lineTo(1, 0);
    ctx.closePath();
    ctx.paint({ fill: "#aaa", stroke: "#aaa", strokeWidth: 0.6 });
    ctx.paint({ stroke: "#374151", strokeOpacity: 0.75, strokeWidth: 2, lineJoin: "round", dash: [7, 4] });
    assert.deepEqual(calls, [
      "begin", "M0,0", "L1,0", "Z",
      "fill #aaa", "dash ", "stroke #aaa w0.6 a1 bevel butt",
      "dash 7,4", "stroke #374151 w2 a0.75 round butt",
    ]);
    assert.equal(fake.globalAlpha, 1);
  });
});

/** A canvas whose pixels are a plain RGBA buffer, recording what is drawn on it as paths. */
function pixelCanvas(width: number, height: number) {
  const data = new Uint8ClampedArray(4 * width * height);
  const calls: string[] = [];
  const canvas: PixelCanvas2D = {
    fillStyle: "", strokeStyle: "", lineWidth: 1, lineJoin: "miter", lineCap: "butt", globalAlpha: 1,
    beginPath: () => calls.push("begin"),
    moveTo: () => {},
    lineTo: () => {},
    closePath: () => {},
    fill: () => calls.push(`fill ${canvas.fillStyle}`),
    stroke: () => calls.push(`stroke ${canvas.strokeStyle} ${canvas.lineWidth}`),
    setLineDash: () => {},
    getImageData: () => ({ data: data.slice(), width, height }),
    putImageData: (image) => data.set(image.data),
    createImageData: (w, h) => ({ data: new Uint8ClampedArray(4 * w * h), width: w, height: h }),
  };
  return { canvas, data, calls };
}

describe("the raster context (fills and hairlines into pixels)", async () => {
  const net = (await loadModel(fixturePath("random-2-8-8-s1"))).network;
  const partition = planarPartition(net, square);
  const picture = partitionPicture(partition);
  const W = 240, H = 200, dpr = 1.5;
  // The square [-1, 1]² at 60 px per unit (CSS), from (8, 6): 120 × 120 CSS px, 180 × 180 device px.
  const at: PlaneToPixels = { left: 8, top: 6, scale: 60, umin: -1, vmax: 1 };

  it("polygons that tile the square cover each pixel centre inside it exactly once, by the polygon that holds the centre", () => {
    const { canvas, data } = pixelCanvas(W, H);
    const raster = new RasterPaintContext(canvas, W, H, dpr, undefined, true);
    const n = picture.polygons.start.length - 1;
    for (let k = 0; k < n; k++) {
      raster.beginPath();
      const from = picture.polygons.start[k], to = picture.polygons.start[k + 1], c = picture.polygons.coords;
      for (let i = from; i < to; i++) (i === from ? raster.moveTo.bind(raster) : raster.lineTo.bind(raster))(at.left + (c[2 * i] + 1) * 60, at.top + (1 - c[2 * i + 1]) * 60);
      raster.closePath();
      // Colour k + 1 identifies the polygon.
      raster.paint({ fill: `#${(k + 1).toString(16).padStart(6, "0")}` });
    }
    raster.flush();
    let inside = 0;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const p = 4 * (j * W + i);
        const owner = ((data[p] << 16) | (data[p + 1] << 8) | data[p + 2]) - 1;
        // The pixel centre in plane coordinates.
        const u = ((i + 0.5) / dpr - at.left) / 60 - 1, v = 1 - ((j + 0.5) / dpr - at.top) / 60;
        const inSquare = u > -1 && u < 1 && v > -1 && v < 1;
        if (!inSquare) {
          assert.equal(data[p + 3], 0, `pixel ${i},${j} outside the square is not painted`);
          continue;
        }
        inside++;
        assert.equal(data[p + 3], 255, `pixel ${i},${j} inside the square is painted`);
        assert.ok(owner >= 0 && owner < n);
        // The owner's polygon holds the centre (up to rounding on its edges).
        const from = picture.polygons.start[owner], to = picture.polygons.start[owner + 1], c = picture.polygons.coords;
        let minCross = Infinity;
        for (let a = from; a < to; a++) {
          const b = a + 1 < to ? a + 1 : from;
          const cross = (c[2 * b] - c[2 * a]) * (v - c[2 * a + 1]) - (c[2 * b + 1] - c[2 * a + 1]) * (u - c[2 * a]);
          minCross = Math.min(minCross, cross * Math.sign(signedArea(c, from, to)));
        }
        assert.ok(minCross > -1e-9, `pixel ${i},${j}: its centre is outside polygon ${owner}`);
      }
    }
    assert.equal(inside, 180 * 180);
  });

  it("a hairline of width w leaves w × length of ink, at any angle; thicker or dashed lines go to the canvas", () => {
    for (const [x1, y1] of [[110, 20], [110, 122], [47, 150]]) {
      const { canvas, data, calls } = pixelCanvas(W, H);
      const raster = new RasterPaintContext(canvas, W, H, 1);
      raster.beginPath();
      raster.moveTo(10, 20);
      raster.lineTo(x1, y1);
      raster.paint({ stroke: "#000000", strokeWidth: 0.5, strokeOpacity: 0.8 });
      raster.flush();
      let ink = 0;
      for (let p = 3; p < data.length; p += 4) ink += data[p] / 255;
      const length = Math.hypot(x1 - 10, y1 - 20);
      assert.ok(Math.abs(ink - 0.4 * length) < 0.03 * 0.4 * length + 0.5, `ink ${ink} for length ${length}`);
      assert.deepEqual(calls, []);
    }
    const { canvas, calls } = pixelCanvas(W, H);
    const raster = new RasterPaintContext(canvas, W, H, 2);
    raster.beginPath();
    raster.moveTo(0, 0);
    raster.lineTo(10, 10);
    raster.paint({ stroke: "#000000", strokeWidth: 0.6 }); // 1.2 device px: the canvas
    raster.paint({ stroke: "#000000", strokeWidth: 0.2, dash: [7, 4] });
    assert.deepEqual(calls, ["begin", "stroke #000000 0.6", "begin", "stroke #000000 0.2"]);
  });
});

function signedArea(c: ArrayLike<number>, from: number, to: number): number {
  let a = 0;
  for (let i = from; i < to; i++) {
    const j = i + 1 < to ? i + 1 : from;
    a += c[2 * i] * c[2 * j + 1] - c[2 * j] * c[2 * i + 1];
  }
  return a;
}

describe("the explorer's per-pixel shading of the logit margin", async () => {
  it("each pixel has the colour of f1 − f2 at its centre, by a plain forward pass of the network", async () => {
    const net = (await loadModel(fixturePath("random-2-8-8-s1"))).network;
    const p = packPartition(net, square);
    const forms = new Float64Array(3 * (p.polyStart.length - 1));
    for (let k = 0; k + 1 < p.polyStart.length; k++) {
      forms[3 * k] = p.J[4 * k] - p.J[4 * k + 2];
      forms[3 * k + 1] = p.J[4 * k + 1] - p.J[4 * k + 3];
      forms[3 * k + 2] = p.c[2 * k] - p.c[2 * k + 1];
    }
    const scale = outputScale(p, forms);
    const W = 200, H = 160, dpr = 1.25;
    const view: PlaneToPixels = { left: 20, top: 4, scale: 60, umin: -1, vmax: 1 };
    const { canvas, data } = pixelCanvas(W, H);
    const raster = new RasterPaintContext(canvas, W, H, dpr, undefined, true);
    shadeUnitOutput(raster, p, forms, scale, view, dpr);
    raster.flush();
    const colour = (t: number) => valueColour(t).match(/\d+/g)!.map(Number);
    let checked = 0;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const u = ((i + 0.5) / dpr - view.left) / 60 - 1, v = 1 - ((j + 0.5) / dpr - view.top) / 60;
        const at = 4 * (j * W + i);
        if (!(u > -1 && u < 1 && v > -1 && v < 1)) continue;
        const y = forward(net, Float64Array.of(u, v));
        const want = colour((y[0] - y[1]) / scale);
        // The margin is continuous, so a pixel on a region edge has the same colour either side (up to rounding).
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(data[at + c] - want[c]) <= 1, `pixel ${i},${j} channel ${c}: ${data[at + c]} vs ${want[c]}`);
        assert.equal(data[at + 3], 255);
        checked++;
      }
    }
    assert.equal(checked, 150 * 150);
  });
});
