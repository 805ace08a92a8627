/**
 * The zero-level set of a one-output network (what the explorer draws for a regression instead of a class boundary)
 * is `classBoundary` of the planar partition: a one-output network's classes are f ≤ 0 and f > 0. Checked here
 * against two independent computations: per region, the line f = 0 of the region's composed map (`affineMapOf` of its
 * pattern, not the partition's own map) clipped to the region's polygon; and along seeded segments, the zeros of the
 * exact output found by a plain forward pass (activation regions are convex, so where both ends of a piece of the
 * segment have the same pattern the output is affine between them and has a zero exactly when it changes sign).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classBoundary } from "../src/geometry/class-boundary.ts";
import { allPolygons, planarPartition, type PlanarPartition } from "../src/geometry/partition.ts";
import { affineMapOf, evaluate, patternToString } from "../src/model/evaluate.ts";
import type { Network } from "../src/model/network.ts";
import { planarPartitionFast } from "../src/skeleton/partition.ts";
import { mulberry32 } from "../src/util/random.ts";
import { randomNet } from "./helpers/nets.ts";

const RECT = { umin: -1, umax: 1, vmin: -1, vmax: 1 };
/**
 * Agreement of endpoints and lengths, relative to the square's side 2: both sides are exact up to round-off of a few
 * composed float64 maps (≈ 1e-15) magnified by 1/sin of the angle between the zero line and a region edge.
 */
const AGREE = 1e-9;

/** The segment where the line J·x + c = 0 crosses a convex polygon (flat ccw vertices), or null. */
function clipZeroLine(polygon: Float64Array, J: ArrayLike<number>, c: number): [number, number, number, number] | null {
  const n = polygon.length / 2, f = (i: number) => J[0] * polygon[2 * i] + J[1] * polygon[2 * i + 1] + c;
  const hits: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n, fi = f(i), fj = f(j);
    if ((fi > 0 && fj <= 0) || (fi <= 0 && fj > 0)) {
      const t = fi / (fi - fj);
      hits.push(polygon[2 * i] + t * (polygon[2 * j] - polygon[2 * i]), polygon[2 * i + 1] + t * (polygon[2 * j + 1] - polygon[2 * i + 1]));
    }
  }
  return hits.length === 4 ? [hits[0], hits[1], hits[2], hits[3]] : null;
}

/** Zeros of the network's one output on the segment a → b, by forward passes and bisection over patterns. */
function zerosAlong(net: Network, a: [number, number], b: [number, number]): number {
  const at = (t: number) => evaluate(net, [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
  let zeros = 0;
  const walk = (t0: number, e0: ReturnType<typeof at>, t1: number, e1: ReturnType<typeof at>, depth: number): void => {
    if (patternToString(e0.pattern) === patternToString(e1.pattern) || depth > 60) {
      // One convex region holds the whole piece: the output is affine on it.
      if ((e0.output[0] > 0) !== (e1.output[0] > 0)) zeros++;
      return;
    }
    const tm = (t0 + t1) / 2, em = at(tm);
    walk(t0, e0, tm, em, depth + 1);
    walk(tm, em, t1, e1, depth + 1);
  };
  const steps = 64;
  let prev = at(0);
  for (let s = 1; s <= steps; s++) {
    const next = at(s / steps);
    walk((s - 1) / steps, prev, s / steps, next, 0);
    prev = next;
  }
  return zeros;
}

/** Does segment p → q cross segment r → s (proper crossing)? */
function crosses(p: number[], q: number[], r: number[], s: number[]): boolean {
  const o = (a: number[], b: number[], c: number[]) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  return o(p, q, r) * o(p, q, s) < 0 && o(r, s, p) * o(r, s, q) < 0;
}

for (const [name, net] of [
  ["2-8-8-1 ReLU", randomNet(3, 2, [8, 8], 1)],
  ["2-16-16-16-1 ReLU", randomNet(12, 2, [16, 16, 16], 1)],
  ["2-12-12-1 leaky ReLU", randomNet(13, 2, [12, 12], 1, { kind: "leaky-relu", alpha: 0.1 })],
] as const) {
  describe(`zero-level set of a one-output network, ${name}`, () => {
    for (const [method, partition] of [
      ["planarPartition", () => planarPartition(net, RECT)],
      ["planarPartitionFast (the explorer's)", () => planarPartitionFast(net, RECT)],
    ] as [string, () => PlanarPartition][]) {
      it(`${method}: every piece is the zero line of its region's composed map clipped to the region, and no region misses one`, () => {
        const p = partition();
        const b = classBoundary(p);
        const polys = allPolygons(p);
        const pieceOf = new Map<number, number[]>();
        for (let k = 0; k < b.pieces.count; k++) {
          assert.ok(!pieceOf.has(b.pieces.regions[k]), "one piece per region (the zero set of an affine map is one line)");
          pieceOf.set(b.pieces.regions[k], Array.from(b.pieces.segments.subarray(4 * k, 4 * k + 4)));
        }
        let expected = 0;
        polys.forEach((region, r) => {
          const map = affineMapOf(net, region.pattern);
          const seg = clipZeroLine(region.polygon, map.J, map.c[0]);
          const got = pieceOf.get(r);
          if (!seg) {
            // No zero inside, or one that only touches the polygon (a vertex or a sliver of length ~0).
            if (got) assert.ok(Math.hypot(got[2] - got[0], got[3] - got[1]) < AGREE, `region ${r}: a piece the composed map does not give`);
            return;
          }
          if (Math.hypot(seg[2] - seg[0], seg[3] - seg[1]) < AGREE && !got) return;
          expected++;
          assert.ok(got, `region ${r}: the composed map crosses zero inside it, and no piece is there`);
          const same = (u: number[], v: number[]) => Math.max(...u.map((x, i) => Math.abs(x - v[i]))) < AGREE;
          assert.ok(same(got, seg) || same(got, [seg[2], seg[3], seg[0], seg[1]]), `region ${r}: piece ${got} vs clipped line ${seg}`);
        });
        assert.ok(expected > 0 && b.pieces.count >= expected, `pieces ${b.pieces.count}, regions crossed ${expected}`);
      });
    }

    it("the zeros of the exact output along seeded segments are the crossings with the zero-level pieces", () => {
      const b = classBoundary(planarPartitionFast(net, RECT));
      const rand = mulberry32(99);
      let total = 0;
      for (let s = 0; s < 12; s++) {
        const a: [number, number] = [2 * rand() - 1, 2 * rand() - 1], c: [number, number] = [2 * rand() - 1, 2 * rand() - 1];
        let hits = 0;
        for (let k = 0; k < b.pieces.count; k++) {
          const q = b.pieces.segments;
          if (crosses(a, c, [q[4 * k], q[4 * k + 1]], [q[4 * k + 2], q[4 * k + 3]])) hits++;
        }
        assert.equal(hits, zerosAlong(net, a, c), `segment ${s}: (${a}) → (${c})`);
        total += hits;
      }
      assert.ok(total > 0, "the segments cross the zero-level set");
    });
  });
}
