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
import { interiorThreshold, tighteningOf } from "../count/session.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { type Ball, ballBoundingBox, checkBall, clampToBox, distanceBetween } from "./ball.ts";
import { ballPreActivationBounds } from "./ball-bounds.ts";
import { FEASIBILITY_TOL, projectOntoPolyhedron } from "./projection.ts";
import { requireLayerwise } from "../model/lower.ts";
import { MIN_BOX_WIDTH, MIN_RELATIVE_BOX_WIDTH } from "../model/box.ts";
import { changeInputs, normaliseUnits, scaleBoundsToUnits, ScaleError } from "../model/normalise.ts";

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
  /** Pre-activation bounds over ball ∩ domain, in the model's units (what the local bound is computed from). */
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
export async function countLocalRegions(model: Network, ball: Ball, opts: LocalCountOptions = {}): Promise<LocalCountResult> {
  requireLayerwise(model, "the local count");
  checkBall(model, ball);
  checkBallResolution(ball);
  const t0 = now();
  const threshold = interiorThreshold(opts.threshold);
  const box = ballBoundingBox(ball, opts.domain);
  const clipped = opts.domain !== undefined && isClipped(ball, opts.domain);
  const empty = (): LocalCountResult => ({
    regions: 0, box, clipped, stableUnits: { active: [], inactive: [], total: 0 }, lps: 0, seconds: (now() - t0) / 1000, threshold,
  });
  // No interior in ball ∩ domain: the bounding box is empty, or (2-norm) the box's nearest point is ≥ r away.
  if (!box || (ball.norm === "2" && distanceBetween(ball.center, clampToBox(ball.center, box), "2") >= ball.radius)) return empty();
  const highs = opts.highs ?? (await loadHighs());
  const stats = { lps: 0 };
  // Every unit at unit scale (exact powers of two; the same regions, the same signs): ball bounds, LPs and the engine
  // then judge the geometry, not the units of the weights (rows of 1e-300 squared underflowed to a zero norm, and the
  // ball bounds took every unit for stable). Throws ScaleError when the output layer overflows at unit scale.
  const units = normaliseUnits(model);
  const net = units.net;
  const bounds = (opts.bounds && scaleBoundsToUnits(opts.bounds, units.exponents)) ?? ballPreActivationBounds(net, ball, {
    domain: opts.domain,
    highs: tighteningOf(opts.tightening) === "lp" ? highs : undefined,
    stats,
  })!;
  // A small ball is counted at its own scale (see LOCAL_SCALE_RATIO): inputs u = (x − centre) / s, the ball of radius
  // r / s around 0, and the threshold judged there, so that the rule shrinks with the ball.
  const local = ballScale(net, ball, box, threshold);
  const filter = ball.norm === "2" ? new BallDistanceFilter(local.center, local.radius, local.box) : undefined;
  const result = countRegions(local.net, {
    box: local.box,
    threshold: local.threshold,
    bounds,
    exact: highsMarginSolver(highs),
    onProgress: opts.onProgress,
    acceptCell: filter?.accept,
  });
  return {
    regions: result.regions,
    box,
    clipped,
    // Back in the model's units (row r × 2^e_r): the same signs, so the same stable units.
    bounds: scaleBoundsToUnits(bounds, units.exponents.map((e) => e.map((v) => -v))),
    stableUnits: stableUnitReport(net, bounds),
    lps: result.lps + stats.lps,
    seconds: (now() - t0) / 1000,
    threshold,
    engine: result.stats,
    filter: filter?.stats,
  };
}

/**
 * A ball whose radius is below this many thresholds is counted at its own scale: the engine's rule (a region needs a
 * point at distance > threshold from its hyperplanes) would otherwise ask more than the ball holds (a radius of
 * 1e-9 gave 0 regions). Larger balls keep the threshold in input units, as before: 1e4 keeps the threshold at least
 * 10^4 times below the ball's radius there.
 */
export const LOCAL_SCALE_RATIO = 1e4;

/** The network, box, ball and threshold the local count runs on (the model's own, or rescaled around the centre). */
function ballScale(net: Network, ball: Ball, box: Box, threshold: number) {
  const center = Float64Array.from(ball.center);
  if (ball.radius >= LOCAL_SCALE_RATIO * threshold) return { net, box, center, radius: ball.radius, threshold };
  // x = centre + s·u with s the power of four with 2r / s in [1, 4): exact scaling, the ball's radius r / s in [1/2, 2).
  const n0 = net.inputDim, s = 4 ** Math.floor(Math.log(2 * ball.radius) / Math.log(4));
  const change = { scale: new Float64Array(n0).fill(s), shift: center, identity: false };
  const changed = changeInputs(net, box, change);
  return { net: changed.net, box: changed.box, center: new Float64Array(n0), radius: ball.radius / s, threshold };
}

/**
 * Smallest radius relative to the centre's largest coordinate: the box rule (MIN_RELATIVE_BOX_WIDTH, src/model/box.ts):
 * a ball within 1e-12 of its centre's size lies where the network's own round-off places its hyperplanes.
 */
export const MIN_RELATIVE_RADIUS = MIN_RELATIVE_BOX_WIDTH;
/** Smallest radius at all: 2^−1000 (MIN_BOX_WIDTH), so that the ball's scale 4^k stays a normal double. */
const MIN_RADIUS = MIN_BOX_WIDTH;

/** Refuse, with one line, a ball too small for floating point to place around its centre. */
function checkBallResolution(ball: Ball): void {
  let size = 0;
  for (let j = 0; j < ball.center.length; j++) size = Math.max(size, Math.abs(ball.center[j]));
  const least = Math.max(MIN_RADIUS, MIN_RELATIVE_RADIUS * size);
  if (!(ball.radius >= least)) {
    throw new ScaleError(`--radius ${ball.radius} is below what floating point resolves around this centre (at least ${Number(least.toPrecision(2))}: 1e-12 of its largest coordinate)`);
  }
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
