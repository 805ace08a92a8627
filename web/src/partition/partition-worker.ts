/**
 * The partition worker: the exact planar partition of the given weights over the view rectangle (the core's
 * planarPartition and classBoundary), packed and sent to the page; and the SVG picture of a partition (the core's
 * renderPartitionSvg, the same picture `tessera draw` writes) for export. Every request carries its network,
 * rectangle and generation number, and every answer its generation. The worker paints each partition on its own
 * OffscreenCanvas and hands the page an ImageBitmap, so drawing tens of thousands of regions never blocks the page and
 * the page can cancel a partition by terminating this worker (see client.ts) without losing its canvas.
 */
import { lowerOnBox, planarPartitionFast, renderPartitionSvg } from "tessera";
import { marginScaleOf, PartitionPainter, type PaintStyle, type StripFrame } from "../view/painter.ts";
import { copyPacked, type PackedPartition, packedBuffers, packPartition } from "./packed.ts";
import { packStrip, type PictureNeeds, type StripPaint, stripPicture } from "./strips.ts";
import type { PartitionReport, PartitionRequest, StripLines } from "./protocol.ts";

const scope = self as unknown as Worker;
const post = (m: PartitionReport, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

/** Picture size of exported SVGs (and PNGs, rendered from them). */
const PICTURE = { width: 1000, height: 800 };

const canvas = typeof OffscreenCanvas === "undefined" ? undefined : new OffscreenCanvas(1, 1);
let painter: PartitionPainter | undefined;
/** Generation of the partition the painter holds. */
let paintedGen = -1;
/** This worker's strip of a view split between two workers, kept until its picture is painted. */
/** The strip last painted, to repaint it in another colouring. */
let stripPaint: { gen: number; partition: PackedPartition; paint: StripPaint; lines: StripLines; frame: StripFrame } | undefined;
/** What a colouring reads besides polygons and cells. */
const needsOf = (style: PaintStyle): PictureNeeds => ({ patterns: style.colouring === "pattern", maps: style.colouring === "confidence" });
let strip: { gen: number; rect: { umin: number; umax: number; vmin: number; vmax: number }; seam: number; side: 0 | 1 } | undefined;

function bitmap(): ImageBitmap {
  return canvas!.transferToImageBitmap();
}

self.onmessage = (e: MessageEvent<PartitionRequest>) => {
  const m = e.data;
  try {
    if (m.type === "partition") {
      const partition = packPartition(m.network, m.rect, (layer, layers, pieces) => {
        if (layer < layers) post({ type: "progress", gen: m.gen, layer, layers, pieces });
      });
      let image: ImageBitmap | null = null, drawMs = 0;
      if (canvas && m.paint) {
        painter ??= new PartitionPainter(canvas, m.style, m.size);
        painter.setStyle(m.style);
        painter.setSize(m.size);
        // The painter keeps the arrays (a change of colouring rebuilds its paths), so the page gets a copy.
        painter.setPartition(partition);
        strip = stripPaint = undefined;
        drawMs = painter.draw();
        image = bitmap();
        paintedGen = m.gen;
      }
      // The painter keeps `partition`; the page gets a copy whose buffers are transferred, not cloned (a clone of
      // the megabytes of a large partition was deserialised on the page's main thread, a long frame each time).
      const sent = painter && paintedGen === m.gen ? copyPacked(partition) : partition;
      post({ type: "partition", gen: m.gen, partition: sent, bitmap: image, drawMs }, [...(image ? [image] : []), ...packedBuffers(sent)]);
    } else if (m.type === "strip") {
      const partition = packStrip(m.network, m.rect, m.seam, m.side, (layer, layers, pieces) => {
        if (layer < layers && m.side === 0) post({ type: "progress", gen: m.gen, layer, layers, pieces });
      });
      strip = { gen: m.gen, rect: m.rect, seam: m.seam, side: m.side };
      // Transferred, not copied: the page joins the two strips into arrays of its own and hands this one back to paint.
      post({ type: "strip", gen: m.gen, side: m.side, partition, marginScale: marginScaleOf(partition) }, packedBuffers(partition));
    } else if (m.type === "strip-paint") {
      if (!canvas || !strip || strip.gen !== m.gen) return;
      painter ??= new PartitionPainter(canvas, m.style, m.size);
      painter.setStyle(m.style);
      painter.setSize(m.size);
      stripPaint = { gen: m.gen, partition: m.partition, paint: m.paint, lines: m.lines, frame: { rect: strip.rect, seam: strip.seam, side: strip.side, polygons: m.paint.polygons, marginScale: m.marginScale } };
      strip = undefined;
      painter.setPartition(stripPicture(m.partition, m.paint, m.lines, needsOf(m.style)), stripPaint.frame);
      const drawMs = painter.draw();
      const image = bitmap();
      paintedGen = m.gen;
      post({ type: "painted", gen: m.gen, bitmap: image, drawMs }, [image]);
    } else if (m.type === "paint") {
      if (!painter || paintedGen !== m.gen) return; // this worker never painted that partition (the page asks again)
      // A strip's picture holds only what its colouring reads: built again for the new one.
      if (stripPaint?.gen === m.gen) painter.setPartition(stripPicture(stripPaint.partition, stripPaint.paint, stripPaint.lines, needsOf(m.style)), stripPaint.frame);
      painter.setStyle(m.style);
      painter.setSize(m.size);
      const drawMs = painter.draw();
      const image = bitmap();
      post({ type: "painted", gen: m.gen, bitmap: image, drawMs }, [image]);
    } else {
      const net = lowerOnBox(m.network, { lo: Float64Array.of(m.rect.umin, m.rect.vmin), hi: Float64Array.of(m.rect.umax, m.rect.vmax) }).network;
      const partition = planarPartitionFast(net, m.rect);
      const { picture } = m;
      const svg = renderPartitionSvg(partition, {
        network: net,
        rect: m.rect,
        colouring: picture.colouring,
        title: picture.title,
        subtitle: picture.subtitle,
        classNames: picture.classNames,
        axisLabels: ["x1", "x2"],
        points: picture.points,
        ...PICTURE,
      });
      post({ type: "svg", gen: m.gen, svg });
    }
  } catch (err) {
    post({ type: "error", gen: m.gen, message: err instanceof Error ? err.message : String(err) });
  }
};
