import type { Command } from "commander";
import { describeBox } from "../../bounds/from-network.ts";
import { checkBoundaryContinuity, classBoundary, type ClassBoundary, type ContinuityReport } from "../../geometry/class-boundary.ts";
import type { PlanarPartition } from "../../geometry/partition.ts";
import { planarPartitionFast } from "../../skeleton/partition.ts";
import { aboutModel } from "../model-errors.ts";
import { normaliseClassifier, unitScaleChange, unitThreshold } from "../../model/normalise.ts";
import {
  boxBelowClipResolution,
  clipToBox,
  rectDomain,
  sliceNetwork,
  sliceThrough,
  throughRect,
  type PlaneDomain,
  type PlaneRect,
  type Slice,
} from "../../geometry/slice.ts";
import { verifyPartition, type PartitionReport } from "../../geometry/verify.ts";
import { loadModel } from "../../io/load.ts";
import { lowerOnBox } from "../../model/lower.ts";
import { hasPerUnitLayers } from "../../model/network.ts";
import type { Box, Network } from "../../model/network.ts";
import { boxFileOption, boxOption, resolveDomain, thresholdOption } from "../domain.ts";
import { UsageError } from "../../util/errors.ts";
import { thresholdOrDefault } from "../../count/session.ts";
import { readInputPoint } from "../input-vector.ts";
import { formatCount } from "../../util/progress.ts";
import { ProgressBar } from "../../run/progress-bar.ts";
import { runMeshBoundary } from "../mesh-boundary.ts";

/** Flags shared by `tessera draw` and `tessera boundary` that choose the plane and its domain. */
export interface PlaneFlags {
  slice?: string;
  through?: string;
  range?: string;
  box?: string;
  boxFile?: string;
  /** False with `--no-clip`. */
  clip: boolean;
  progress: boolean;
  /** `--threshold` as typed (default: the count spec's, src/count/session.ts). */
  threshold?: string;
}

/** A plane ready to partition: the 2-input network of (u, v), its rectangle and its (possibly clipped) domain. */
export interface ResolvedPlane {
  /** The model as loaded. */
  model: Network;
  /** The 2-input network of (u, v): the model itself, or its slice. */
  network: Network;
  kind: "inputs" | "slice" | "through";
  rect: PlaneRect;
  domain: PlaneDomain;
  /** True when the rectangle was cut down to the part whose points lie in the model's input box. */
  clipped: boolean;
  slice?: Slice;
  /** For --through: the three inputs at (0,0), (1,0), (0,1), labelled by their file names. */
  markers?: [number, number, string][];
  /** One line for text output. */
  description: string;
}

/** Add the model argument and the plane flags to a command. */
export function addPlaneOptions(cmd: Command): Command {
  return cmd
    .argument("<model>", "ONNX, TF.js model.json, or Tessera JSON")
    .option("--slice <o,a,b>", "the plane x = o + u·a + v·b: three vector files (JSON arrays of the model's input size)")
    .option("--through <x1,x2,x3>", "the plane through three inputs (files), at (u,v) = (0,0), (1,0), (0,1)")
    .option("--range <umin,umax,vmin,vmax>", "rectangle of plane coordinates (default: the model's box for 2 inputs; around the three inputs for --through)")
    .addOption(boxOption())
    .addOption(boxFileOption())
    .option("--no-clip", "keep the whole rectangle instead of only the points inside the input box")
    .addOption(thresholdOption())
    .option("--no-progress", "no progress line on stderr");
}

/** Parse `--range umin,umax,vmin,vmax`. */
export function parseRange(text: string): PlaneRect {
  const parts = text.split(",").map((t) => t.trim());
  const v = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === "") || v.some((x) => !Number.isFinite(x))) {
    throw new UsageError(`--range "${text}": give four finite numbers umin,umax,vmin,vmax (e.g. --range -1,1,-1,1)`);
  }
  if (!(v[0] < v[1]) || !(v[2] < v[3])) throw new UsageError(`--range "${text}": needs umin < umax and vmin < vmax`);
  return { umin: v[0], umax: v[1], vmin: v[2], vmax: v[3] };
}

/** Split `A,B,C` into three file names. */
function threeFiles(text: string, flag: string): [string, string, string] {
  const parts = text.split(",").map((t) => t.trim());
  if (parts.length !== 3 || parts.some((p) => p === "")) throw new UsageError(`${flag} "${text}": give three files separated by commas`);
  return parts as [string, string, string];
}

/** The model's input box for clipping, or undefined when none is known and none was given. */
async function boxFor(loaded: Awaited<ReturnType<typeof loadModel>>, flags: PlaneFlags): Promise<{ box: Box; from: string } | undefined> {
  return resolveDomain(loaded, { box: flags.box, boxFile: flags.boxFile }, "optional");
}

/**
 * Resolve the plane of a `draw`/`boundary` call: the 2-input network (the model itself, or its slice), the rectangle
 * (from --range, the model's box, or around the three --through inputs) and the domain (the rectangle, cut down to
 * the input box unless --no-clip). Bad flags and files throw one-line UsageErrors.
 */
export async function resolvePlane(path: string, flags: PlaneFlags): Promise<ResolvedPlane> {
  const loaded = await loadModel(path);
  const net = loaded.network, n0 = net.inputDim;
  if (flags.slice !== undefined && flags.through !== undefined) throw new UsageError("give either --slice or --through, not both");
  const range = flags.range !== undefined ? parseRange(flags.range) : undefined;
  const known = await boxFor(loaded, flags);

  let kind: ResolvedPlane["kind"] = "inputs", slice: Slice | undefined, rect: PlaneRect, what: string;
  let markers: [number, number, string][] | undefined;
  if (flags.slice !== undefined) {
    const [o, a, b] = threeFiles(flags.slice, "--slice");
    slice = { origin: readInputPoint({ xFile: o }, n0, path), a: readInputPoint({ xFile: a }, n0, path), b: readInputPoint({ xFile: b }, n0, path) };
    if (!range) throw new UsageError("--slice needs --range umin,umax,vmin,vmax (plane coordinates to draw)");
    kind = "slice";
    rect = range;
    what = `x = o + u·a + v·b (o = ${o}, a = ${a}, b = ${b})`;
  } else if (flags.through !== undefined) {
    const files = threeFiles(flags.through, "--through");
    const [x1, x2, x3] = files.map((f) => readInputPoint({ xFile: f }, n0, path));
    slice = sliceThrough(x1, x2, x3);
    kind = "through";
    rect = range ?? throughRect();
    markers = files.map((f, i): [number, number, string] => {
      const base = f.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, "");
      return [i === 1 ? 1 : 0, i === 2 ? 1 : 0, base.length > 0 && base.length <= 16 ? base : `x${i + 1}`];
    });
    what = `through ${files.join(", ")} at (0,0), (1,0), (0,1)`;
  } else {
    if (n0 !== 2) throw new UsageError(`${path} takes ${n0} inputs: choose a plane with --slice o,a,b or --through x1,x2,x3`);
    if (!range && !known) throw new UsageError(`${path}: no input domain in the model; give --range umin,umax,vmin,vmax or --box lo,hi`);
    rect = range ?? { umin: known!.box.lo[0], umax: known!.box.hi[0], vmin: known!.box.lo[1], vmax: known!.box.hi[1] };
    what = "the model's two inputs (u, v) = (x1, x2)";
  }
  let network: Network;
  try {
    network = slice ? sliceNetwork(net, slice) : net;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const identity: Slice = { origin: new Float64Array(2), a: Float64Array.of(1, 0), b: Float64Array.of(0, 1) };
  let domain = rectDomain(rect), clipped = false;
  if (flags.clip && known) {
    const cut = clipToBox(rect, slice ?? identity, known.box);
    if (!cut) {
      const plane = slice ?? identity;
      if (boxBelowClipResolution(rect, plane, known.box)) {
        throw new UsageError(`the input box ${describeBox(known.box)} is too small to resolve inside a rectangle this large (the clip resolves 1e-12 of its diameter); narrow --range or pass --no-clip`);
      }
      throw new UsageError(`the plane does not meet the input box ${describeBox(known.box)} inside the rectangle; change --range or pass --no-clip`);
    }
    domain = cut;
    clipped = cut.labels.length !== 4 || cut.poly.some((v, i) => v !== rectDomain(rect).poly[i]);
  }
  // Per-unit layers (residual blocks, PReLU per channel) become ReLU layers equal on the domain (src/model/lower.ts).
  if (hasPerUnitLayers(network)) {
    const lo = Float64Array.of(Infinity, Infinity), hi = Float64Array.of(-Infinity, -Infinity);
    for (let i = 0; i < domain.poly.length; i++) {
      lo[i % 2] = Math.min(lo[i % 2], domain.poly[i]);
      hi[i % 2] = Math.max(hi[i % 2], domain.poly[i]);
    }
    network = lowerOnBox(network, { lo, hi }).network;
  }
  const fmt = (v: number) => String(Number(v.toPrecision(6)));
  const description =
    `${what}; (u, v) in [${fmt(rect.umin)}, ${fmt(rect.umax)}] × [${fmt(rect.vmin)}, ${fmt(rect.vmax)}]` +
    (clipped ? `, clipped to the input box ${describeBox(known!.box)}` : known || !flags.clip ? "" : " (no input box known: not clipped)");
  // Units and outputs at unit scale (powers of two): the same regions and classes, tolerances that judge geometry.
  network = await aboutModel(path, () => normaliseClassifier(network));
  return { model: net, network, kind, rect, domain, clipped, slice, markers, description };
}

/** Resolve the plane and partition it, with a progress line per layer on stderr. */
export async function partitionPlane(path: string, flags: PlaneFlags): Promise<{ plane: ResolvedPlane; partition: PlanarPartition; seconds: number }> {
  const threshold = thresholdOrDefault(flags.threshold);
  const plane = await resolvePlane(path, flags);
  // The counters' rule for the threshold (unitThreshold): a plane region too large for it is refused in one line, not
  // partitioned with regions lost to round-off (±1e300 gave 18 of the arrangement's 40 regions).
  const lo = Float64Array.of(Infinity, Infinity), hi = Float64Array.of(-Infinity, -Infinity);
  plane.domain.poly.forEach((v, i) => {
    lo[i % 2] = Math.min(lo[i % 2], v);
    hi[i % 2] = Math.max(hi[i % 2], v);
  });
  await aboutModel(path, () => unitThreshold(threshold, unitScaleChange({ lo, hi })));
  const bar = new ProgressBar("partition", flags.progress);
  const t0 = performance.now();
  const partition = await aboutModel(path, () => planarPartitionFast(plane.network, plane.domain, {
    threshold,
    onLayer: (layer, layers, pieces) => bar.update(pieces, layer / layers, `layer ${layer} of ${layers}`),
  }));
  bar.done();
  return { plane, partition, seconds: (performance.now() - t0) / 1000 };
}


/** What `--verify` found: the partition verifier and the boundary's continuity check. */
export interface PlaneVerification {
  ok: boolean;
  partition: PartitionReport;
  continuity: ContinuityReport;
}

/** Run both checks of `--verify`. */
export function verifyPlane(plane: ResolvedPlane, partition: PlanarPartition, boundary: ClassBoundary): PlaneVerification {
  const p = verifyPartition(plane.network, partition);
  const c = checkBoundaryContinuity(partition, boundary);
  return { ok: p.ok && c.ok, partition: p, continuity: c };
}

/** Lines describing a verification, for text output. */
export function verificationLines(v: PlaneVerification): string[] {
  const p = v.partition, c = v.continuity;
  const lines = [
    `verify     partition ${p.ok ? "ok" : `FAILED (${p.problemCount} problems)`}: areas add up to the domain's (relative error ` +
      `${p.relativeAreaError.toExponential(1)}), ${formatCount(p.regions)} interior points have their pattern, ` +
      `${formatCount(p.edges)} unit edges shared exactly`,
    `           boundary ${c.ok ? "ok" : `FAILED (${c.problemCount} problems)`}: ${formatCount(c.endpoints)} piece ends, ` +
      `${formatCount(c.metAcrossEdges)} met across region edges, ${c.junctions} at junctions, ${c.onDomainBoundary} on the domain's edge`,
  ];
  for (const line of [...p.problems, ...c.problems]) lines.push(`  ${line}`);
  return lines;
}

/** "1 polyline", "3 polylines" (`many` for irregular plurals). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/** Count of polylines that close on themselves. */
export function closedCount(b: ClassBoundary): number {
  return b.polylines.filter((l) => l.closed).length;
}

/** Distinct classes predicted somewhere in the domain. */
export function classesPresent(b: ClassBoundary): number {
  return new Set(b.cells.map((c) => c.cls)).size;
}

/**
 * `tessera boundary MODEL [--slice …|--through …] [--range …] [--json] [--verify]`: regions of a plane, class
 * boundary pieces and polylines.
 */
export function registerBoundary(program: Command): void {
  const cmd = program
    .command("boundary")
    .description("linear regions and class boundary of a model on a plane: regions, boundary pieces, polylines");
  addPlaneOptions(cmd)
    .option("--json", "print one JSON object (regions, boundaryPieces, polylines, rectangle, seconds, …)")
    .option("--verify", "check the partition (areas, patterns, shared edges) and the boundary's continuity")
    .option("--mesh <out.obj|out.ply>", "3-input model: write the class-boundary surface as a triangle mesh (OBJ or PLY)")
    .option("--picture <out.svg|out.png>", "3-input model: draw the surface in its box")
    .action(async (path: string, flags: PlaneFlags & { json?: boolean; verify?: boolean; mesh?: string; picture?: string }) => {
      // A 3-input model without a plane: the boundary is a surface in the box (src/cli/mesh-boundary.ts).
      if (await runMeshBoundary(path, flags)) return;
      const { plane, partition, seconds } = await partitionPlane(path, flags);
      const t0 = performance.now();
      const boundary = classBoundary(partition);
      const totalSeconds = seconds + (performance.now() - t0) / 1000;
      const v = flags.verify ? verifyPlane(plane, partition, boundary) : undefined;
      if (flags.json) {
        process.stdout.write(
          JSON.stringify({
            model: path,
            plane: plane.kind,
            rectangle: plane.rect,
            domain: { clipped: plane.clipped, vertices: plane.domain.labels.length, area: partition.domainArea },
            regions: partition.regions.length,
            slivers: partition.slivers.length,
            threshold: partition.threshold,
            classes: boundary.classes,
            classesPresent: classesPresent(boundary),
            boundaryPieces: boundary.pieces.count,
            polylines: boundary.polylines.length,
            closedPolylines: closedCount(boundary),
            seconds: Number(totalSeconds.toFixed(4)),
            ...(v ? { verify: { ok: v.ok, partition: v.partition, continuity: v.continuity } } : {}),
          }) + "\n",
        );
      } else {
        const lines = [
          `model      ${path}`,
          `plane      ${plane.description}`,
          `regions    ${formatCount(partition.regions.length)}${partition.slivers.length ? ` (+ ${partition.slivers.length} slivers thinner than ${partition.threshold})` : ""}`,
          `boundary   ${plural(boundary.pieces.count, "piece")} in ${plural(boundary.polylines.length, "polyline")} (${closedCount(boundary)} closed); ` +
            `${classesPresent(boundary)} of ${boundary.classes} classes present`,
          `seconds    ${totalSeconds.toFixed(3)}`,
        ];
        if (v) lines.push(...verificationLines(v));
        process.stdout.write(lines.join("\n") + "\n");
      }
      if (v && !v.ok) process.exitCode = 1;
    });
}
