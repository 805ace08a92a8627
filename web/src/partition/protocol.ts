/** Messages between the page and the partition worker. */
import type { PlaneRect } from "../../../src/geometry/slice.ts";
import type { Network } from "../../../src/model/network.ts";
import type { PartitionColouring } from "../../../src/render/partition-svg.ts";
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
  | { type: "partition"; id: number; network: Network; rect: PlaneRect }
  | { type: "svg"; id: number; network: Network; rect: PlaneRect; picture: PictureOptions };

/** Partition worker → page. */
export type PartitionReport =
  | { type: "partition"; id: number; partition: PackedPartition }
  | { type: "svg"; id: number; svg: string }
  | { type: "error"; id: number; message: string };
