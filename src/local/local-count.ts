/**
 * The exact number of linear regions that meet a ball (with non-empty interior inside ball ∩ domain).
 *
 * ∞-norm: ball ∩ domain is a box, and the counting engine counts the regions in it.
 * 2-norm: a full-dimensional region meets the open ball in a set with interior iff its closed cell is at Euclidean
 * distance < r from the centre. The engine's sign-vector tree runs over the bounding box of ball ∩ domain and keeps
 * only cells at distance < r (`acceptCell`): a child cell lies inside its parent, so its distance is no smaller and a
 * rejected cell's whole subtree is pruned. Distances are certified both ways (projection.ts).
 *
 * Pre-activation bounds over the ball (ball-bounds.ts) are handed to the engine even though it searches the bounding
 * box: a unit stable over the ball may change sign in the box outside the ball, but there every engine cell is a
 * polyhedron whose intersection with the ball is exactly a region ∩ ball (the forced bits are true inside the ball),
 * so cells meeting the ball are exactly the regions meeting it, and cells that do not are pruned by the distance test.
 * Core-safe.
 */
import type { Box, Network } from "../model/network.ts";
import type { Highs } from "../lp/highs.ts";
import { loadHighs } from "../lp/highs.ts";
import { highsMarginSolver } from "../lp/highs-margin.ts";
import { countRegions } from "../count/count.ts";
import type { CellFilter, EngineStats } from "../count/engine.ts";
import { stableUnitReport } from "../count/engine.ts";
import type { CountProgress, StableUnitReport } from "../count/types.ts";
import { DEFAULT_INTERIOR_THRESHOLD } from "../count/types.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { type Ball, ballBoundingBox, checkBall, clampToBox, distanceBetween } from "./ball.ts";
import { ballPreActivationBounds } from "./ball-bounds.ts";
import { FEASIBILITY_TOL, projectOntoPolyhedron } from "./projection.ts";
import { requireLayerwise } from "../model/lower.ts";

/** Options of {@link countLocalRegions}. */
export interface LocalCountOptions {
  /** The model's input domain: the count is over ball ∩ domain. */
  domain?: Box;
  /** A loaded HiGHS (default: loaded here) for LP bound tightening and the engine's exact oracle. */
  highs?: Highs;
  /** "lp" (default): LP-tightened bounds over the ball's box; "interval": interval arithmetic only. */
  tightening?: "lp" | "interval";
  /** Pre-activation bounds over ball ∩ domain, when already computed (skips tightening). */
  bounds?: PreActivationBounds;
  threshold?: number;
  onProgress?: (progress: CountProgress) => void;
}

/** Statistics of the 2-norm distance filter. */
export interface BallFilterStats {
  /** Cells asked about. */
  cells: number;
  /** Accepted because the engine's interior point or a cached nearest point lies in the ball. */
  pointHits: number;
  /** Rejected because one half-space alone is at distance ≥ r. */
  halfSpaceRejections: number;
  /** Distances computed by the dual projection. */
  projections: number;
  /** Projections whose certified bounds did not settle "distance < r" within the iteration limit (decided by the estimate). */
  undecided: number;
}

/** The exact local count and how it was obtained. */
export interface LocalCountResult {
  /** Regions meeting ball ∩ domain (with non-empty interior there). */
  regions: number;
  /** The box the engine searched (ball ∩ domain for ∞, its bounding box for 2); undefined when ball ∩ domain is empty. */
  box?: Box;
  /** True when the domain cuts the ball (the count is over ball ∩ domain, not the whole ball). */
  clipped: boolean;
  /** Pre-activation bounds over ball ∩ domain (what the local bound is computed from). */
  bounds?: PreActivationBounds;
  stableUnits: StableUnitReport;
  lps: number;
  seconds: number;
  threshold: number;
  engine?: EngineStats;
  /** 2-norm only. */
  filter?: BallFilterStats;
}

/**
 * Count the linear regions of `net` that meet the open ball (∩ `opts.domain`), exactly.
 *
 * @example
 * const r = await countLocalRegions(net, { center: x0, radius: 0.1, norm: "2" }, { domain: uniformBox(784, 0, 1) });
 * r.regions;
 */
export async function countLocalRegions(net: Network, ball: Ball, opts: LocalCountOptions = {}): Promise<LocalCountResult> {
  requireLayerwise(net, "the local count");
  checkBall(net, ball);
  const t0 = now();
  const threshold = opts.threshold ?? DEFAULT_INTERIOR_THRESHOLD;
  const box = ballBoundingBox(ball, opts.domain);
  const clipped = opts.domain !== undefined && isClipped(ball, opts.domain);
  const empty = (): LocalCountResult => ({
    regions: 0, box, clipped, stableUnits: { active: [], inactive: [], total: 0 }, lps: 0, seconds: (now() - t0) / 1000, threshold,
  });
  // No interior in ball ∩ domain: the bounding box is empty, or (2-norm) the box's nearest point is ≥ r away.
  if (!box || (ball.norm === "2" && distanceBetween(ball.center, clampToBox(ball.center, box), "2") >= ball.radius)) return empty();
  const highs = opts.highs ?? (await loadHighs());
  const stats = { lps: 0 };
  const bounds = opts.bounds ?? ballPreActivationBounds(net, ball, {
    domain: opts.domain,
    highs: (opts.tightening ?? "lp") === "lp" ? highs : undefined,
    stats,
  })!;
  const filter = ball.norm === "2" ? new BallDistanceFilter(Float64Array.from(ball.center), ball.radius, box) : undefined;
  const result = countRegions(net, {
    box,
    threshold,
    bounds,
    exact: highsMarginSolver(highs),
    onProgress: opts.onProgress,
    acceptCell: filter?.accept,
  });
  return {
    regions: result.regions,
    box,
    clipped,
    bounds,
    stableUnits: stableUnitReport(net, bounds),
    lps: result.lps + stats.lps,
    seconds: (now() - t0) / 1000,
    threshold,
    engine: result.stats,
    filter: filter?.stats,
  };
}

/** Whether some point of the ball's bounding box lies outside the domain (then the count is over ball ∩ domain). */
function isClipped(ball: Ball, domain: Box): boolean {
  for (let j = 0; j < ball.center.length; j++) {
    if (ball.center[j] - ball.radius < domain.lo[j] || ball.center[j] + ball.radius > domain.hi[j]) return true;
  }
  return false;
}

/**
 * The 2-norm cell filter: accept a cell iff its Euclidean distance from the centre is < r. Cheap certificates first
 * (the engine's interior point, or the last accepted nearest point, inside the ball; one half-space beyond r), then
 * the certified dual projection with the interior point for repairs.
 */
export class BallDistanceFilter {
  readonly stats: BallFilterStats = { cells: 0, pointHits: 0, halfSpaceRejections: 0, projections: 0, undecided: 0 };
  /** Points of the ball in recently accepted cells (nearest points, mostly), with the cells' row counts. */
  private readonly cache: { m: number; p: Float64Array }[] = [];
  private lambda: Float64Array = new Float64Array(0);

  constructor(
    private readonly center: Float64Array,
    private readonly radius: number,
    private readonly box: Box,
  ) {}

  /** The {@link CellFilter} (bound to this instance). */
  readonly accept: CellFilter = (rows, rhs, m, point) => {
    this.stats.cells++;
    const n = this.center.length, c = this.center, r = this.radius;
    while (this.cache.length && this.cache[this.cache.length - 1].m >= m) this.cache.pop();
    if (distanceBetween(point, c, "2") < r) {
      this.stats.pointHits++;
      this.cache.push({ m, p: Float64Array.from(point) });
      return true;
    }
    // A point of the ball kept for an enclosing cell (its nearest point, usually) that also lies in this cell.
    const top = this.cache[this.cache.length - 1];
    if (top && inCell(top.p, rows, rhs, m, n)) {
      this.stats.pointHits++;
      this.cache.push({ m, p: top.p });
      return true;
    }
    for (let i = 0; i < m; i++) {
      let s = rhs[i];
      for (let j = 0; j < n; j++) s -= rows[i * n + j] * c[j];
      if (s >= r) {
        this.stats.halfSpaceRejections++;
        return false; // unit normals: s is the distance from c to the half-space
      }
    }
    this.stats.projections++;
    const res = projectOntoPolyhedron(c, rows, rhs, m, this.box.lo, this.box.hi, { decide: r, interior: point, lambda: this.lambda });
    this.lambda = res.lambda;
    let inside: boolean;
    if (res.lower >= r) inside = false;
    else if (res.upper < r) inside = true;
    else {
      // Not settled within the iteration limit: decide by the midpoint of the certified bracket.
      this.stats.undecided++;
      inside = (res.lower + Math.min(res.upper, 2 * r)) / 2 < r;
    }
    // Only a point inside the ball may accept later cells (an undecided cell's point can lie outside it).
    if (inside && res.point && distanceBetween(res.point, c, "2") < r) this.cache.push({ m, p: res.point });
    return inside;
  };
}

/** Whether p satisfies rows · p ≥ rhs − FEASIBILITY_TOL (unit normals). */
function inCell(p: Float64Array, rows: Float64Array, rhs: Float64Array, m: number, n: number): boolean {
  for (let i = 0; i < m; i++) {
    let s = -rhs[i];
    for (let j = 0; j < n; j++) s += rows[i * n + j] * p[j];
    if (s < -FEASIBILITY_TOL) return false;
  }
  return true;
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
