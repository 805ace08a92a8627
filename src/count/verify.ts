/**
 * A verifier for a computed partition, in the spirit of delaunator's `validate`: every region's interior point really
 * has the region's pattern (also half-way to the edge of its ball), no pattern is listed twice, and the regions cover
 * the domain (every pattern met by random points of the box is among them). Tests and `tessera count --verify` call it.
 * Isomorphic: no Node APIs.
 */
import { evaluate, patternToString } from "../model/evaluate.ts";
import type { Box, Network } from "../model/network.ts";
import { mulberry32, gaussian } from "../util/random.ts";

/** Default number of random points of the domain used for the coverage check. */
export const DEFAULT_VERIFY_SAMPLES = 20_000;

/** Result of a verification. */
export interface VerifyReport {
  ok: boolean;
  regions: number;
  samples: number;
  /** Distinct patterns among the random samples (a lower bound on the count, which must not exceed `regions`). */
  distinctSampled: number;
  problemCount: number;
  /** The first problems found, one line each. */
  problems: string[];
}

/** Incremental partition verifier: `add` every region, then `finish`. */
export class PartitionVerifier {
  private readonly seen = new Set<string>();
  private readonly problems: string[] = [];
  private problemCount = 0;
  private readonly rand: () => number;
  private readonly probe: Float64Array;

  constructor(
    private readonly net: Network,
    private readonly box: Box,
    private readonly opts: { samples?: number; seed?: number } = {},
  ) {
    this.rand = mulberry32(opts.seed ?? 1);
    this.probe = new Float64Array(net.inputDim);
  }

  private problem(line: string): void {
    this.problemCount++;
    if (this.problems.length < 10) this.problems.push(line);
  }

  /** Check one region: its point lies in the domain and has its pattern, as does a point half-way out its ball. */
  add(pattern: string, point: ArrayLike<number>, radius: number): void {
    if (this.seen.has(pattern)) this.problem(`pattern ${pattern} is listed twice`);
    this.seen.add(pattern);
    const { lo, hi } = this.box;
    for (let j = 0; j < lo.length; j++) {
      if (!(point[j] >= lo[j] && point[j] <= hi[j])) {
        this.problem(`region ${pattern}: its point lies outside the domain (coordinate ${j} = ${point[j]})`);
        return;
      }
    }
    const got = patternToString(evaluate(this.net, point).pattern);
    if (got !== pattern) {
      this.problem(`region ${pattern}: its interior point evaluates to pattern ${got}`);
      return;
    }
    if (!(radius > 0)) {
      this.problem(`region ${pattern}: radius ${radius} is not positive`);
      return;
    }
    // A point at half the radius in a random direction (clipped to the domain) must keep the pattern.
    let norm = 0;
    for (let j = 0; j < this.probe.length; j++) {
      this.probe[j] = gaussian(this.rand);
      norm += this.probe[j] ** 2;
    }
    const scale = (0.5 * Math.min(radius, 1e6)) / Math.sqrt(norm);
    for (let j = 0; j < this.probe.length; j++) {
      this.probe[j] = Math.min(hi[j], Math.max(lo[j], point[j] + scale * this.probe[j]));
    }
    const near = patternToString(evaluate(this.net, this.probe).pattern);
    if (near !== pattern) this.problem(`region ${pattern}: a point inside its ball (radius ${radius}) has pattern ${near}`);
  }

  /** Coverage by random points of the box, and the report. */
  finish(): VerifyReport {
    const samples = this.opts.samples ?? DEFAULT_VERIFY_SAMPLES;
    const { lo, hi } = this.box;
    const sampled = new Set<string>();
    const x = new Float64Array(lo.length);
    for (let s = 0; s < samples; s++) {
      for (let j = 0; j < x.length; j++) x[j] = lo[j] + (hi[j] - lo[j]) * this.rand();
      const p = patternToString(evaluate(this.net, x).pattern);
      if (!sampled.has(p)) {
        sampled.add(p);
        if (!this.seen.has(p)) this.problem(`a random point of the domain has pattern ${p}, which is not among the regions`);
      }
    }
    return {
      ok: this.problemCount === 0,
      regions: this.seen.size,
      samples,
      distinctSampled: sampled.size,
      problemCount: this.problemCount,
      problems: this.problems,
    };
  }
}
