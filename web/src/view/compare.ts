/**
 * Two pictures compared by their regions' activation patterns (over the same view rectangle): regions of the later
 * picture whose pattern the earlier one does not have were born, regions of the earlier one whose pattern is gone
 * merged away or vanished, the rest persist (possibly moved and reshaped). Patterns are compared exactly. DOM-free.
 */
import type { PackedPartition } from "../partition/packed.ts";

export interface RegionChange {
  before: number;
  after: number;
  /** Patterns present in both pictures. */
  kept: number;
  /** Regions of `after` with a pattern `before` lacks, and regions of `before` whose pattern `after` lacks. */
  born: number;
  gone: number;
}

/** The activation patterns of a picture's regions (slivers excluded), as exact strings. */
export function regionPatterns(p: PackedPartition): Set<string> {
  const out = new Set<string>();
  for (let k = 0; k < p.regions; k++) out.add(String.fromCharCode(...p.patterns.subarray(k * p.units, (k + 1) * p.units)));
  return out;
}

/** How the regions changed from `before` to `after` (pattern sets; same network shape assumed). */
export function compareRegions(before: PackedPartition, after: PackedPartition): RegionChange {
  const a = regionPatterns(before), b = regionPatterns(after);
  let kept = 0;
  for (const key of b) if (a.has(key)) kept++;
  return { before: a.size, after: b.size, kept, born: b.size - kept, gone: a.size - kept };
}
