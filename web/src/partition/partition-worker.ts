/**
 * The partition worker: the exact planar partition of the current weights over the view rectangle (the core's
 * planarPartition and classBoundary), packed and sent to the page; and the SVG picture of a partition
 * (the core's renderPartitionSvg, the same picture `tessera draw` writes) for export. Every request carries its
 * network and rectangle. When the page hands over its base canvas, the worker also paints each partition on it, so
 * drawing thousands of regions never blocks the page.
 */
import { planarPartition } from "../../../src/geometry/partition.ts";
import { renderPartitionSvg } from "../../../src/render/partition-svg.ts";
import { PartitionPainter } from "../view/painter.ts";
import { packPartition } from "./packed.ts";
import type { PartitionReport, PartitionRequest } from "./protocol.ts";
import { lowerOnBox } from "../../../src/model/lower.ts";

const post = (m: PartitionReport) => (self as unknown as Worker).postMessage(m);

/** Picture size of exported SVGs (and PNGs, rendered from them). */
const PICTURE = { width: 1000, height: 800 };

let painter: PartitionPainter | undefined;

self.onmessage = (e: MessageEvent<PartitionRequest>) => {
  const m = e.data;
  if (m.type === "attach") {
    painter = new PartitionPainter(m.canvas, m.style, m.size);
    return;
  }
  if (m.type === "paint") {
    if (m.style) painter?.setStyle(m.style);
    if (m.size) painter?.setSize(m.size);
    painter?.draw();
    return;
  }
  try {
    if (m.type === "partition") {
      const partition = packPartition(m.network, m.rect);
      // The painter keeps the arrays (a change of colouring rebuilds its paths), so the page gets a copy.
      painter?.setPartition(partition);
      const drawMs = painter ? painter.draw() : 0;
      post({ type: "partition", id: m.id, partition, drawMs });
    } else {
      const net = lowerOnBox(m.network, { lo: Float64Array.of(m.rect.umin, m.rect.vmin), hi: Float64Array.of(m.rect.umax, m.rect.vmax) }).network;
      const partition = planarPartition(net, m.rect);
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
      post({ type: "svg", id: m.id, svg });
    }
  } catch (err) {
    post({ type: "error", id: m.id, message: err instanceof Error ? err.message : String(err) });
  }
};
