import type { Command } from "commander";
import { loadModel, type LoadedModel } from "../../io/load.ts";
import { MODEL_FORMAT_NAMES as FORMAT_NAMES } from "../../io/sniff.ts";
import type { Activation } from "../../model/network.ts";
import { activationName, hiddenLayers, hiddenUnitCount, outputDim, outputWidthOf, parameterCount, unitsOf } from "../../model/network.ts";

/** Readable activation name: `ReLU`, `leaky ReLU (α = 0.01)`, `maxout (rank 3)`, `affine`. */
export function describeActivation(a: Activation): string {
  switch (a.kind) {
    case "relu": return "ReLU";
    case "leaky-relu": return `leaky ReLU (α = ${a.alpha})`;
    case "maxout": return `maxout (rank ${a.rank})`;
    case "identity": return "affine";
    case "per-unit": return activationName(a);
  }
}

/** The summary `tessera info --json` prints. */
export function modelSummary(model: LoadedModel) {
  const net = model.network;
  return {
    path: model.path,
    format: model.format,
    inputDim: net.inputDim,
    outputDim: outputDim(net),
    architecture: [net.inputDim, ...net.layers.map(outputWidthOf)],
    layers: net.layers.map((l) => ({ inDim: l.inDim, outDim: l.outDim, units: unitsOf(l), activation: l.activation })),
    hiddenUnits: hiddenUnitCount(net),
    parameters: parameterCount(net),
    ...(model.domain ? { domain: { lo: Array.from(model.domain.lo), hi: Array.from(model.domain.hi) } } : {}),
    ...(model.onnx ? { onnx: model.onnx, torchParameters: model.onnx.rows.reduce((t, r) => t + r.parameters, 0) } : {}),
  };
}

function describeDomain(lo: number[], hi: number[]): string {
  const uniform = lo.every((v) => v === lo[0]) && hi.every((v) => v === hi[0]);
  return uniform ? `[${lo[0]}, ${hi[0]}]^${lo.length}` : `a box with per-coordinate bounds (${lo.length} coordinates)`;
}

/** The text `tessera info` prints. */
export function formatInfo(model: LoadedModel): string {
  const s = modelSummary(model);
  const net = model.network;
  const hiddenKinds = [...new Set(hiddenLayers(net).map((l) => describeActivation(l.activation)))];
  const rows: [string, string][] = [
    ["model", `${s.path} (${FORMAT_NAMES[s.format]})`],
    ["architecture", s.architecture.join(" → ")],
    ["activation", hiddenKinds.length ? hiddenKinds.join(", ") : "none (a single affine layer)"],
    ["input", String(s.inputDim)],
  ];
  net.layers.forEach((l, i) => {
    const last = i === net.layers.length - 1;
    const width = l.activation.kind === "maxout" ? `${unitsOf(l)} units (${l.outDim} pieces)` : `${l.outDim}`;
    rows.push([`  layer ${i + 1}`, `${l.inDim} → ${width}, ${describeActivation(l.activation)}${last ? " (output)" : ""}`]);
  });
  rows.push(["hidden units", String(s.hiddenUnits)], ["parameters", `${s.parameters.toLocaleString("en-US")}${model.onnx ? " (of the compiled dense layers)" : ""}`]);
  if (s.domain) rows.push(["domain", describeDomain(s.domain.lo, s.domain.hi)]);
  const pad = Math.max(...rows.map(([k]) => k.length)) + 2;
  let text = rows.map(([k, v]) => `${k.padEnd(pad)}${v}`).join("\n") + "\n";
  if (model.onnx) text += formatOnnxTable(model.onnx);
  return text;
}

/** Who wrote the ONNX file and its original operators, with parameters counted as torch counts them. */
function formatOnnxTable(p: NonNullable<LoadedModel["onnx"]>): string {
  const opsets = p.opsets.map((o) => `${o.domain || "ai.onnx"} ${o.version}`).join(", ");
  const lines = [`written by    ${p.producer || "(no producer_name)"}${p.producerVersion ? ` ${p.producerVersion}` : ""}, ONNX IR ${p.irVersion}, opset ${opsets || "(none)"}`];
  const table = [["op", "node", "output", "parameters"], ...p.rows.map((r) => [r.op, r.name, `[${r.shape.join(", ")}]`, r.parameters ? r.parameters.toLocaleString("en-US") : "–"])];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  lines.push("original graph (the compiler's input):");
  for (const row of table) lines.push(`  ${row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ")}`);
  const total = p.rows.reduce((t, r) => t + r.parameters, 0);
  lines.push(`  parameters as torch counts them: ${total.toLocaleString("en-US")}`);
  return lines.join("\n") + "\n";
}

/** `tessera info MODEL [--json]`: input dimension, each layer's width and activation, parameter count. */
export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("show a model's architecture: input dimension, layer widths and activations, parameter count")
    .argument("<model>", "model file: .onnx, TF.js model.json (or its directory), or Tessera JSON")
    .option("--json", "print one JSON object")
    .action(async (path: string, opts: { json?: boolean }) => {
      const model = await loadModel(path);
      process.stdout.write(opts.json ? `${JSON.stringify(modelSummary(model))}\n` : formatInfo(model));
    });
}
