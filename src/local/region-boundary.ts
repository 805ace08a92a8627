/**
 * Distance from a point to the boundary of its own linear region. On the region every pre-activation is affine,
 * g_u(x) = a_u · x + c_u, and the region is the polyhedron cut out by the units' sign constraints; for a point x0
 * inside a polyhedron the distance to its boundary is the smallest distance to one of its hyperplanes,
 * min_u |g_u(x0)| / ‖a_u‖_* (dual norm), because the ball of that radius lies inside every half-space while its
 * boundary touches the nearest hyperplane (redundant constraints are farther, never nearer). Core-safe.
 */
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import { evaluate, regionForms } from "../model/evaluate.ts";
import { zeroRowThresholds } from "../count/unit-forms.ts";
import { type BallNorm, dualNormOf } from "./ball.ts";
import { requireLayerwise } from "../model/lower.ts";
import { normaliseUnits } from "../model/normalise.ts";

/** The nearest region boundary of a point, and the unit whose hyperplane it lies on. */
export interface NearestRegionBoundary {
  /** Distance to the nearest boundary of the point's region (hidden-unit hyperplanes only; Infinity if none cuts). */
  distance: number;
  /** Hidden layer (0-based) and unit index of that hyperplane, −1 when none. */
  layer: number;
  unit: number;
  /** For maxout: the competing piece whose tie with the winning one is the boundary (−1 otherwise). */
  piece: number;
  /** Distance to the nearest face of `domain` (Infinity without a domain; 0 or less means x is not inside it). */
  domainFace: number;
}

/**
 * The nearest boundary of the linear region containing x (its activation pattern as `evaluate` gives it), in the
 * 2-norm or the ∞-norm. Units whose affine form is constant on the region (zero gradient) cut nothing and are skipped:
 * a gradient counts as zero below the engine's relative threshold (zeroRowThresholds: ZERO_ROW_NORM × the largest norm
 * the unit's forms can reach), so the answer does not change when a layer's weights are scaled. Throws ScaleError when
 * the forms overflow the double range.
 */
export function nearestRegionBoundary(model: Network, x: ArrayLike<number>, norm: BallNorm, domain?: Box): NearestRegionBoundary {
  requireLayerwise(model, "the region boundary distance");
  // Units at unit scale (exact powers of two): the same hyperplanes, and forms that neither overflow nor underflow.
  const net = normaliseUnits(model).net;
  const { pattern } = evaluate(net, x);
  const forms = regionForms(net, pattern);
  const zero = zeroRowThresholds(net);
  const n = net.inputDim;
  let best = Infinity, bestLayer = -1, bestUnit = -1, bestPiece = -1;
  const diff = new Float64Array(n);
  let offset = 0;
  hiddenLayers(net).forEach((layer, l) => {
    const { J, c } = forms.preActivations[l];
    const a = layer.activation;
    const consider = (grad: Float64Array, value: number, unit: number, piece: number, zeroNorm: number) => {
      if (dualNormOf(grad, "2") <= zeroNorm) return;
      const g = dualNormOf(grad, norm);
      // Distance to the hyperplane {y : grad · y + const = 0} in a norm: |value| / ‖grad‖_* (Hölder, attained).
      const d = Math.abs(value) / g;
      if (d < best) {
        best = d;
        bestLayer = l;
        bestUnit = unit;
        bestPiece = piece;
      }
    };
    if (a.kind === "relu" || a.kind === "leaky-relu") {
      for (let r = 0; r < layer.outDim; r++) {
        const row = J.subarray(r * n, (r + 1) * n);
        let v = c[r];
        for (let j = 0; j < n; j++) v += row[j] * x[j];
        consider(row, v, r, -1, zero[l][r]);
      }
    } else if (a.kind === "maxout") {
      const k = a.rank;
      for (let u = 0; u < unitsOf(layer); u++) {
        const win = u * k + pattern[offset + u];
        for (let q = 0; q < k; q++) {
          const other = u * k + q;
          if (other === win) continue;
          let v = c[win] - c[other];
          for (let j = 0; j < n; j++) {
            diff[j] = J[win * n + j] - J[other * n + j];
            v += diff[j] * x[j];
          }
          consider(diff, v, u, q, zero[l][win] + zero[l][other]); // a difference of two forms
        }
      }
    }
    offset += unitsOf(layer);
  });
  let face = Infinity;
  if (domain) {
    // Distance to the nearest face of the box: the same in every p-norm (a face is an axis-aligned hyperplane).
    for (let j = 0; j < n; j++) face = Math.min(face, x[j] - domain.lo[j], domain.hi[j] - x[j]);
  }
  return { distance: best, layer: bestLayer, unit: bestUnit, piece: bestPiece, domainFace: face };
}

/**
 * Distance from x to the nearest boundary of its linear region (hidden-unit hyperplanes; domain faces excluded), in
 * the 2-norm (default) or the ∞-norm. Infinity when no hidden unit cuts the input space near x (e.g. all constant).
 */
export function distanceToRegionBoundary(net: Network, x: ArrayLike<number>, norm: BallNorm = "2"): number {
  return nearestRegionBoundary(net, x, norm).distance;
}
