/** Tessera's Node-only API: reading and writing model files. Import from `tessera/node`. */
export * from "./io/load.ts";
