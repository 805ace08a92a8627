import { Command, CommanderError } from "commander";
import { oneLineText } from "../util/one-line.ts";
import { registerInfo } from "./commands/info.ts";
import { registerEval } from "./commands/eval.ts";
import { registerConvert } from "./commands/convert.ts";
import { registerBounds } from "./commands/bounds.ts";
import { registerCount } from "./commands/count.ts";
import { registerWorker } from "./commands/worker.ts";
import { registerMerge } from "./commands/merge.ts";
import { registerBoundary } from "./commands/boundary.ts";
import { registerDraw } from "./commands/draw.ts";
import { registerExplore } from "./commands/explore.ts";
import { registerTrain } from "./commands/train.ts";
import { registerStudy } from "./commands/study.ts";
import { registerLocal } from "./commands/local.ts";
import { registerLocalStudy } from "./commands/local-study.ts";

/** Exit code for bad input: malformed files, wrong dimensions, impossible options. */
export const EXIT_BAD_INPUT = 2;

/** Build the `tessera` command with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command("tessera")
    .description("Bound, count, locate and draw the linear regions of piecewise-linear neural networks")
    .version("0.1.0")
    .showHelpAfterError(false)
    .exitOverride();
  registerInfo(program);
  registerEval(program);
  registerConvert(program);
  registerBounds(program);
  registerCount(program);
  registerWorker(program);
  registerMerge(program);
  registerBoundary(program);
  registerDraw(program);
  registerExplore(program);
  registerTrain(program);
  registerStudy(program);
  registerLocal(program);
  registerLocalStudy(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Run the CLI; every expected failure becomes one line on stderr and exit code 2, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one-line message; help and version exit 0.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    const known = err instanceof Error && ["ModelError", "UsageError", "ZodError", "ScaleError"].includes(err.name);
    process.stderr.write(`tessera: ${oneLineText(known ? message : `internal error: ${message}`)}\n`);
    process.exitCode = known ? EXIT_BAD_INPUT : 1;
  }
}
