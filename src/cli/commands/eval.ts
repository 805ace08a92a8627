import type { Command } from "commander";

/** Placeholder: `tessera eval` is being written. */
export function registerEval(program: Command): void {
  program.command("eval").description("(not yet available)").action(() => {
    throw new Error("tessera eval is not implemented yet");
  });
}
