/**
 * The planar partition as flat typed arrays (issue 31): the same polygons as {@link planarPartition}, written as
 * they are finished into a few growing arrays instead of a handful of small objects per region. On a 2-256-256-2
 * (40,881 regions) those objects (polygon, edges, pattern and point views, output map, region) all outlived the
 * young generation, so V8's scavenger copied each of them; flat, only the arrays themselves are kept. Isomorphic.
 */
import type { Network } from "../model/network.ts";
import type { PartitionMeta, PartitionOptions } from "./partition.ts";
import { partitionInto } from "./partition.ts";
import type { PlaneDomain, PlaneRect } from "./slice.ts";

/** A partition's polygons, flat: regions first, then slivers, each in the order {@link planarPartition} gives. */
export interface FlatPlanarPartition extends PartitionMeta {
  /** Full-dimensional regions (polygons 0 … regions − 1) and slivers (the rest). */
  regions: number;
  slivers: number;
  /** Outputs of the network (rows of each output map). */
  outputs: number;
  /** Polygon k has vertices polyStart[k] … polyStart[k+1] − 1 in `coords` (u, v pairs) and `labels` (edge k → k+1). */
  polyStart: Uint32Array;
  coords: Float64Array;
  /** Edge labels as in {@link PlanarRegion.edges}: a unit (pattern index) or DOMAIN_EDGE. */
  labels: Int32Array;
  /** Pattern of polygon k: patterns[k·units … (k+1)·units − 1]. */
  patterns: Uint8Array;
  /** Output map of polygon k: f(u, v) = J (u, v) + c, J[k·outputs·2 …] row-major [outputs × 2], c[k·outputs …]. */
  J: Float64Array;
  c: Float64Array;
  /** Area, inner point (u, v) and the interior radius measured there, per polygon. */
  area: Float64Array;
  points: Float64Array;
  radius: Float64Array;
}

/** A typed array that grows by doubling; `length` elements are in use (`data` may be longer). */
export class GrowingArray<T extends Float64Array | Int32Array | Uint8Array | Uint16Array | Uint32Array> {
  length = 0;
  /** `data`: the first buffer; `make`: a new buffer of n elements of the same type. */
  constructor(public data: T, private readonly make: (n: number) => T) {}
  /** The elements in use, as a new array of their own. */
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
  /** Room for `n` more elements (counted as used); returns the offset they go at. */
  reserve(n: number): number {
    const at = this.length;
    if (at + n > this.data.length) {
      const grown = this.make(Math.max(2 * this.data.length, at + n));
      grown.set(this.data.subarray(0, at));
      this.data = grown;
    }
    this.length = at + n;
    return at;
  }
  /** Add one element. */
  push(x: number): void {
    const at = this.reserve(1); // first: reserve may replace `data`
    this.data[at] = x;
  }
  /** Add the elements of `xs` (one native copy). */
  append(xs: ArrayLike<number> & { length: number }): void {
    const at = this.reserve(xs.length);
    this.data.set(xs as ArrayLike<number>, at);
  }
}

const f64 = (n: number) => new Float64Array(n), i32 = (n: number) => new Int32Array(n), u8 = (n: number) => new Uint8Array(n);

/** `a` with room for `need` elements (doubled when full; the first `used` kept). */
function room<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(a: T, used: number, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const grown = make(Math.max(2 * a.length, need));
  grown.set(a.subarray(0, used));
  return grown;
}

/**
 * One stream of polygons (the regions, or the slivers). Each field is one typed array of a fixed type, so that the
 * copies stay monomorphic (a generic growing array for all of them took a third of the partition's time).
 */
class PolygonStore {
  count = 0;
  vertices = 0;
  sizes = new Uint32Array(1024);
  coords = f64(1 << 14);
  labels = i32(1 << 13);
  patterns: Uint8Array;
  J: Float64Array;
  c: Float64Array;
  area = f64(1024);
  points = f64(2048);
  radius = f64(1024);
  constructor(private readonly units: number, private readonly outputs: number) {
    this.patterns = u8(Math.max(1, units) * 1024);
    this.J = f64(2 * outputs * 1024);
    this.c = f64(outputs * 1024);
  }
  add(polygon: Float64Array, edges: Int32Array, n: number, pattern: Uint8Array, J: Float64Array, c: Float64Array, area: number, point: Float64Array, radius: number): void {
    const k = this.count, v = this.vertices, units = this.units, o = this.outputs;
    if (k === this.sizes.length) {
      const cap = 2 * k;
      this.sizes = room(this.sizes, k, cap, (m) => new Uint32Array(m));
      this.patterns = room(this.patterns, k * units, cap * units, u8);
      this.J = room(this.J, 2 * o * k, 2 * o * cap, f64);
      this.c = room(this.c, o * k, o * cap, f64);
      this.area = room(this.area, k, cap, f64);
      this.points = room(this.points, 2 * k, 2 * cap, f64);
      this.radius = room(this.radius, k, cap, f64);
    }
    // The length checks stay here, on fields of one type each; `room` (generic) only when growing.
    if (2 * (v + n) > this.coords.length) this.coords = room(this.coords, 2 * v, 2 * (v + n), f64);
    if (v + n > this.labels.length) this.labels = room(this.labels, v, v + n, i32);
    this.sizes[k] = n;
    this.coords.set(polygon, 2 * v);
    this.labels.set(edges, v);
    this.patterns.set(pattern, k * units);
    this.J.set(J, 2 * o * k);
    this.c.set(c, o * k);
    this.area[k] = area;
    this.points[2 * k] = point[0];
    this.points[2 * k + 1] = point[1];
    this.radius[k] = radius;
    this.count = k + 1;
    this.vertices = v + n;
  }
}

/**
 * Partition a convex domain of the plane into the linear regions of a 2-input network, as {@link planarPartition}
 * does (same polygons, patterns, output maps, order and region test), into flat arrays.
 *
 * @example
 * const p = planarPartitionFlat(net2, { umin: -1, umax: 1, vmin: -1, vmax: 1 });
 * p.regions; // 1557 for random-2-32-32-s5, as planarPartition(net2, …).regions.length
 */
export function planarPartitionFlat(model: Network, domain: PlaneRect | PlaneDomain, opts: PartitionOptions = {}): FlatPlanarPartition {
  const outputs = model.layers[model.layers.length - 1].outDim;
  let stores: [PolygonStore, PolygonStore] | undefined;
  const meta = partitionInto(model, domain, opts, (isRegion, polygon, edges, n, pattern, output, area, point, radius) => {
    stores ??= [new PolygonStore(pattern.length, outputs), new PolygonStore(pattern.length, outputs)];
    stores[isRegion ? 0 : 1].add(polygon, edges, n, pattern, output.J, output.c, area, point, radius);
  });
  const [r, sl] = stores ?? [new PolygonStore(0, outputs), new PolygonStore(0, outputs)];
  const regions = r.count, slivers = sl.count, count = regions + slivers;
  const polyStart = new Uint32Array(count + 1);
  for (let k = 0; k < regions; k++) polyStart[k + 1] = polyStart[k] + r.sizes[k];
  for (let k = 0; k < slivers; k++) polyStart[regions + k + 1] = polyStart[regions + k] + sl.sizes[k];
  const units = meta.units, o = outputs;
  /** Regions' then slivers' elements of one field (the first na of a, then the first nb of b), in one array. */
  const join = <T extends Float64Array | Int32Array | Uint8Array>(a: T, b: T, na: number, nb: number, make: (n: number) => T): T => {
    const out = make(na + nb);
    out.set(a.subarray(0, na));
    out.set(b.subarray(0, nb), na);
    return out;
  };
  return {
    ...meta,
    regions,
    slivers,
    outputs,
    polyStart,
    coords: join(r.coords, sl.coords, 2 * r.vertices, 2 * sl.vertices, f64),
    labels: join(r.labels, sl.labels, r.vertices, sl.vertices, i32),
    patterns: join(r.patterns, sl.patterns, units * regions, units * slivers, u8),
    J: join(r.J, sl.J, 2 * o * regions, 2 * o * slivers, f64),
    c: join(r.c, sl.c, o * regions, o * slivers, f64),
    area: join(r.area, sl.area, regions, slivers, f64),
    points: join(r.points, sl.points, 2 * regions, 2 * slivers, f64),
    radius: join(r.radius, sl.radius, regions, slivers, f64),
  };
}
