import type { Command } from "commander";
import { mergeParts, readPart } from "../../distributed/shards.ts";
import { printEngineResult } from "./count.ts";

/** `tessera merge part-*.json`: add up the parts of a sharded count into the report of one run. */
export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description("add up the part files of a sharded count (tessera count --shard i/N --out part-i.json)")
    .argument("<parts...>", "every part file of the count, once each")
    .option("--json", "print one JSON object")
    .action((paths: string[], flags: { json?: boolean }) => {
      const { model, box, result } = mergeParts(paths, paths.map(readPart));
      printEngineResult(result, model, box, flags.json ?? false);
    });
}
