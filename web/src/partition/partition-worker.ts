/**
 * The partition worker: the exact planar partition of the current weights over the view rectangle (the core's
 * planarPartition and classBoundary), packed and transferred to the page; and the SVG picture of a partition
 * (the core's renderPartitionSvg, the same picture `tessera draw` writes) for export. Stateless: every request
 * carries its network and rectangle.
 */
import { planarPartition } from "../../../src/geometry/partition.ts";
import { renderPartitionSvg } from "../../../src/render/partition-svg.ts";
import { packPartition, transferables } from "./packed.ts";
import type { PartitionReport, PartitionRequest } from "./protocol.ts";

const post = (m: PartitionReport, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

/** Picture size of exported SVGs (and PNGs, rendered from them). */
const PICTURE = { width: 1000, height: 800 };

self.onmessage = (e: MessageEvent<PartitionRequest>) => {
  const m = e.data;
  try {
    if (m.type === "partition") {
      const partition = packPartition(m.network, m.rect);
      post({ type: "partition", id: m.id, partition }, transferables(partition));
    } else {
      const partition = planarPartition(m.network, m.rect);
      const { picture } = m;
      const svg = renderPartitionSvg(partition, {
        network: m.network,
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
