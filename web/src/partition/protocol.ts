/**
 * Messages between the page and the partition worker. Every request carries a generation number `gen` (one per
 * request, growing); every answer carries the generation it answers, and the page drops answers whose generation is
 * not the one it is waiting for (see client.ts), so a late answer can never show a stale picture.
 */
import type { Network, PartitionColouring, PlaneRect } from "tessera";
import type { PaintSize, PaintStyle } from "../view/painter.ts";
import type { PackedPartition } from "./packed.ts";
import type { StripPaint } from "./strips.ts";

/** A view's class-boundary polylines (what every strip's worker draws, clipped to its strip). */
export type StripLines = Pick<PackedPartition, "lineStart" | "lineCoords" | "lineClosed">;

/** What the exported picture shows besides the partition. */
export interface PictureOptions {
  colouring: PartitionColouring;
  title: string;
  subtitle: string;
  classNames: string[];
  /** Points to draw (flat x, y pairs) with their labels. */
  points?: { uv: Float64Array; labels: Uint8Array };
}

/** Page → partition worker. */
export type PartitionRequest =
  /** Partition `rect` for `network` and paint it (when `paint`) with this style and size. */
  | { type: "partition"; gen: number; network: Network; rect: PlaneRect; style: PaintStyle; size: PaintSize; paint: boolean }
  /**
   * Partition one strip of `rect` (side 0: left of `seam`, 1: right) for a view split between two workers (see
   * strips.ts); the strip's buffers go to the page and come back with the strip-paint request.
   */
  | { type: "strip"; gen: number; network: Network; rect: PlaneRect; seam: number; side: 0 | 1 }
  /**
   * Paint this worker's strip of generation `gen` (`partition`, handed back by the page once joined) with the joined
   * polygons, the view's lines and the other strip's polygons near the seam.
   */
  | { type: "strip-paint"; gen: number; partition: PackedPartition; paint: StripPaint; lines: StripLines; marginScale: number; style: PaintStyle; size: PaintSize }
  /** Repaint the last partition (generation `gen`) with a new style or size. */
  | { type: "paint"; gen: number; style: PaintStyle; size: PaintSize }
  | { type: "svg"; gen: number; network: Network; rect: PlaneRect; picture: PictureOptions };

/** Partition worker → page. */
export type PartitionReport =
  /**
   * The partition, with its picture as a bitmap when the request asked for painting (null otherwise, or when the
   * worker has no OffscreenCanvas). `drawMs` is the paint time in the worker.
   */
  | { type: "partition"; gen: number; partition: PackedPartition; bitmap: ImageBitmap | null; drawMs: number }
  /** One strip of generation `gen`, partitioned and packed (its buffers transferred), and its largest |margin|. */
  | { type: "strip"; gen: number; side: 0 | 1; partition: PackedPartition; marginScale: number }
  /** Progress of generation `gen`: hidden layer `layer` of `layers` is cut, into `pieces` polygons so far. */
  | { type: "progress"; gen: number; layer: number; layers: number; pieces: number }
  /** A repaint of generation `gen`'s partition. */
  | { type: "painted"; gen: number; bitmap: ImageBitmap; drawMs: number }
  | { type: "svg"; gen: number; svg: string }
  | { type: "error"; gen: number; message: string };
