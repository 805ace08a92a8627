/** Messages between the page and the partition worker. */
import type { PlaneRect } from "../../../src/geometry/slice.ts";
import type { Network } from "../../../src/model/network.ts";
import type { PartitionColouring } from "../../../src/render/partition-svg.ts";
import type { PaintSize, PaintStyle } from "../view/painter.ts";
import type { PackedPartition } from "./packed.ts";

/** What the exported picture shows besides the partition. */
export interface PictureOptions {
  colouring: PartitionColouring;
  title: string;
  subtitle: string;
  classNames: string[];
  /** Points to draw (flat x, y pairs) with their labels. */
  points?: { uv: Float64Array; labels: Uint8Array };
}

/** Page → partition worker. `id` comes back with the answer. */
export type PartitionRequest =
  /** The page's base canvas, for the worker to paint every partition on (absent: the page paints). */
  | { type: "attach"; canvas: OffscreenCanvas; style: PaintStyle; size: PaintSize }
  /** Repaint the last partition with a new style or size. */
  | { type: "paint"; style?: PaintStyle; size?: PaintSize }
  | { type: "partition"; id: number; network: Network; rect: PlaneRect }
  | { type: "svg"; id: number; network: Network; rect: PlaneRect; picture: PictureOptions };

/** Partition worker → page. */
export type PartitionReport =
  /** The partition, already painted on the attached canvas (`drawMs` is 0 when no canvas is attached). */
  | { type: "partition"; id: number; partition: PackedPartition; drawMs: number }
  | { type: "svg"; id: number; svg: string }
  | { type: "error"; id: number; message: string };
