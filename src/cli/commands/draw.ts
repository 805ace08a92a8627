import type { Command } from "commander";
import { Option } from "commander";
import { classBoundary } from "../../geometry/class-boundary.ts";
import { writePicture } from "../../io/png.ts";
import { renderPartitionSvg, type PartitionColouring } from "../../render/partition-svg.ts";
import { activationName, hiddenLayers, hiddenWidths, outputDim, type Network } from "../../model/network.ts";
import { UsageError } from "../../util/errors.ts";
import { addPlaneOptions, classesPresent, closedCount, partitionPlane, plural, verificationLines, verifyPlane, type PlaneFlags } from "./boundary.ts";

/** "784-10-12-10 relu": layer widths and the hidden activations (each kind once, in order). */
function architecture(net: Network): string {
  const hidden = hiddenLayers(net);
  const kinds = [...new Set(hidden.map((l) => activationName(l.activation)))];
  const act = kinds.length ? ` ${kinds.join(", ")}` : "";
  return `${[net.inputDim, ...hiddenWidths(net), outputDim(net)].join("-")}${act}`;
}

/** Parse `--size WxH` (pixels of the SVG's view; PNGs are rendered at that size). */
export function parseSize(text: string): { width: number; height: number } {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/i.exec(text);
  const w = m ? Number(m[1]) : NaN, h = m ? Number(m[2]) : NaN;
  if (!m || w < 400 || h < 300 || w > 8000 || h > 8000) {
    throw new UsageError(`--size "${text}": give WIDTHxHEIGHT in pixels, width 400 to 8000 and height 300 to 8000 (e.g. --size 900x760)`);
  }
  return { width: w, height: h };
}

/** Check `--out` (an .svg or .png name) and `--size` before any work; returns the output path and the size. */
export function checkDrawFlags(flags: { out?: string; size: string }): { out: string; size: { width: number; height: number } } {
  if (!flags.out) throw new UsageError("give the picture to write with --out FILE.svg or --out FILE.png");
  if (!/\.(svg|png)$/i.test(flags.out)) throw new UsageError(`--out "${flags.out}": the file must end in .svg or .png`);
  return { out: flags.out, size: parseSize(flags.size) };
}

interface DrawFlags extends PlaneFlags {
  out?: string;
  colour: string;
  hyperplanes?: boolean;
  boundary?: boolean;
  size: string;
  verify?: boolean;
  title?: string;
}

/**
 * `tessera draw MODEL --out FILE.svg|FILE.png [plane flags] [--colour class|pattern] [--hyperplanes] [--boundary]
 * [--size WxH] [--verify]`: a picture of the exact partition of a plane.
 */
export function registerDraw(program: Command): void {
  const cmd = program.command("draw").description("draw the exact linear regions (and class boundary) of a model on a plane, as SVG or PNG");
  addPlaneOptions(cmd)
    .option("--out <file>", "picture to write: FILE.svg or FILE.png")
    .addOption(new Option("--colour <by>", "fill regions by predicted class or by a colour per activation pattern").choices(["class", "pattern"]).default("class"))
    .option("--hyperplanes", "draw the first hidden layer's hyperplanes, dashed")
    .option("--boundary", "draw the class boundary, thick")
    .option("--size <WxH>", "picture size in pixels", "900x760")
    .option("--title <text>", "title above the picture (default: the model's file name)")
    .option("--verify", "check the partition and the boundary's continuity before drawing")
    .action(async (path: string, flags: DrawFlags) => {
      const { out, size } = checkDrawFlags(flags);
      const { plane, partition, seconds } = await partitionPlane(path, flags);
      const boundary = classBoundary(partition);
      const v = flags.verify ? verifyPlane(plane, partition, boundary) : undefined;
      const svg = renderPartitionSvg(partition, {
        network: plane.network,
        boundary,
        rect: plane.rect,
        colouring: flags.colour as PartitionColouring,
        showBoundary: Boolean(flags.boundary),
        hyperplanes: Boolean(flags.hyperplanes),
        width: size.width,
        height: size.height,
        title: flags.title ?? path.split(/[\\/]/).pop(),
        subtitle: `${architecture(plane.model)}${plane.kind === "inputs" ? "" : plane.kind === "through" ? " · plane through three inputs" : " · slice x = o + u·a + v·b"}${plane.clipped ? ", inside the input box" : ""}`,
        axisLabels: plane.kind === "inputs" ? ["x1", "x2"] : ["u", "v"],
        markers: plane.markers,
      });
      try {
        writePicture(out, svg);
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new UsageError(`${out}: cannot write the picture (${code ?? (err instanceof Error ? err.message : String(err))})`);
      }
      const lines = [
        `wrote ${out}: ${plural(partition.regions.length, "region")}, ${plural(boundary.pieces.count, "boundary piece")} in ` +
          `${plural(boundary.polylines.length, "polyline")} (${closedCount(boundary)} closed), ${plural(classesPresent(boundary), "class", "classes")}; ` +
          `partition ${seconds.toFixed(3)} s`,
      ];
      if (v) lines.push(...verificationLines(v));
      process.stdout.write(lines.join("\n") + "\n");
      if (v && !v.ok) process.exitCode = 1;
    });
}
