import type { Command } from "commander";

/** Placeholder: `tessera count` is being written. */
export function registerCount(program: Command): void {
  program.command("count").description("(not yet available)").action(() => {
    throw new Error("tessera count is not implemented yet");
  });
}
