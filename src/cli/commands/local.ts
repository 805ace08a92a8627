/**
 * `tessera local MODEL (--center FILE | --sample K | --digit K) --radius R [--norm 2|inf]`: the linear regions in a
 * ball around an input — the local upper bound after Zhu, Lin & Tang 2020, the exact count over ball ∩ domain, the
 * distances to the nearest region and class boundaries.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { loadModel, type LoadedModel } from "../../io/load.ts";
import { loadMnist, MNIST_PIXELS } from "../../io/mnist.ts";
import { describeBox } from "../../bounds/from-network.ts";
import type { Box } from "../../model/network.ts";
import { type Ball, type BallNorm, parseBallNorm } from "../../local/ball.ts";
import { analyzeBall, type BallAnalysis } from "../../local/analyze.ts";
import { aboutModel } from "../model-errors.ts";
import { LOCAL_BOUND_SOURCE } from "../../local/local-bound.ts";
import { DEFAULT_MAX_REGIONS } from "../../local/class-boundary.ts";
import { parseNumberList } from "../input-vector.ts";
import { boxFileOption, boxOption, resolveDomain, thresholdOption } from "../domain.ts";
import { UsageError } from "../../util/errors.ts";
import { DEFAULT_TIGHTENING, parseThreshold, parseTightening } from "../../count/session.ts";
import { formatCount } from "../../util/progress.ts";
import { ProgressBar } from "../../run/progress-bar.ts";

interface LocalFlags {
  center?: string;
  sample?: string;
  digit?: string;
  radius?: string;
  norm: string;
  box?: string;
  boxFile?: string;
  tightening: string;
  threshold: string;
  classBoundary: boolean;
  maxRegions: string;
  progress: boolean;
  json?: boolean;
}

/** Parse `--radius`: a positive finite number. */
export function parseRadius(text: string | undefined): number {
  if (text === undefined) throw new UsageError("give the ball's radius with --radius R");
  const r = Number(text);
  if (text.trim() === "" || !Number.isFinite(r) || r <= 0) throw new UsageError(`--radius "${text}": give a positive finite number`);
  return r;
}

/** Parse `--norm` (2 or inf) as a one-line usage error. */
export function parseNormFlag(text: string): BallNorm {
  try {
    return parseBallNorm(text);
  } catch (err) {
    throw new UsageError(`--norm ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A non-negative integer index flag. */
function parseIndex(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} "${text}": give an index 0, 1, 2, …`);
  return Number(text);
}

/** The `index`-th MNIST digit of the `mnist` package (fixed order: all 0s, then all 1s, …), as stored (3 decimals). */
export function mnistDigit(index: number): { x: Float64Array; label: number } {
  let data;
  try {
    data = loadMnist();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (index >= data.count) throw new UsageError(`--digit ${index}: the mnist package has ${data.count} digits (0 … ${data.count - 1})`);
  const px = data.images.subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS);
  // Float32 storage → the 3-decimal values the package stores (what the MNIST fixtures were trained on).
  return { x: Float64Array.from(px, (v) => Math.round(v * 1000) / 1000), label: data.labels[index] };
}

/** The centre of the ball from exactly one of --center, --sample, --digit; checked against the model's input size. */
export async function readCenter(flags: { center?: string; sample?: string; digit?: string }, loaded: LoadedModel): Promise<{ x: Float64Array; from: string }> {
  const given = [flags.center !== undefined && "--center", flags.sample !== undefined && "--sample", flags.digit !== undefined && "--digit"].filter(Boolean);
  if (given.length !== 1) {
    throw new UsageError(given.length ? `give the centre once, not with ${given.join(" and ")}` : "give the centre with --center FILE.json, --sample K or --digit K");
  }
  const dim = loaded.network.inputDim;
  let x: Float64Array, from: string;
  if (flags.center !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.center, "utf8");
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UsageError(`${flags.center}: ${code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(err)})`}`);
    }
    x = Float64Array.from(parseNumberList(text, flags.center));
    from = flags.center;
  } else if (flags.sample !== undefined) {
    const k = parseIndex(flags.sample, "--sample");
    const sibling = loaded.path.replace(/\.(onnx|json)$/i, "") + ".expected.json";
    let samples: unknown;
    try {
      samples = (JSON.parse(await readFile(sibling, "utf8")) as { samples?: unknown }).samples;
    } catch {
      throw new UsageError(`--sample needs the model's ${sibling} with "samples" (not found or not JSON)`);
    }
    if (!Array.isArray(samples) || k >= samples.length) {
      throw new UsageError(`--sample ${k}: ${sibling} has ${Array.isArray(samples) ? samples.length : 0} samples (0 … ${Array.isArray(samples) ? samples.length - 1 : -1})`);
    }
    const sx = (samples[k] as { x?: unknown }).x;
    if (!Array.isArray(sx)) throw new UsageError(`${sibling}: sample ${k} has no "x" array`);
    x = Float64Array.from(parseNumberList(JSON.stringify(sx), `${sibling} sample ${k}`));
    from = `${sibling} sample ${k}`;
  } else {
    const k = parseIndex(flags.digit!, "--digit");
    if (dim !== MNIST_PIXELS) throw new UsageError(`--digit: ${loaded.path} takes ${dim} inputs, MNIST digits have ${MNIST_PIXELS}`);
    const d = mnistDigit(k);
    x = d.x;
    from = `MNIST digit ${k} (label ${d.label})`;
  }
  if (x.length !== dim) throw new UsageError(`${from}: ${x.length} coordinates given, ${loaded.path} takes ${dim}`);
  return { x, from };
}


function fmt(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? "∞" : String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? Number(v.toPrecision(6)).toString() : v.toExponential(4);
}

function textReport(a: BallAnalysis, model: string, from: string, domain: { box: Box; from: string } | undefined, tightening: string): string {
  const s = a.count.stableUnits;
  const norm = a.ball.norm === "2" ? "2-norm (Euclidean)" : "∞-norm (max)";
  const lines = [
    `model            ${model}`,
    `ball             ${norm}, radius ${a.ball.radius}, centre ${from}`,
    `domain           ${domain ? `${describeBox(domain.box)} (from ${domain.from})${a.count.clipped ? ": the ball leaves it, so everything below is over ball ∩ domain" : ": contains the ball"}` : "none (the whole ball)"}`,
    `regions          ${formatCount(a.regions)}  (exact: regions meeting the ${a.count.clipped ? "ball ∩ domain" : "ball"} with an interior point, threshold ${a.count.threshold})`,
    `upper bound      ${a.bound.value === null ? `not applicable (${a.bound.notApplicable})` : `${formatCount(Number(a.bound.value))}${a.bound.value > BigInt(Number.MAX_SAFE_INTEGER) ? ` (${a.bound.value})` : ""}  (${LOCAL_BOUND_SOURCE}: ${a.bound.formula})`}`,
    `stable units     ${s.total} of ${a.count.bounds ? a.count.bounds.lower.reduce((t, l) => t + l.length, 0) : 0} pre-activations over the ball (${s.active.reduce((x, y) => x + y, 0)} always active, ${s.inactive.reduce((x, y) => x + y, 0)} always inactive; ${tightening === "lp" ? "layer 1 exact, deeper layers interval ∩ LP over the ball's box" : "layer 1 exact, deeper layers interval arithmetic"})`,
  ];
  const rb = a.regionBoundary;
  lines.push(
    `region boundary  ${fmt(rb.distance)}${rb.layer >= 0 ? `  (hidden layer ${rb.layer + 1}, unit ${rb.unit}${rb.piece >= 0 ? `, piece ${rb.piece}` : ""})` : ""}` +
      (domain ? `; nearest domain face ${fmt(rb.domainFace)}` : ""),
  );
  const cb = a.classBoundary;
  if (cb) {
    lines.push(
      `class boundary   ${cb.distance === Infinity ? "none in the domain" : `${cb.exact ? "" : "≥ "}${fmt(cb.distance)}`}  (class ${cb.predicted}` +
        `${cb.otherClass >= 0 ? ` → ${cb.otherClass}` : ""}; ${cb.regionsOpened} regions searched${cb.exact ? ", exact" : `, capped: nearest found ${fmt(cb.upper)}`})`,
    );
  }
  lines.push(`seconds          ${a.seconds.toFixed(2)}  (count ${a.count.seconds.toFixed(2)}, ${formatCount(a.count.lps)} LPs${a.count.filter ? `, ${formatCount(a.count.filter.projections)} distance projections` : ""})`);
  if (a.count.filter?.undecided) lines.push(`note             ${a.count.filter.undecided} cells not decided exactly (their certified distance bracket straddles the radius; decided by its midpoint), so the count may be off by up to ${a.count.filter.undecided}`);
  return lines.join("\n");
}

function jsonReport(a: BallAnalysis, model: string, from: string, domain: { box: Box; from: string } | undefined): object {
  const cb = a.classBoundary;
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    model,
    center: from,
    radius: a.ball.radius,
    norm: a.ball.norm,
    domain: domain ? describeBox(domain.box) : null,
    clipped: a.count.clipped,
    regions: a.regions,
    // BigInt as a decimal string (bounds exceed 2^53 easily); null when no local bound applies.
    upperBound: a.bound.value === null ? null : a.bound.value.toString(),
    upperBoundFormula: a.bound.formula,
    stableUnits: a.count.stableUnits.total,
    stableActive: a.count.stableUnits.active,
    stableInactive: a.count.stableUnits.inactive,
    regionBoundary: { distance: finite(a.regionBoundary.distance), layer: a.regionBoundary.layer, unit: a.regionBoundary.unit, domainFace: finite(a.regionBoundary.domainFace) },
    classBoundary: cb
      ? { distance: finite(cb.distance), exact: cb.exact, predicted: cb.predicted, otherClass: cb.otherClass, regionsSearched: cb.regionsOpened }
      : null,
    threshold: a.count.threshold,
    lps: a.count.lps,
    projections: a.count.filter?.projections ?? 0,
    seconds: Number(a.seconds.toFixed(4)),
  };
}

/** `tessera local`: bound, exact count and distances for a ball around an input. */
export function registerLocal(program: Command): void {
  program
    .command("local")
    .description("linear regions in a ball around an input: local upper bound (after Zhu, Lin & Tang 2020), exact count, distances to region and class boundaries")
    .argument("<model>", "ONNX, TF.js model.json, or Tessera JSON")
    .option("--center <file.json>", "the centre: a JSON array of numbers (or numbers separated by commas/whitespace)")
    .option("--sample <k>", "the centre: sample k (from 0) of the fixture's NAME.expected.json")
    .option("--digit <k>", "the centre: MNIST digit k (from 0) of the mnist package, in its fixed order (784-input models)")
    .option("--radius <r>", "the ball's radius (> 0)")
    .option("--norm <2|inf>", "the ball's norm", "2")
    .addOption(boxOption())
    .addOption(boxFileOption())
    .option("--tightening <lp|interval>", "bounds for the stable units over the ball", DEFAULT_TIGHTENING)
    .addOption(thresholdOption())
    .option("--no-class-boundary", "skip the search for the nearest class boundary")
    .option("--max-regions <n>", "cap of the class-boundary search (regions opened); capped answers are lower bounds", String(DEFAULT_MAX_REGIONS))
    .option("--no-progress", "no progress line on stderr")
    .option("--json", "print one JSON object")
    .action(async (modelPath: string, flags: LocalFlags) => {
      const radius = parseRadius(flags.radius);
      const norm = parseNormFlag(flags.norm);
      const threshold = parseThreshold(flags.threshold);
      parseTightening(flags.tightening);
      if (!/^\d+$/.test(flags.maxRegions.trim()) || Number(flags.maxRegions) < 1) throw new UsageError(`--max-regions "${flags.maxRegions}": give a positive integer`);
      const loaded = await loadModel(modelPath);
      const { x, from } = await readCenter(flags, loaded);
      const domain = await resolveDomain(loaded, flags, "optional");
      const ball: Ball = { center: x, radius, norm };
      const bar = new ProgressBar("local count", flags.progress && !flags.json);
      let analysis: BallAnalysis;
      try {
        analysis = await aboutModel(modelPath, () => analyzeBall(loaded.network, ball, {
          domain: domain?.box,
          tightening: flags.tightening as "lp" | "interval",
          threshold,
          classBoundary: flags.classBoundary,
          maxRegions: Number(flags.maxRegions),
          onProgress: (p) => bar.update(p.regions, p.fraction, `${formatCount(p.lps)} LPs`),
        }));
      } finally {
        bar.done();
      }
      process.stdout.write(
        flags.json ? JSON.stringify(jsonReport(analysis, modelPath, from, domain)) + "\n" : textReport(analysis, modelPath, from, domain, flags.tightening) + "\n",
      );
    });
}
