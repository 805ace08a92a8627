/**
 * `tessera boundary MODEL` on a 3-input model (no --slice/--through): the class-boundary surface in the input box as
 * a triangle mesh (src/skeleton/mesh.ts), written with `--mesh OUT.obj|OUT.ply`, drawn with `--picture OUT.svg|png`,
 * checked with `--verify`.
 */
import { writeFileSync } from "node:fs";
import { describeBox } from "../bounds/from-network.ts";
import { loadModel } from "../io/load.ts";
import { meshFormatOf, meshToObj, meshToPly } from "../io/mesh-writers.ts";
import { writePicture } from "../io/png.ts";
import { lowerOnBox } from "../model/lower.ts";
import { renderMeshSvg } from "../render/mesh-svg.ts";
import { SkeletonUndecided, SkeletonUnsupported, skeletonSupport } from "../skeleton/complex.ts";
import { classBoundaryMesh, meshSupport, verifyBoundaryMesh, type MeshReport } from "../skeleton/mesh.ts";
import { unitScaleFor } from "../count/session.ts";
import { resolveDomain } from "./domain.ts";
import { UsageError } from "../util/errors.ts";
import { formatCount } from "../util/progress.ts";

/** The flags of `tessera boundary` the 3-D surface reads. */
export interface MeshBoundaryFlags {
  slice?: string;
  through?: string;
  range?: string;
  box?: string;
  boxFile?: string;
  mesh?: string;
  picture?: string;
  json?: boolean;
  verify?: boolean;
  threshold?: string;
}

/**
 * Handle `boundary` for a 3-input model without a plane: returns false (nothing done) when the call is the planar
 * one. Bad flags and models are refused in one line.
 */
export async function runMeshBoundary(path: string, flags: MeshBoundaryFlags): Promise<boolean> {
  const wants = flags.mesh !== undefined || flags.picture !== undefined;
  if (flags.slice !== undefined || flags.through !== undefined) {
    if (wants) throw new UsageError("--mesh and --picture draw the 3-D surface of a 3-input model: drop --slice/--through");
    return false;
  }
  const format = flags.mesh === undefined ? undefined : meshFormatOf(flags.mesh);
  if (flags.mesh !== undefined && !format) throw new UsageError(`--mesh "${flags.mesh}": the file must end in .obj or .ply`);
  if (flags.picture !== undefined && !/\.(svg|png)$/i.test(flags.picture)) throw new UsageError(`--picture "${flags.picture}": the file must end in .svg or .png`);
  const loaded = await loadModel(path);
  const net0 = loaded.network;
  if (net0.inputDim !== 3) {
    if (wants) throw new UsageError(`${path} takes ${net0.inputDim} inputs: --mesh and --picture need a 3-input model`);
    return false;
  }
  if (flags.range !== undefined) throw new UsageError("--range chooses a rectangle of a plane; the 3-D surface fills the input box (--box)");
  const { box } = await resolveDomain(loaded, { box: flags.box, boxFile: flags.boxFile });
  const lowered = { ...loaded, network: lowerOnBox(net0, box).network };
  const why = skeletonSupport(lowered.network) ?? meshSupport(lowered.network);
  if (why) throw new UsageError(`${path}: ${why}`);
  const problem = unitScaleFor(lowered, box, 1e-8);
  if (!problem.inputs.identity) throw new UsageError(`${path}: the box is far from unit scale; the surface needs a box near [-1, 1]^3 or [0, 1]^3`);
  const net = problem.net;
  let result;
  try {
    result = classBoundaryMesh(net, box);
  } catch (err) {
    if (err instanceof SkeletonUndecided || err instanceof SkeletonUnsupported) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
  const { mesh, skeleton: sk } = result;
  let report: MeshReport | undefined;
  if (flags.verify) report = verifyBoundaryMesh(net, box, mesh, (c) => sk.P.slice(c * sk.units, (c + 1) * sk.units));
  const surface = mesh.classes > 2 ? `top-1 class boundary of ${mesh.classes} classes (f_i = f_j >= every other f_m)` : "class boundary (f1 - f0 = 0)";
  const comments = [`tessera boundary ${path.split(/[\\/]/).pop()}: ${surface} in ${describeBox(box)}`, `${mesh.triangles.length / 3} triangles from ${mesh.polygons} planar pieces (one per region and class pair)`];
  if (flags.mesh !== undefined) {
    try {
      writeFileSync(flags.mesh, format === "obj" ? meshToObj(mesh, comments) : meshToPly(mesh, comments));
    } catch {
      throw new UsageError(`${flags.mesh}: cannot write the mesh`);
    }
  }
  if (flags.picture !== undefined) {
    try {
      writePicture(flags.picture, renderMeshSvg(mesh, box, { title: `${path.split(/[\\/]/).pop()}: class boundary, ${formatCount(mesh.triangles.length / 3)} triangles in ${formatCount(mesh.regionsCrossed)} regions` }));
    } catch {
      throw new UsageError(`${flags.picture}: cannot write the picture`);
    }
  }
  const triangles = mesh.triangles.length / 3;
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({
        model: path,
        surface,
        classes: mesh.classes,
        box: { lo: Array.from(box.lo), hi: Array.from(box.hi) },
        regions: sk.cCount,
        regionsCrossed: mesh.regionsCrossed,
        pieces: mesh.polygons,
        vertices: mesh.positions.length / 3,
        triangles,
        area: mesh.area,
        seconds: Number(result.seconds.toFixed(4)),
        ...(flags.mesh ? { mesh: flags.mesh } : {}),
        ...(flags.picture ? { picture: flags.picture } : {}),
        ...(report ? { verify: report } : {}),
      }) + "\n",
    );
  } else {
    const lines = [
      `model      ${path}`,
      `domain     ${describeBox(box)} (3 inputs: the class boundary is a surface)`,
      `complex    ${formatCount(sk.cCount)} cells (the regions, thin ones included), ${formatCount(sk.vCount)} vertices`,
      `boundary   ${mesh.classes > 2 ? `top-1 class of ${mesh.classes} classes: ` : ""}${formatCount(triangles)} triangles from ${formatCount(mesh.polygons)} planar pieces in ${formatCount(mesh.regionsCrossed)} regions; ${formatCount(mesh.positions.length / 3)} vertices, area ${mesh.area.toPrecision(6)}`,
      `seconds    ${result.seconds.toFixed(3)}`,
    ];
    if (flags.mesh) lines.push(`mesh       ${flags.mesh} (${format === "obj" ? "Wavefront OBJ" : "PLY, ASCII"})`);
    if (flags.picture) lines.push(`picture    ${flags.picture}`);
    if (report) {
      lines.push(
        `verify     ${report.ok ? "ok" : `FAILED (${report.problemCount} problems)`}: ${formatCount(report.vertices)} vertices with ${mesh.classes > 2 ? "the top two classes within" : "|f1 − f0| ≤"} ${report.tolerance.toExponential(1)} ` +
          `(largest ${report.maxAbsS.toExponential(1)}), ${formatCount(report.triangles)} triangles in their regions, ` +
          `${formatCount(report.sharedEdges)} edges shared by two triangles, ${formatCount(report.boxEdges)} on the box` +
          `${mesh.classes > 2 ? `, ${formatCount(report.junctionEdges)} on triple junctions` : ""}${report.ok ? ": watertight" : ""}`,
      );
      for (const p of report.problems) lines.push(`  ${p}`);
    }
    process.stdout.write(lines.join("\n") + "\n");
  }
  if (report && !report.ok) process.exitCode = 1;
  return true;
}
