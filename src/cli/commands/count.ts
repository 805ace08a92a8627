import { availableParallelism } from "node:os";
import { Option, type Command } from "commander";
import { DEFAULT_INTERIOR_THRESHOLD } from "../../count/types.ts";
import { DEFAULT_VERIFY_SAMPLES } from "../../count/verify.ts";
import { loadModel } from "../../io/load.ts";
import { runEngineCount, type CountRunResult } from "../count-runner.ts";
import { describeBox, resolveDomain } from "../domain.ts";
import { UsageError } from "../errors.ts";
import { formatCount } from "../progress.ts";

interface CountFlags {
  box?: string;
  boxFile?: string;
  json?: boolean;
  workers: string;
  regions?: string;
  affine?: boolean;
  checkpoint?: string;
  resume?: string;
  verify?: boolean;
  verifySamples: string;
  threshold: string;
  tightening: string;
  method: string;
  progress: boolean;
  checkpointEvery: string;
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

function parseThreshold(text: string): number {
  const t = Number(text);
  if (!Number.isFinite(t) || t <= 0 || t >= 1) throw new UsageError(`--threshold "${text}": give a number in (0, 1), e.g. 1e-8`);
  return t;
}

function textReport(r: CountRunResult, model: string, domain: string): string {
  const s = r.stableUnits;
  const lines = [
    `model          ${model}`,
    `domain         ${domain}`,
    `method         fast engine (sign-vector search, ${r.workers} worker${r.workers > 1 ? "s" : ""}, ${r.tasks} tasks)`,
    `regions        ${formatCount(r.regions)}${r.complete ? "" : `  (partial: ${r.tasksDone} of ${r.tasks} tasks done)`}`,
    `stable units   ${s.total} (${s.active.reduce((a, b) => a + b, 0)} always active, ${s.inactive.reduce((a, b) => a + b, 0)} always inactive; ${r.tightening} bounds)`,
    `LPs            ${formatCount(r.lps)}  (${formatCount(r.stats.witnessHits)} children accepted by the witness without an LP)`,
    `seconds        ${r.seconds.toFixed(2)}  (${formatCount(Math.round(r.regions / Math.max(r.seconds, 1e-9)))} regions/s)`,
  ];
  if (r.stats.ambiguous || r.stats.lpFailures) {
    lines.push(`exact oracle   ${r.stats.ambiguous} borderline and ${r.stats.lpFailures} failed LPs re-solved by HiGHS`);
  }
  if (r.verify) {
    const v = r.verify;
    lines.push(
      `verify         ${v.ok ? "ok" : `FAILED (${v.problemCount} problems)`}: ${formatCount(v.regions)} interior points checked, ` +
        `${formatCount(v.samples)} random points met ${formatCount(v.distinctSampled)} patterns, all among the regions${v.ok ? "" : " (no)"}`,
    );
    for (const p of v.problems) lines.push(`  ${p}`);
  }
  if (r.checkpointWritten && !r.complete) lines.push(`checkpoint     ${r.checkpointWritten} (continue with --resume ${r.checkpointWritten})`);
  return lines.join("\n");
}

/** `tessera count MODEL`: exact number of linear regions inside the domain. */
export function registerCount(program: Command): void {
  program
    .command("count")
    .description("count every full-dimensional linear region of a model inside an input box, exactly")
    .argument("<model>", "ONNX, TF.js model.json, or Tessera JSON")
    .option("--box <lo,hi>", "input box [lo, hi]^n0 (default: the model's domain or its NAME.expected.json box)")
    .option("--box-file <file>", 'JSON {"lo": number|number[], "hi": number|number[]}')
    .option("--workers <n>", `worker threads (the count is the same for every n; this machine has ${availableParallelism()})`, "1")
    .option("--regions <out.jsonl>", "write one JSON line per region: pattern, interior point, radius of a ball inside it")
    .option("--affine", "with --regions: add each region's affine map {J, c}")
    .option("--checkpoint <file>", "write progress to this file every few seconds and on Ctrl-C / SIGTERM")
    .option("--resume <file>", "continue an interrupted run from its checkpoint (and keep checkpointing there)")
    .addOption(new Option("--checkpoint-every <seconds>", "seconds between checkpoint writes").default("5").hideHelp())
    .option("--verify", "check the partition: interior points have their patterns, random points are covered")
    .option("--verify-samples <n>", "random points for --verify's coverage check", String(DEFAULT_VERIFY_SAMPLES))
    .option("--threshold <t>", "interior-radius threshold: a region needs a point this far from all its hyperplanes", String(DEFAULT_INTERIOR_THRESHOLD))
    .option("--tightening <lp|interval>", "pre-activation bounds used to find stable units", "lp")
    .option("--method <engine>", "counting method", "engine")
    .option("--no-progress", "no progress line on stderr")
    .option("--json", "print one JSON object")
    .action(async (modelPath: string, flags: CountFlags) => {
      const workers = positiveInt(flags.workers, "--workers", 256);
      const threshold = parseThreshold(flags.threshold);
      const verifySamples = positiveInt(flags.verifySamples, "--verify-samples", 100_000_000);
      if (flags.tightening !== "lp" && flags.tightening !== "interval") {
        throw new UsageError(`--tightening "${flags.tightening}": choose lp or interval`);
      }
      if (flags.method !== "engine") throw new UsageError(`--method "${flags.method}": choose engine`);
      if (flags.affine && !flags.regions) throw new UsageError("--affine needs --regions OUT.jsonl");
      if (flags.checkpoint && flags.resume && flags.checkpoint !== flags.resume) {
        throw new UsageError("--resume keeps checkpointing to its own file; do not give a different --checkpoint");
      }
      const loaded = await loadModel(modelPath);
      const { box } = await resolveDomain(loaded, flags);
      const result = await runEngineCount({
        loaded,
        box,
        threshold,
        workers,
        tightening: flags.tightening,
        regionsOut: flags.regions,
        affine: flags.affine,
        checkpoint: flags.checkpoint,
        resume: flags.resume,
        verify: flags.verify,
        verifySamples,
        progress: flags.progress,
        checkpointEverySeconds: positiveNumber(flags.checkpointEvery, "--checkpoint-every"),
      });
      if (flags.json) {
        const s = result.stableUnits;
        process.stdout.write(
          JSON.stringify({
            model: modelPath,
            method: result.method,
            regions: result.regions,
            complete: result.complete,
            stableUnits: s.total,
            stableActive: s.active,
            stableInactive: s.inactive,
            lps: result.lps,
            seconds: Number(result.seconds.toFixed(4)),
            threshold: result.threshold,
            tightening: result.tightening,
            workers: result.workers,
            tasks: result.tasks,
            tasksDone: result.tasksDone,
            witnessHits: result.stats.witnessHits,
            exactOracleLps: result.stats.ambiguous + result.stats.lpFailures,
            ...(result.verify ? { verify: result.verify } : {}),
            ...(result.checkpointWritten ? { checkpoint: result.checkpointWritten } : {}),
          }) + "\n",
        );
      } else {
        process.stdout.write(textReport(result, modelPath, describeBox(box)) + "\n");
      }
      if (result.verify && !result.verify.ok) process.exitCode = 1;
    });
}
