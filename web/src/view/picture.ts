/** The packed partition as the core painter's flat picture. DOM-free (the tests use it in Node). */
import type { PartitionPicture } from "tessera";
import type { PackedPartition } from "../partition/packed.ts";

/** The packed partition as the core painter's flat picture (no copy). */
export function pictureOf(p: PackedPartition): PartitionPicture {
  return {
    polygons: { start: p.polyStart, coords: p.coords },
    units: p.units,
    patterns: p.patterns,
    cells: { start: p.cellStart, coords: p.cellCoords, cls: p.cellClass },
    lines: { start: p.lineStart, coords: p.lineCoords, closed: p.lineClosed },
  };
}
