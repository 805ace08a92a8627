/** Local analysis in a ball around an input: bound, exact count, distances (Zhu, Lin & Tang 2020). Core-safe. */
export * from "./ball.ts";
export * from "./ball-bounds.ts";
export * from "./local-bound.ts";
export * from "./local-count.ts";
export * from "./projection.ts";
export { goldfarbIdnani, GI_FEASIBILITY_TOL, type ActiveSetResult } from "./goldfarb-idnani.ts";
export * from "./polyhedron-distance.ts";
export * from "./region-boundary.ts";
export * from "./class-boundary.ts";
export * from "./analyze.ts";
export * from "./study.ts";
