import type { Command } from "commander";
import { loadModel, saveModel, saveTfjs } from "../../io/load.ts";
import { UsageError } from "../../util/errors.ts";

/** `tessera convert MODEL --to json|tfjs --out PATH`: write a model as Tessera JSON or as a TF.js LayersModel. */
export function registerConvert(program: Command): void {
  program
    .command("convert")
    .description("convert a model to Tessera JSON or a TF.js LayersModel")
    .argument("<model>", "model file: .onnx, TF.js model.json (or its directory), or Tessera JSON")
    .requiredOption("--to <format>", "json (Tessera JSON) or tfjs (model.json + weights)")
    .requiredOption("--out <path>", "output file (json), or model.json path / directory (tfjs)")
    .action(async (path: string, opts: { to: string; out: string }) => {
      const model = await loadModel(path);
      if (opts.to === "json") {
        await saveModel(model.network, opts.out, model.domain);
        process.stdout.write(`wrote ${opts.out} (Tessera JSON)\n`);
      } else if (opts.to === "tfjs") {
        const saved = await saveTfjs(model.network, opts.out);
        const note = saved.roundedValues > 0 ? `; ${saved.roundedValues} values rounded to float32` : "";
        process.stdout.write(`wrote ${saved.modelJsonPath} and ${saved.weightsPath} (TF.js LayersModel${note})\n`);
      } else {
        throw new UsageError(`--to must be json or tfjs, got "${opts.to}"`);
      }
    });
}
