/** Every bound that applies to an architecture, as table rows (what `tessera bounds` prints). */
import { checkArchitecture } from "./architecture.ts";
import { log10BigInt } from "./log10.ts";
import { montufar2014Lower, serra2018Lower, type BoundValue } from "./lower.ts";
import { maxoutPatternBound, montufar2014MaxoutLower, serra2018MaxoutUpper } from "./maxout.ts";
import { montufar2017, raghu2017Product, serra2018Upper, trivialUpperBound, zaslavsky } from "./rectifier-upper.ts";
import { checkStableCounts, serra2018StableUpper, type StableUnitCounts } from "./stable-units.ts";

/** The activation the bounds are for: every hidden layer has the same one. */
export type BoundsActivation = { kind: "relu" } | { kind: "leaky-relu" } | { kind: "maxout"; rank: number };

/** An architecture and what is known about its weights and domain. */
export interface BoundsSpec {
  /** n0. */
  inputDim: number;
  /** n_1..n_L in units (for maxout: units, not pieces); the output layer is not included. */
  widths: readonly number[];
  /** Default ReLU. */
  activation?: BoundsActivation;
  /** rank(W^l) per hidden layer, for the rank refinement of Theorem 1 (ReLU only). */
  ranks?: readonly number[];
  /**
   * Stable units over a domain (for maxout: `active` counts units with a fixed argmax, `inactive` must be 0) and
   * the name of the method that found them (e.g. "interval arithmetic over [0, 1]^784").
   */
  stable?: StableUnitCounts & { method: string };
}

/** One row of the bounds table. */
export interface BoundRow {
  id: string;
  name: string;
  source: string;
  kind: "upper" | "lower";
  /** Exact value, or null when the bound does not apply (then `notApplicable` says why). */
  value: bigint | null;
  notApplicable?: string;
  /** log10 of the value (NaN when it does not apply). */
  log10: number;
}

function row(id: string, name: string, source: string, kind: "upper" | "lower", b: BoundValue): BoundRow {
  return b.value === null
    ? { id, name, source, kind, value: null, notApplicable: b.notApplicable, log10: NaN }
    : { id, name, source, kind, value: b.value, log10: log10BigInt(b.value) };
}

const SERRA = "Serra, Tjandraatmadja & Ramalingam 2018";
const MPCB = "Montúfar, Pascanu, Cho & Bengio 2014";

function rectifierRows(spec: BoundsSpec, leaky: boolean): BoundRow[] {
  const { inputDim: n0, widths } = spec;
  const L = widths.length;
  const rows: BoundRow[] = [];
  const leakyReason = "leaky ReLU keeps a slope on the inactive side, so inactive units do not reduce the dimension this bound counts on";
  if (spec.stable) {
    rows.push(row("serra2018-stable", "rectifier upper bound with stable units", "after Serra & Ramalingam 2020", "upper",
      leaky ? { value: null, notApplicable: leakyReason } : { value: serra2018StableUpper(n0, widths, spec.stable) }));
  }
  if (spec.ranks) {
    rows.push(row("serra2018-rank", "rectifier upper bound with rank(W^l)", SERRA, "upper",
      leaky ? { value: null, notApplicable: leakyReason } : { value: serra2018Upper(n0, widths, { ranks: spec.ranks }) }));
  }
  rows.push(
    row("serra2018", "rectifier upper bound (Theorem 1)", SERRA, "upper",
      leaky ? { value: null, notApplicable: leakyReason } : { value: serra2018Upper(n0, widths) }),
    row("montufar2017", "upper bound, d_l = min{n0..n_l}", "Montúfar 2017", "upper", { value: montufar2017(n0, widths) }),
    row("raghu2017", "upper bound, product form", "Raghu et al. 2017", "upper", { value: raghu2017Product(n0, widths) }),
    row("trivial", "2^N (one region per activation pattern)", MPCB, "upper", { value: trivialUpperBound(widths) }),
    row("zaslavsky", "one hidden layer: hyperplane arrangement (exact maximum)", "Zaslavsky 1975", "upper",
      L === 1 ? { value: zaslavsky(widths[0], n0) } : { value: null, notApplicable: `one hidden layer only (this network has ${L})` }),
  );
  const lowerReason = "stated for ReLU networks";
  rows.push(
    row("serra2018-lower", "improved rectifier lower bound (n_l ≥ 3·n0)", SERRA, "lower",
      leaky ? { value: null, notApplicable: lowerReason } : serra2018Lower(n0, widths)),
    row("montufar2014-lower", "rectifier lower bound (n_l ≥ n0)", MPCB, "lower",
      leaky ? { value: null, notApplicable: lowerReason } : montufar2014Lower(n0, widths)),
  );
  return rows;
}

function maxoutRows(spec: BoundsSpec, k: number): BoundRow[] {
  const { inputDim: n0, widths } = spec;
  const rows: BoundRow[] = [];
  if (spec.stable) {
    const unstable = widths.map((w, l) => w - spec.stable!.active[l] - spec.stable!.inactive[l]);
    rows.push(row("serra2018-maxout-stable", `maxout upper bound, rank ${k}, unstable units only`, `after ${SERRA}`, "upper", { value: serra2018MaxoutUpper(n0, widths, k, unstable) }));
  }
  rows.push(
    row("serra2018-maxout", `maxout upper bound, rank ${k}`, SERRA, "upper", { value: serra2018MaxoutUpper(n0, widths, k) }),
    row("maxout-patterns", `k^N (one region per argmax pattern), k = ${k}`, "activation patterns", "upper", { value: maxoutPatternBound(widths, k) }),
    row("montufar2014-maxout-lower", `maxout lower bound k^(L−1+n0) (n_l ≥ n0)`, MPCB, "lower", montufar2014MaxoutLower(n0, widths, k)),
  );
  return rows;
}

/**
 * Every bound for the architecture: upper bounds (tightest kind first) then lower bounds. Bounds whose conditions
 * fail are rows with `value: null` and the reason, never a number.
 */
export function allBounds(spec: BoundsSpec): BoundRow[] {
  checkArchitecture(spec.inputDim, spec.widths);
  if (spec.stable) checkStableCounts(spec.widths, spec.stable);
  const act = spec.activation ?? { kind: "relu" };
  if (act.kind === "maxout") return maxoutRows(spec, act.rank);
  return rectifierRows(spec, act.kind === "leaky-relu");
}
