/**
 * Tessera's public API: the network model and its evaluation, model formats (and the sniffing of a file's format),
 * bounds on the number of linear regions, bound tightening, exact counting with its verifier, planar partitions and
 * their painter and 2-D datasets (the MLP trainer is `tessera/train`). Everything here is isomorphic (no Node APIs), so
 * the browser app imports it too; reading and writing files is in `tessera/node`.
 */
export * from "./model/network.ts";
export * from "./model/evaluate.ts";
export * from "./model/validate.ts";
export * from "./model/fingerprint.ts";
export { lowerOnBox, requireLayerwise, type LoweredNetwork } from "./model/lower.ts";
export * from "./io/sniff.ts";
export * from "./io/onnx.ts";
export * from "./io/tfjs.ts";
export * from "./io/tessera-json.ts";
export { decodeOnnxModel } from "./io/onnx-proto.ts";
export * from "./bounds/index.ts";
export * from "./tighten/interval.ts";
export { lpBounds, LP_BOUND_MARGIN, type LpBoundsOptions } from "./tighten/lp.ts";
export { loadHighs } from "./lp/highs.ts";
export { MarginLP, LPStatus, COST_PERTURBATION } from "./lp/margin-lp.ts";
export { highsMarginSolver, solveMarginWithHighs } from "./lp/highs-margin.ts";
export * from "./count/types.ts";
export * from "./count/count.ts";
export {
  RegionEnumerator,
  stableUnitReport,
  DEFAULT_TASK_TARGET,
  PLAIN_SEARCH,
  ZERO_ROW_NORM,
  type EngineStats,
  type ExactMarginSolver,
  type EnumeratorOptions,
  type RegionSink,
  type Task,
} from "./count/engine.ts";
export * from "./count/verify.ts";
export * from "./util/random.ts";
export { countRegionsMilp, type MilpCheckpoint, type MilpCountOptions } from "./milp/count.ts";
export { mipBound, type MipBoundOptions, type MipBoundResult } from "./milp/mipbound.ts";
export * from "./geometry/polygon.ts";
export * from "./geometry/slice.ts";
export * from "./geometry/partition.ts";
export * from "./geometry/partition-merge.ts";
export * from "./geometry/class-boundary.ts";
export * from "./geometry/verify.ts";
export * from "./render/partition-svg.ts";
// Low dimension (issue 28): exact 1-D intervals, the 3-D complex's faces, the class-boundary surface as a mesh.
export { intervalCount, intervalSupport, type IntervalCountOptions, type IntervalCountResult, type IntervalRegion } from "./skeleton/intervals.ts";
export { Skeleton } from "./skeleton/complex.ts";
export { skeletonPartition, planarPartitionFast, SKELETON_PARTITION_MAX_WIDTH } from "./skeleton/partition.ts";
export { skeletonCount, SkeletonWorkspace, type SkeletonCountOptions, type SkeletonCountResult, type SkeletonRegion } from "./skeleton/count.ts";
export { complexFaces, eulerCheck, type ComplexFaces, type EulerCheck } from "./skeleton/faces-3d.ts";
export {
  classBoundaryMesh, verifyBoundaryMesh, meshSupport, MESH_ZERO_RELATIVE, MESH_VERIFY_RELATIVE,
  type BoundaryMesh, type BoundaryMeshResult, type MeshReport,
} from "./skeleton/mesh.ts";
export { meshToObj, meshToPly, parseMesh, meshFormatOf, type TriangleMesh, type MeshFormat } from "./io/mesh-writers.ts";
export { renderMeshSvg, type MeshSvgOptions } from "./render/mesh-svg.ts";
// The one partition painter and its contexts (SVG string, Canvas 2D, raster into pixels).
export * from "./render/partition-painter.ts";
export * from "./render/paint-context.ts";
export * from "./render/raster-context.ts";
// Pictures (SVG strings), 2-D datasets and statistics shared by the CLI, the studies and the browser explorer.
export * from "./render/svg.ts";
export * from "./render/chart.ts";
export * from "./data/dataset.ts";
export * from "./data/planar.ts";
export * from "./data/regression.ts";
export { parseCsvDataset, type CsvOptions } from "./data/csv.ts";
export * from "./util/stats.ts";
export * from "./local/index.ts";
export type { CellFilter } from "./count/engine.ts";
