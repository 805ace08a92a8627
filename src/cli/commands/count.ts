import { availableParallelism } from "node:os";
import { Option, type Command } from "commander";
import { DEFAULT_VERIFY_SAMPLES } from "../../count/verify.ts";
import { loadModel } from "../../io/load.ts";
import { lowerOnBox } from "../../model/lower.ts";
import { runEngineCount } from "../../run/count-runner.ts";
import { unitScaleFor, type CountRunResult } from "../../count/session.ts";
import { runMilpCount, runMipBound } from "../../run/milp-runner.ts";
import type { CountResult } from "../../count/types.ts";
import type { MipBoundResult } from "../../milp/mipbound.ts";
import type { Box } from "../../model/network.ts";
import { describeBox } from "../../bounds/from-network.ts";
import { boxFileOption, boxOption, resolveDomain, thresholdOption } from "../domain.ts";
import { UsageError } from "../../util/errors.ts";
import { DEFAULT_COUNT_METHOD, DEFAULT_TIGHTENING, parseCountMethod, parseThreshold, parseTightening } from "../../count/session.ts";
import { capToCores } from "../threads.ts";
import { formatCount } from "../../util/progress.ts";
import type { LpProfileReport } from "../../lp/profile.ts";
import { verifyLines } from "../verify-lines.ts";
import { checkJobName } from "../../distributed/job-keys.ts";
import { DEFAULT_UNIT_SECONDS } from "../../distributed/job-spec.ts";
import { parseShard, partOf, writePart } from "../../distributed/shards.ts";
import { networkFingerprint } from "../../model/fingerprint.ts";
import type { LoadedModel } from "../../io/load.ts";
import { SkeletonUndecided, skeletonSupport } from "../../skeleton/count.ts";
import { intervalSupport } from "../../skeleton/intervals.ts";
import { runSkeletonCount } from "../../run/skeleton-runner.ts";
import { printIntervalResult, printSkeletonResult } from "../print-skeleton.ts";
import { runIntervalCount } from "../../run/intervals-runner.ts";

interface CountFlags {
  box?: string;
  boxFile?: string;
  json?: boolean;
  workers: string;
  regions?: string;
  affine?: boolean;
  checkpoint?: string;
  /** A checkpoint file, or `true` (bare `--resume`) to take over a queue job. */
  resume?: string | true;
  verify?: boolean;
  verifySamples: string;
  threshold: string;
  tightening: string;
  method: string;
  progress: boolean;
  checkpointEvery: string;
  seed: string;
  trials?: string;
  alpha?: string;
  queue?: string;
  job?: string;
  unitSeconds: string;
  shard?: string;
  out?: string;
  plain?: boolean;
  complex?: string;
  profile?: boolean;
}

function positiveInt(text: string, flag: string, max = 1 << 20): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${flag} "${text}": give an integer from 1 to ${max}`);
  }
  return Number(text);
}

function positiveNumber(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} "${text}": give a positive number`);
  return v;
}

function textReport(r: CountRunResult, model: string, domain: string): string {
  const how = r.execution ?? `${r.workers} worker${r.workers > 1 ? "s" : ""}`;
  const s = r.stableUnits;
  const lines = [
    `model          ${model}`,
    `domain         ${domain}`,
    r.plain
      ? `method         plain engine (sign-vector search without its accelerations, ${how}, ${r.tasks} tasks)`
      : `method         fast engine (sign-vector search, ${how}, ${r.tasks} tasks)`,
    `regions        ${formatCount(r.regions)}${r.complete ? "" : `  (partial: ${r.tasksDone} of ${r.tasks} tasks done)`}`,
    `stable units   ${s.total} (${s.active.reduce((a, b) => a + b, 0)} always active, ${s.inactive.reduce((a, b) => a + b, 0)} always inactive; ${r.tightening} bounds)`,
    `LPs            ${formatCount(r.lps)}  (${formatCount(r.stats.witnessHits)} children accepted by the witness without an LP)`,
    `seconds        ${r.seconds.toFixed(2)}  (${formatCount(Math.round(r.regions / Math.max(r.seconds, 1e-9)))} regions/s; ${r.tighteningSeconds.toFixed(2)} s of it loading HiGHS and tightening bounds)`,
  ];
  if (r.stats.ambiguous || r.stats.lpFailures) {
    lines.push(`exact oracle   ${r.stats.ambiguous} borderline and ${r.stats.lpFailures} failed LPs re-solved by HiGHS`);
  }
  if (r.verify) lines.push(...verifyLines(r.verify));
  if (r.checkpointWritten && !r.complete) lines.push(`checkpoint     ${r.checkpointWritten} (continue with --resume ${r.checkpointWritten})`);
  if (r.resumeHint && !r.complete) lines.push(`resume         ${r.resumeHint}`);
  if (r.profile) lines.push(...profileLines(r.profile, r.regions));
  return lines.join("\n");
}

/** The `--profile` block of the text report: pivots per LP, its histogram, and the time per phase. */
function profileLines(p: LpProfileReport, regions: number): string[] {
  const lines = [
    `LP profile     ${formatCount(p.solves)} dual-simplex LPs, ${formatCount(p.pivots)} pivots: ${p.pivotsPerLp} per LP ` +
      `(optimal ${p.pivotsPerOptimalLp}, empty child ${p.pivotsPerBelowLp}, on a flat ${p.pivotsPerFlatLp} for ${formatCount(p.flatLps)} LPs, ` +
      `one row added to the parent's optimum ${p.pivotsPerChildLp} for ${formatCount(p.childLps)} LPs)`,
    `               per pivot: ${p.flipsPerPivot} bound flips, ${p.candidatesPerPivot} ratio-test candidates; ` +
      `${(100 * p.degenerateShare).toFixed(1)} % dual degenerate, ${(100 * p.stalledShare).toFixed(1)} % leave t unchanged, ${(100 * p.enterStructuralShare).toFixed(1)} % enter an x column, ` +
      `${(100 * p.leaveNewestShare).toFixed(1)} % leave the newest row; ${formatCount(p.refactors)} refactorisations`,
    `certificates   ${formatCount(p.certificateHits)} children proved empty by a kept dual bound, without an LP`,
    `pivots/LP      ${p.histogram.map(([edge, n], b) => `${edge}${b === p.histogram.length - 1 ? "+" : p.histogram[b + 1][0] - edge > 1 ? `-${p.histogram[b + 1][0] - 1}` : ""}: ${formatCount(n)}`).join(", ")}`,
  ];
  if (p.ms) {
    const task = p.ms.task || 1;
    const parts = Object.entries(p.ms).filter(([k]) => k !== "task").map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s (${((100 * v) / task).toFixed(0)} %)`);
    const cpu = p.cpuSeconds === undefined ? "" : `; ${p.cpuSeconds.toFixed(2)} CPU s, ${((1e6 * p.cpuSeconds) / Math.max(regions, 1)).toFixed(0)} CPU µs per region`;
    lines.push(`time           ${(task / 1000).toFixed(2)} s in tasks (all workers), ${((1000 * task) / Math.max(regions, 1)).toFixed(0)} µs per region${cpu}: ${parts.join(", ")}`);
  }
  return lines;
}

/** Print an engine count (local, through the queue, or merged from shards) as `tessera count` does. */
export function printEngineResult(result: CountRunResult, modelPath: string, box: Box, json: boolean): void {
  if (json) {
    const s = result.stableUnits;
    process.stdout.write(
      JSON.stringify({
        model: modelPath,
        method: result.method,
        ...(result.plain ? { plain: true } : {}),
        regions: result.regions,
        complete: result.complete,
        stableUnits: s.total,
        stableActive: s.active,
        stableInactive: s.inactive,
        lps: result.lps,
        seconds: Number(result.seconds.toFixed(4)),
        tighteningSeconds: Number(result.tighteningSeconds.toFixed(4)),
        threshold: result.threshold,
        tightening: result.tightening,
        workers: result.workers,
        tasks: result.tasks,
        tasksDone: result.tasksDone,
        witnessHits: result.stats.witnessHits,
        exactOracleLps: result.stats.ambiguous + result.stats.lpFailures,
        ...(result.execution ? { execution: result.execution } : {}),
        ...("queue" in result ? { queue: result.queue } : {}),
        ...(result.verify ? { verify: result.verify } : {}),
        ...(result.checkpointWritten ? { checkpoint: result.checkpointWritten } : {}),
        ...(result.resumeHint && !result.complete ? { resume: result.resumeHint } : {}),
        ...(result.profile ? { profile: result.profile } : {}),
      }) + "\n",
    );
  } else {
    process.stdout.write(textReport(result, modelPath, describeBox(box)) + "\n");
  }
}

function printMilp(r: CountResult & { checkpointWritten?: string }, model: string, domain: string, json: boolean): void {
  const s = r.stableUnits;
  if (json) {
    process.stdout.write(JSON.stringify({
      model, method: "milp", regions: r.regions, complete: r.complete, stableUnits: s.total, stableActive: s.active,
      stableInactive: s.inactive, lps: r.lps, seconds: Number(r.seconds.toFixed(4)), threshold: r.threshold,
      ...(r.checkpointWritten ? { checkpoint: r.checkpointWritten } : {}),
    }) + "\n");
    return;
  }
  const lines = [
    `model          ${model}`,
    `domain         ${domain}`,
    `method         MILP (Serra, Tjandraatmadja & Ramalingam 2018), every binary assignment with f > ${r.threshold} (the engine's interior rule)`,
    `regions        ${formatCount(r.regions)}${r.complete ? "" : "  (partial: interrupted)"}`,
    `stable units   ${s.total}`,
    `LPs            ${formatCount(r.lps)}  (LP relaxations and MIP solves)`,
    `seconds        ${r.seconds.toFixed(2)}`,
  ];
  if (r.checkpointWritten && !r.complete) lines.push(`checkpoint     ${r.checkpointWritten} (continue with --resume ${r.checkpointWritten})`);
  process.stdout.write(lines.join("\n") + "\n");
}

function printMipBound(r: MipBoundResult, model: string, domain: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({
      model, method: "mipbound", lowerBound: r.lowerBound.toString(), s: r.s, alpha: r.alpha, trials: r.trials,
      confidence: r.confidence, distinctRegionsSeen: r.distinctRegionsSeen, lps: r.lps, seconds: Number(r.seconds.toFixed(4)),
    }) + "\n");
    return;
  }
  process.stdout.write([
    `model          ${model}`,
    `domain         ${domain}`,
    `method         MIPBound (Serra & Ramalingam 2020): random parity constraints on the MILP's binaries`,
    `regions        ≥ ${formatCount(Number(r.lowerBound))} with probability ≥ ${r.confidence.toFixed(6)}  (2^(s−α), s = ${r.s}, α = ${r.alpha}, ${r.trials} trials per s)`,
    `seen           ${formatCount(r.distinctRegionsSeen)} distinct regions met by the trials (a certain lower bound)`,
    `LPs            ${formatCount(r.lps)}`,
    `seconds        ${r.seconds.toFixed(2)}`,
  ].join("\n") + "\n");
}

/** What the queue and shard flags ask for, checked against the other flags. */
function checkDistributedFlags(flags: CountFlags) {
  const unitSeconds = positiveNumber(flags.unitSeconds, "--unit-seconds");
  if (flags.queue || flags.job) {
    if (!flags.queue || !flags.job) throw new UsageError("--queue and --job go together: --queue redis://HOST:PORT/DB --job NAME");
    const clash = [
      flags.method !== "engine" && "--method " + flags.method, flags.workers !== "1" && "--workers (start tessera worker processes instead)",
      flags.regions && "--regions", flags.checkpoint && "--checkpoint (the job lives in Redis)", flags.verify && "--verify",
      flags.shard && "--shard", typeof flags.resume === "string" && "--resume FILE (use a bare --resume)",
      flags.plain && "--plain (queue workers run the full engine)",
    ].find(Boolean);
    if (clash) throw new UsageError(`--queue does not take ${clash}`);
    return { queue: flags.queue, job: checkJobName(flags.job), unitSeconds };
  }
  if (flags.unitSeconds !== String(DEFAULT_UNIT_SECONDS)) throw new UsageError("--unit-seconds needs --queue");
  if (flags.out && !flags.shard) throw new UsageError("--out writes a shard's part: give --shard i/N too");
  if (!flags.shard) return {};
  const shard = parseShard(flags.shard);
  if (!flags.out) throw new UsageError("--shard needs --out PART.json (the part file tessera merge adds up)");
  if (flags.method !== "engine") throw new UsageError(`--shard counts with the engine, not --method ${flags.method}`);
  if (flags.verify) throw new UsageError("--verify checks a whole partition, not a shard: verify a single-run count instead");
  return { shard, out: flags.out };
}

/** `tessera count MODEL`: exact number of linear regions inside the domain. */
export function registerCount(program: Command): void {
  program
    .command("count")
    .description("count every full-dimensional linear region of a model inside an input box, exactly")
    .argument("<model>", "ONNX, TF.js model.json, or Tessera JSON")
    .addOption(boxOption())
    .addOption(boxFileOption())
    .option("--workers <n>", `worker threads (the count is the same for every n; this machine has ${availableParallelism()})`, "1")
    .option("--regions <out.jsonl>", "write one JSON line per region: pattern, interior point, radius of a ball inside it")
    .option("--affine", "with --regions: add each region's affine map {J, c}")
    .option("--checkpoint <file>", "write progress to this file every few seconds and on Ctrl-C / SIGTERM")
    .option("--resume [file]", "continue an interrupted run from its checkpoint (and keep checkpointing there); with --queue and no file: take over the job")
    .addOption(new Option("--checkpoint-every <seconds>", "seconds between checkpoint writes").default("5").hideHelp())
    .option("--verify", "check the partition: interior points have their patterns, random points are covered")
    .option("--verify-samples <n>", "random points for --verify's coverage check", String(DEFAULT_VERIFY_SAMPLES))
    .addOption(thresholdOption())
    .option("--tightening <lp|interval>", "pre-activation bounds used to find stable units", DEFAULT_TIGHTENING)
    .option("--method <auto|engine|skeleton|intervals|milp|mipbound>", "auto: the skeleton for 1 to 4 inputs (exact intervals for 1 input where it cannot), else the engine (and whatever the flags need); engine: fast exact enumeration; skeleton: vertex-edge complex, 1 to 4 inputs, no LPs; intervals: breakpoints along the line, 1 input; milp: Serra et al. 2018's MILP (exact, slow); mipbound: probabilistic lower bound (Serra & Ramalingam 2020)", DEFAULT_COUNT_METHOD)
    .option("--complex <out.json>", "skeleton: write the polyhedral complex (vertices, edges, cells with sign vectors) as JSON")
    .option("--plain", "engine: turn its accelerations off (central certificate, flats, farthest-first, line search, exact 2-D cells); the same count, slower: a cross-check")
    .option("--seed <n>", "mipbound: seed of the random parity constraints", "1")
    .option("--trials <t>", "mipbound: trials per number of parity constraints")
    .option("--alpha <a>", "mipbound: slack α (confidence 1 − 2^(−α·t))")
    .option("--queue <url>", "count on `tessera worker` processes through this Redis: redis://[:PASSWORD@]HOST:PORT/DB or rediss://… (TLS)")
    .option("--job <name>", "with --queue: the job's name (letters, digits, _ and -); --resume takes over the job of that name")
    .option("--unit-seconds <s>", "with --queue: a work unit running longer than this splits into its children", String(DEFAULT_UNIT_SECONDS))
    .option("--shard <i/N>", "count only shard i of N (tasks ≡ i mod N, i from 0) and write it to --out; add the parts with tessera merge")
    .option("--out <part.json>", "with --shard: the part file to write")
    .option("--no-progress", "no progress line on stderr")
    .option("--json", "print one JSON object")
    .option("--profile", "engine: profile the LPs (pivots per LP, time per simplex phase; a little slower) and print it")
    .action(async (modelPath: string, flags: CountFlags) => {
      // auto: the engine wherever a flag needs it (the skeleton runs whole, in one thread, no checkpoints).
      const autoNeedsEngine = engineOnlyFlag(flags);
      if (flags.method === "auto" && autoNeedsEngine) flags.method = "engine";
      if ((flags.method === "skeleton" || flags.method === "intervals") && autoNeedsEngine) throw new UsageError(`--method skeleton does not take ${autoNeedsEngine}`);
      if (flags.complex && flags.method !== "auto" && flags.method !== "skeleton") throw new UsageError("--complex comes from the skeleton: use --method skeleton (or auto)");
      const distributed = checkDistributedFlags(flags);
      if (flags.resume === true && !flags.queue) throw new UsageError("--resume needs a checkpoint file (or --queue URL --job NAME to take over a queue job)");
      const workers = capToCores(positiveInt(flags.workers, "--workers", 256), "--workers");
      const threshold = parseThreshold(flags.threshold);
      const verifySamples = positiveInt(flags.verifySamples, "--verify-samples", 100_000_000);
      const tightening = parseTightening(flags.tightening);
      parseCountMethod(flags.method);
      if ((flags.method === "milp" || flags.method === "mipbound") && (flags.workers !== "1" || flags.verify || flags.affine)) {
        throw new UsageError(`--method ${flags.method} runs in one thread and does not take --workers, --verify or --affine`);
      }
      if (flags.plain && flags.method !== "engine" && flags.method !== "auto") throw new UsageError(`--plain is the engine's plain search, not --method ${flags.method}`);
      if (flags.method === "mipbound" && (flags.regions || flags.checkpoint || flags.resume)) {
        throw new UsageError("--method mipbound gives a bound, not regions: it takes no --regions, --checkpoint or --resume");
      }
      if (flags.affine && !flags.regions) throw new UsageError("--affine needs --regions OUT.jsonl");
      if (flags.checkpoint && flags.resume && flags.checkpoint !== flags.resume) {
        throw new UsageError("--resume keeps checkpointing to its own file; do not give a different --checkpoint");
      }
      if (flags.profile && (flags.method !== "engine" || flags.queue)) {
        throw new UsageError("--profile profiles the engine's LPs: use it with --method engine (or auto), without --queue");
      }
      const original = await loadModel(modelPath);
      const { box } = await resolveDomain(original, flags);
      // Per-unit layers (residual blocks, PReLU per channel) become ReLU layers equal on the box (src/model/lower.ts).
      const loaded = { ...original, network: lowerOnBox(original.network, box).network };
      if (distributed.queue) {
        // Loaded only here: BullMQ and ioredis add ~0.3 s to every other command's start.
        const { runQueueCount } = await import("../../distributed/run-queue-count.ts");
        try {
          const result = await runQueueCount({
            url: distributed.queue, job: distributed.job, resume: flags.resume === true, loaded, box, threshold,
            tightening, unitSeconds: distributed.unitSeconds, progress: flags.progress,
          });
          printEngineResult(result, modelPath, box, flags.json ?? false);
        } catch (err) {
          if (!(err instanceof Error && err.name === "JobFailedError")) throw err;
          process.stderr.write(`tessera: ${err.message}\n`);
          process.exitCode = 1;
        }
        return;
      }
      const resume = typeof flags.resume === "string" ? flags.resume : undefined;
      if (flags.method === "milp") {
        const r = await runMilpCount({ loaded, box, threshold, tightening, regionsOut: flags.regions, checkpoint: flags.checkpoint, resume, progress: flags.progress });
        printMilp(r, modelPath, describeBox(box), flags.json ?? false);
        return;
      }
      if (flags.method === "mipbound") {
        const seed = positiveInt(flags.seed, "--seed", 2 ** 31);
        const trials = flags.trials === undefined ? undefined : positiveInt(flags.trials, "--trials", 1000);
        const alpha = flags.alpha === undefined ? undefined : positiveNumber(flags.alpha, "--alpha");
        const r = await runMipBound({ loaded, box, threshold, tightening, seed, trials, alpha });
        printMipBound(r, modelPath, describeBox(box), flags.json ?? false);
        return;
      }
      let autoNote: string | undefined;
      if (flags.method === "auto" || flags.method === "skeleton" || flags.method === "intervals") {
        const counted = countBySkeleton(flags, loaded, box, threshold, verifySamples, modelPath);
        if (typeof counted !== "string") return;
        autoNote = counted;
      }
      const result = await runEngineCount({
        loaded,
        box,
        threshold,
        workers,
        tightening,
        regionsOut: flags.regions,
        affine: flags.affine,
        checkpoint: flags.checkpoint,
        resume,
        verify: flags.verify,
        verifySamples,
        progress: flags.progress,
        checkpointEverySeconds: positiveNumber(flags.checkpointEvery, "--checkpoint-every"),
        shard: distributed.shard,
        plain: flags.plain,
        profile: flags.profile,
      });
      if (distributed.shard && distributed.out) {
        if (result.complete) {
          writePart(distributed.out, partOf(modelPath, networkFingerprint(loaded.network), box, distributed.shard, result));
        } else {
          process.stderr.write(`tessera: shard ${flags.shard} interrupted: ${distributed.out} not written\n`);
        }
      }
      printEngineResult(result, modelPath, box, flags.json ?? false);
      if (autoNote && !flags.json) process.stdout.write(`auto           ${autoNote}\n`);
      if (result.verify && !result.verify.ok) process.exitCode = 1;
    });
}

/** The first flag only the engine takes (auto then means the engine), or undefined. */
function engineOnlyFlag(flags: CountFlags): string | undefined {
  return [
    flags.workers !== "1" && "--workers", flags.checkpoint && "--checkpoint", flags.resume && "--resume", flags.queue && "--queue",
    flags.shard && "--shard", flags.plain && "--plain", flags.tightening !== DEFAULT_TIGHTENING && "--tightening", flags.profile && "--profile",
  ].find((f): f is string => typeof f === "string");
}

/**
 * `--method skeleton` or `auto`: count with the skeleton and print it (returns undefined), or return why auto falls
 * back to the engine (a forced skeleton that cannot count is an error instead).
 */
function countBySkeleton(flags: CountFlags, loaded: LoadedModel, box: Box, threshold: number, verifySamples: number, modelPath: string): string | undefined {
  if (flags.method === "intervals") return countByIntervals(flags, loaded, box, threshold, verifySamples, modelPath);
  // 1 input, auto: the skeleton where it can count (it measures faster than intervals: bench/lowdim.ts), else
  // intervals (any maxout rank, any box), else the engine.
  const oneInput = flags.method === "auto" && !flags.complex && loaded.network.inputDim === 1;
  const byIntervals = () => countByIntervals(flags, loaded, box, threshold, verifySamples, modelPath);
  const forced = flags.method === "skeleton" || flags.complex !== undefined;
  const why = skeletonSupport(loaded.network);
  if (why) {
    if (oneInput) return byIntervals();
    if (forced) throw new UsageError(`${modelPath}: ${why}; use --method engine`);
    return `engine chosen: ${why}`;
  }
  // The engine's scale rules hold here too: a box or weights no rescaling brings into range are refused in one line
  // (unitScaleFor). The skeleton runs on the unit-scale network (units rescaled by exact powers of two: the same
  // function, patterns and regions), but only where the inputs need no change, so that points and maps stay the
  // model's own; a box far from unit scale (wide, tiny or far from the origin) goes to the engine, which rescales it.
  const problem = unitScaleFor(loaded, box, threshold);
  if (!problem.inputs.identity) {
    if (oneInput) return byIntervals();
    const scale = "the box is far from unit scale (the engine rescales its inputs; the skeleton does not)";
    if (forced) throw new UsageError(`${modelPath}: ${scale}; use --method engine`);
    return `engine chosen: ${scale}`;
  }
  try {
    const r = runSkeletonCount({ loaded: { ...loaded, network: problem.net }, box, threshold: problem.threshold, regionsOut: flags.regions, affine: flags.affine, verify: flags.verify, verifySamples, complexOut: flags.complex });
    printSkeletonResult(r, modelPath, box, flags.json ?? false, flags.method === "auto" ? "auto" : undefined);
    if (r.verify && !r.verify.ok) process.exitCode = 1;
    return undefined;
  } catch (err) {
    if (!(err instanceof SkeletonUndecided)) throw err;
    if (oneInput) return byIntervals();
    if (forced) throw new UsageError(`${modelPath}: the skeleton cannot certify this count (${err.message}); use --method engine`);
    return `engine chosen: the skeleton could not certify the count (${err.message})`;
  }
}

/** 1 input (auto, or `--method intervals`): count by breakpoints and print it (undefined), or say why not. */
function countByIntervals(flags: CountFlags, loaded: LoadedModel, box: Box, threshold: number, verifySamples: number, modelPath: string): string | undefined {
  const forced = flags.method === "intervals";
  if (flags.complex) throw new UsageError("--complex comes from the skeleton: use --method skeleton (or auto)");
  const why = intervalSupport(loaded.network);
  if (why) {
    if (forced) throw new UsageError(`${modelPath}: ${why}; use --method engine`);
    return `engine chosen: ${why}`;
  }
  unitScaleFor(loaded, box, threshold); // weights or a box no rescaling brings into range: one line, as the engine says
  try {
    const r = runIntervalCount({ loaded, box, threshold, regionsOut: flags.regions, affine: flags.affine, verify: flags.verify, verifySamples });
    printIntervalResult(r, modelPath, box, flags.json ?? false, flags.method === "auto" ? "auto" : undefined);
    if (r.verify && !r.verify.ok) process.exitCode = 1;
    return undefined;
  } catch (err) {
    if (!(err instanceof SkeletonUndecided)) throw err;
    if (forced) throw new UsageError(`${modelPath}: intervals cannot certify this count (${err.message}); use --method engine`);
    return `engine chosen: intervals could not certify the count (${err.message})`;
  }
}
