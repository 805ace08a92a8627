import type { Command } from "commander";
import { allBounds, type BoundRow, type BoundsSpec } from "../../bounds/all-bounds.ts";
import { deepVsShallow } from "../../bounds/deep-vs-shallow.ts";
import { aboutModel } from "../model-errors.ts";
import { boundsSpecFromNetwork, INTERVAL_BOUNDS, type PreActivationBoundSource } from "../../bounds/from-network.ts";
import { loadHighs } from "../../lp/highs.ts";
import { lpBounds } from "../../tighten/lp.ts";
import { log10BigInt } from "../../bounds/log10.ts";
import { serra2018MaxoutUpper } from "../../bounds/maxout.ts";
import { loadModel } from "../../io/load.ts";
import { UsageError } from "../../util/errors.ts";
import { boxFileOption, boxOption, parseBox, resolveDomain } from "../domain.ts";
import { DEFAULT_TIGHTENING, parseTightening } from "../../count/session.ts";

/** Largest n0 or width accepted by --arch: beyond it exact BigInt bounds take minutes and gigabytes. */
export const MAX_ARCH_ENTRY = 100_000;
/** Largest maxout rank accepted by --maxout (k(k−1)/2 hyperplanes per unit). */
export const MAX_MAXOUT_RANK = 1000;

/** Parse `--arch n0,n1,...,nL` (hidden widths only). */
export function parseArch(text: string): { inputDim: number; widths: number[] } {
  const parts = text.split(",").map((t) => t.trim());
  if (parts.length < 2) throw new UsageError(`--arch "${text}": give n0,n1,...,nL (input dimension and at least one hidden width)`);
  const nums = parts.map((t, i) => {
    if (!/^\d+$/.test(t)) throw new UsageError(`--arch "${text}": entry ${i + 1} ("${t}") is not a positive integer`);
    const v = Number(t);
    if (v < 1) throw new UsageError(`--arch "${text}": entry ${i + 1} is 0; every width must be at least 1`);
    if (v > MAX_ARCH_ENTRY) throw new UsageError(`--arch "${text}": entry ${i + 1} is ${t}, above the limit of ${MAX_ARCH_ENTRY}`);
    return v;
  });
  return { inputDim: nums[0], widths: nums.slice(1) };
}

/** Parse `--maxout K` (K ≥ 2). */
export function parseMaxoutRank(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 2 || Number(t) > MAX_MAXOUT_RANK) {
    throw new UsageError(`--maxout "${text}": the rank must be an integer from 2 to ${MAX_MAXOUT_RANK}`);
  }
  return Number(t);
}

/** What `tessera bounds` computed: the spec, the rows, where the domain came from. */
export interface BoundsReport {
  spec: BoundsSpec;
  rows: BoundRow[];
  /** Where stable units came from, or why there are none. */
  domainNote?: string;
}

/** LP bound tightening (src/tighten/lp.ts): the triangle relaxation layer by layer, at least as tight as intervals. */
export const LP_BOUNDS: PreActivationBoundSource = {
  name: "LP bound tightening",
  bounds: async (net, box) => lpBounds(net, box, await loadHighs()),
};

/** Build the report for `--arch` or a model file; `source` bounds pre-activations for the stable-unit bound. */
export async function boundsReport(
  opts: { arch?: string; model?: string; maxout?: string; box?: string; boxFile?: string },
  source: PreActivationBoundSource = INTERVAL_BOUNDS,
): Promise<BoundsReport> {
  if (opts.arch !== undefined && opts.model !== undefined) throw new UsageError("give either --arch or a MODEL, not both");
  if (opts.arch === undefined && opts.model === undefined) throw new UsageError("give --arch n0,n1,...,nL or a MODEL file");
  if (opts.box !== undefined) parseBox(opts.box);
  if (opts.arch !== undefined) {
    if (opts.box !== undefined) throw new UsageError("--box needs a MODEL: stable units depend on the weights");
    if (opts.boxFile !== undefined) throw new UsageError("--box-file needs a MODEL: stable units depend on the weights");
    const { inputDim, widths } = parseArch(opts.arch);
    const spec: BoundsSpec = opts.maxout === undefined
      ? { inputDim, widths }
      : { inputDim, widths, activation: { kind: "maxout", rank: parseMaxoutRank(opts.maxout) } };
    return { spec, rows: allBounds(spec) };
  }
  if (opts.maxout !== undefined) throw new UsageError("--maxout goes with --arch; a model's maxout rank is read from the file");
  const model = await loadModel(opts.model!);
  const resolved = await resolveDomain(model, opts, "optional");
  const domain = resolved?.box;
  const from = resolved?.source === "model" ? "the model's domain" : resolved?.from;
  const spec = await aboutModel(opts.model!, () => boundsSpecFromNetwork(model.network, domain, source));
  const domainNote = domain
    ? `stable units found by ${spec.stable!.method} (domain from ${from})`
    : "no input domain (no --box, none in the model, no NAME.expected.json): plain bounds only; the stable-unit bound needs a domain";
  return { spec, rows: allBounds(spec), domainNote };
}

function fmtLog(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : "—";
}

function archLine(spec: BoundsSpec): string {
  const act = spec.activation ?? { kind: "relu" };
  const name = act.kind === "maxout" ? `maxout rank ${act.rank}` : act.kind === "relu" ? "ReLU" : "leaky ReLU";
  const n = spec.widths.reduce((a, b) => a + b, 0);
  return `architecture  ${[spec.inputDim, ...spec.widths].join(" → ")} (${name}; n0 = ${spec.inputDim}, L = ${spec.widths.length}, N = ${n} hidden units)`;
}

/** Deep versus shallow as text lines and as JSON. */
function shallowComparison(spec: BoundsSpec): { lines: string[]; json: Record<string, unknown> } {
  const act = spec.activation ?? { kind: "relu" };
  const n = spec.widths.reduce((a, b) => a + b, 0);
  if (act.kind === "maxout") {
    const shallow = serra2018MaxoutUpper(spec.inputDim, [n], act.rank);
    return {
      lines: [`deep vs shallow  one maxout layer of ${n} units over R^${spec.inputDim}: at most ${shallow} regions (log10 ${fmtLog(log10BigInt(shallow))}, Serra et al. 2018 maxout bound with L = 1)`],
      json: { shallowUnits: n, shallowUpper: shallow.toString() },
    };
  }
  if (act.kind === "leaky-relu") return { lines: ["deep vs shallow  compared for ReLU networks only"], json: {} };
  const c = deepVsShallow(spec.inputDim, spec.widths);
  const verdict = {
    same: "this is a one-hidden-layer network",
    shallow: `the shallow network attains more regions than any network of this architecture can${c.units <= c.inputDim ? " (as always when N ≤ n0 and L ≥ 2)" : ""}`,
    deep: "some network of this architecture has more regions than every shallow one (its lower bound exceeds the shallow maximum)",
    open: "the bounds do not decide which has more",
  }[c.verdict];
  return {
    lines: [
      `deep vs shallow  one hidden layer of ${c.units} ReLUs over R^${c.inputDim}: exactly ${c.shallowExact} regions at most (log10 ${fmtLog(log10BigInt(c.shallowExact))}, Zaslavsky, attained)`,
      `                 this architecture: at most ${c.deepUpper} (Theorem 1)${c.deepLower !== null ? `, at least ${c.deepLower} for some weights` : ""}`,
      `                 → ${verdict}`,
    ],
    json: {
      shallowUnits: c.units,
      shallowExact: c.shallowExact.toString(),
      deepUpper: c.deepUpper.toString(),
      deepLower: c.deepLower === null ? null : c.deepLower.toString(),
      verdict: c.verdict,
    },
  };
}

/** The text table `tessera bounds` prints. */
export function formatBoundsReport(report: BoundsReport): string {
  const { spec, rows } = report;
  const head = ["bound", "source", "upper/lower", "exact value", "log10"];
  const body = rows.map((r) => [r.name, r.source, r.kind, r.value === null ? "not applicable" : r.value.toString(), fmtLog(r.log10)]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => (c === 4 ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join("  ").trimEnd();
  const out = [archLine(spec)];
  if (spec.stable) {
    const per = spec.widths.map((w, l) => `layer ${l + 1}: ${spec.stable!.active[l]} active, ${spec.stable!.inactive[l]} inactive of ${w}`);
    out.push(`stable units  ${per.join("; ")}`);
  }
  if (report.domainNote) out.push(`domain        ${report.domainNote}`);
  out.push("", line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line), "");
  out.push(
    `upper: no network of this architecture has more regions${spec.stable ? " (with stable units: this network, inside its domain)" : ""}; ` +
      "lower: some choice of weights has at least this many.",
    "",
  );
  const na = rows.filter((r) => r.value === null);
  if (na.length) out.push(...na.map((r) => `not applicable: ${r.name} — ${r.notApplicable}`), "");
  out.push(...shallowComparison(spec).lines);
  return out.join("\n") + "\n";
}

/** The object `tessera bounds --json` prints: values as decimal strings, log10 null where a bound does not apply. */
export function boundsReportJson(report: BoundsReport): Record<string, unknown> {
  const { spec, rows } = report;
  return {
    inputDim: spec.inputDim,
    widths: [...spec.widths],
    activation: spec.activation ?? { kind: "relu" },
    ...(spec.stable ? { stableUnits: { active: [...spec.stable.active], inactive: [...spec.stable.inactive], method: spec.stable.method } } : {}),
    ...(report.domainNote ? { domainNote: report.domainNote } : {}),
    bounds: rows.map((r) => ({
      id: r.id,
      name: r.name,
      source: r.source,
      kind: r.kind,
      value: r.value === null ? null : r.value.toString(),
      ...(r.notApplicable ? { notApplicable: r.notApplicable } : {}),
      log10: Number.isFinite(r.log10) ? r.log10 : null,
    })),
    deepVsShallow: shallowComparison(spec).json,
  };
}

/** `tessera bounds (--arch 784,10,12 | MODEL) [--maxout K] [--box lo,hi] [--json]`: every published bound. */
export function registerBounds(program: Command): void {
  program
    .command("bounds")
    .description("every published bound on the number of linear regions, exact; with a model, also the bound with stable units")
    .argument("[model]", "model file (.onnx, TF.js model.json, Tessera JSON); or use --arch")
    .option("--arch <n0,n1,...>", "architecture: input dimension then hidden widths (the output layer does not count)")
    .option("--maxout <k>", "with --arch: maxout units of rank k instead of ReLU")
    .addOption(boxOption())
    .addOption(boxFileOption())
    .option("--tightening <lp|interval>", "with a model: how stable units are found (LP relaxation or interval arithmetic)", DEFAULT_TIGHTENING)
    .option("--json", "print one JSON object, values as decimal strings")
    .action(async (model: string | undefined, opts: { arch?: string; maxout?: string; box?: string; boxFile?: string; json?: boolean; tightening: string }) => {
      const tightening = parseTightening(opts.tightening);
      const report = await boundsReport({ ...opts, model }, tightening === "lp" ? LP_BOUNDS : INTERVAL_BOUNDS);
      process.stdout.write(opts.json ? `${JSON.stringify(boundsReportJson(report))}\n` : formatBoundsReport(report));
    });
}
