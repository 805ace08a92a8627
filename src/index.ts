/**
 * Tessera's public API: the network model, evaluation, loading, bounds and exact counting of linear regions.
 * Everything exported here except `io/` loaders that read files is isomorphic (no Node APIs).
 */
export * from "./model/network.ts";
export * from "./model/evaluate.ts";
export * from "./model/validate.ts";
export * from "./tighten/interval.ts";
