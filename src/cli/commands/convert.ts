import type { Command } from "commander";

/** Placeholder: `tessera convert` is being written. */
export function registerConvert(program: Command): void {
  program.command("convert").description("(not yet available)").action(() => {
    throw new Error("tessera convert is not implemented yet");
  });
}
