/**
 * The HiGHS runtime (npm `highs`, HiGHS compiled to WebAssembly), loaded once, and the few typed helpers the
 * bound tightener and the MILP counter share. Persistent models only: a loop changes bounds, costs or single
 * coefficients and re-runs, so HiGHS warm-starts from the previous basis. Core-safe (no Node APIs).
 */
import type { Highs, Model, ModelStatusCode } from "highs";

export type { Highs };
/** A persistent HiGHS model as `createModel()` returns it. */
export type HighsModel = ReturnType<Highs["createModel"]>;
export type { Model as HighsModelApi };

/**
 * HiGHS feasibility tolerances (primal and dual): the smallest values HiGHS accepts. Decisions downstream compare
 * margins with thresholds of 1e-8 and above, 100× this.
 */
export const HIGHS_FEASIBILITY_TOL = 1e-10;

let cached: Promise<Highs> | undefined;

/**
 * The HiGHS runtime, loaded once per thread (about 50 ms cold) and cached. The module itself is imported here, on
 * first use, so commands that solve no LP (and `tessera --help`) never load it.
 */
export function loadHighs(): Promise<Highs> {
  cached ??= import("highs").then((highsModule) => {
    // The package's types describe a CommonJS module while Node loads its ESM build: take the default export at run time.
    const highsLoader = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;
    return highsLoader();
  });
  return cached;
}

/** Options applied to every model made by {@link createQuietModel}. */
export interface QuietModelOptions {
  /** Use tight tolerances ({@link HIGHS_FEASIBILITY_TOL}); default true. */
  tight?: boolean;
  /** MIP models: turn presolve off for tiny models that are re-solved many times. */
  presolve?: "on" | "off" | "choose";
}

/** A persistent model with logging off and tight feasibility tolerances. Dispose it with `model.dispose()`. */
export function createQuietModel(highs: Highs, opts: QuietModelOptions = {}): HighsModel {
  const model = highs.createModel();
  model.options.set("output_flag", false);
  if (opts.tight ?? true) {
    model.options.set("primal_feasibility_tolerance", HIGHS_FEASIBILITY_TOL);
    model.options.set("dual_feasibility_tolerance", HIGHS_FEASIBILITY_TOL);
    model.options.set("mip_feasibility_tolerance", HIGHS_FEASIBILITY_TOL);
  }
  if (opts.presolve) model.options.set("presolve", opts.presolve);
  return model;
}

/** Outcome of one run, reduced to what the callers branch on. */
export type RunOutcome = "optimal" | "infeasible" | "other";

/**
 * Run the model and classify its status (optimal; proven infeasible; anything else, e.g. a limit or an error).
 * A run that fails inside HiGHS (status −1, seen after long warm-started sequences) is retried once from scratch
 * (`clearSolver` drops the basis); a second failure is reported as "other".
 */
export function runModel(highs: Highs, model: HighsModel): RunOutcome {
  let status: ModelStatusCode;
  try {
    status = model.run().modelStatus;
  } catch {
    try {
      model.clearSolver();
      status = model.run().modelStatus;
    } catch {
      return "other";
    }
  }
  const s = highs.constants.modelStatus;
  if (status === s.optimal) return "optimal";
  if (status === s.infeasible) return "infeasible";
  return "other";
}

/** Sparse row or column entries in the form `addRow`/`addCol` take. */
export interface SparseEntries {
  indices: number[];
  values: number[];
}
