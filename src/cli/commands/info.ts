import type { Command } from "commander";

/** Placeholder: `tessera info` is being written. */
export function registerInfo(program: Command): void {
  program.command("info").description("(not yet available)").action(() => {
    throw new Error("tessera info is not implemented yet");
  });
}
