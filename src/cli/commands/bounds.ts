import type { Command } from "commander";

/** Placeholder: `tessera bounds` is being written. */
export function registerBounds(program: Command): void {
  program.command("bounds").description("(not yet available)").action(() => {
    throw new Error("tessera bounds is not implemented yet");
  });
}
