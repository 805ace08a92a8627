/**
 * The exactly composed affine map of a region under the pointer, for the hover text and the region inspector. The
 * packed partition's own output maps come from the 2-D skeleton, which fits a plane through the outputs at a region's
 * vertices (within about 1e-12 of the composed map, not bit for bit). The page shows instead what `tessera eval` and
 * the core's `affineMapOf` give: the layers composed under the region's activation pattern (Montúfar et al. 2014,
 * Eq. 3: f(x) = W^L diag(p^{L−1}) W^{L−1} … diag(p^1) W^1 x + …), once per hovered region, cached by region. DOM-free.
 */
import { affineMapOf, type AffineMap, lowerOnBox, type Network } from "tessera";
import type { PackedPartition } from "../partition/packed.ts";

/** Composed maps of the regions of one packed partition of one network, built on first use. */
export class RegionMaps {
  private lowered?: Network;
  private readonly maps = new Map<number, AffineMap>();

  constructor(readonly network: Network, readonly partition: PackedPartition) {}

  /**
   * The network whose patterns the partition holds: the network lowered on the view (per-unit layers become ReLU
   * layers equal on it, as the partition worker does); a plain MLP is itself.
   */
  layerwise(): Network {
    if (!this.lowered) {
      const r = this.partition.rect;
      this.lowered = lowerOnBox(this.network, { lo: Float64Array.of(r.umin, r.vmin), hi: Float64Array.of(r.umax, r.vmax) }).network;
    }
    return this.lowered;
  }

  /** f(x) = J x + c on polygon k, composed from its activation pattern (affineMapOf). */
  mapOf(k: number): AffineMap {
    let map = this.maps.get(k);
    if (!map) {
      const p = this.partition;
      map = affineMapOf(this.layerwise(), p.patterns.subarray(k * p.units, (k + 1) * p.units));
      this.maps.set(k, map);
    }
    return map;
  }
}
