import type { Command } from "commander";
import { loadModel } from "../../io/load.ts";
import { evaluateChecked, patternToString } from "../../model/evaluate.ts";
import { aboutModel } from "../model-errors.ts";
import { hiddenLayers, unitsOf } from "../../model/network.ts";
import { readInputPoint } from "../input-vector.ts";

/** `tessera eval MODEL --x v1,v2,... | --x-file F [--json]`: the output and the activation pattern at x. */
export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("evaluate a model at one input: output and activation pattern")
    .argument("<model>", "model file: .onnx, TF.js model.json (or its directory), or Tessera JSON")
    .option("--x <values>", "the input, comma-separated numbers (e.g. --x 0.5,-1)")
    .option("--x-file <file>", "read the input from a file: a JSON array or numbers separated by commas/whitespace")
    .option("--json", "print one JSON object {output, pattern}")
    .action(async (path: string, opts: { x?: string; xFile?: string; json?: boolean }) => {
      const { network } = await loadModel(path);
      const x = readInputPoint(opts, network.inputDim, path);
      const { output, pattern } = await aboutModel(path, () => evaluateChecked(network, x));
      const patternText = patternToString(pattern);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ output: Array.from(output), pattern: patternText })}\n`);
        return;
      }
      // The pattern split by layer, for reading.
      const groups: string[] = [];
      let at = 0;
      for (const layer of hiddenLayers(network)) {
        const n = unitsOf(layer);
        if (n > 0) groups.push(patternText.slice(at, at + n));
        at += n;
      }
      const active = [...patternText].filter((c) => c !== "0").length;
      process.stdout.write(
        `output   ${Array.from(output).join(", ")}\n` +
          `pattern  ${groups.join(" ")}  (${pattern.length} hidden units, ${active} nonzero)\n`,
      );
    });
}
