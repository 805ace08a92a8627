/** Bounds on the number of linear regions: every published formula, exact with BigInt (core-safe, no Node APIs). */
export * from "./binomial.ts";
export * from "./log10.ts";
export * from "./architecture.ts";
export * from "./rectifier-upper.ts";
export * from "./stable-units.ts";
export * from "./lower.ts";
export * from "./maxout.ts";
export * from "./deep-vs-shallow.ts";
export * from "./all-bounds.ts";
export * from "./from-network.ts";
