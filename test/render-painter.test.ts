import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { planarPartition } from "../src/geometry/partition.ts";
import { loadModel } from "../src/io/load.ts";
import { CanvasPaintContext, SvgPathContext, type Canvas2D } from "../src/render/paint-context.ts";
import { paintPartition, partitionPicture, type PartitionPaintOptions, type PlaneToPixels } from "../src/render/partition-painter.ts";
import { renderPartitionSvg } from "../src/render/partition-svg.ts";
import { packPartition } from "../web/src/partition/packed.ts";
import { pictureOf } from "../web/src/view/picture.ts";
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
    paintPartition(core, partitionPicture(partition, boundary), view, opts);
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
