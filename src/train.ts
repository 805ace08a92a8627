/**
 * `tessera/train`: the MLP trainer the explorer trains with (ReLU or leaky ReLU, softmax cross-entropy, Adam or SGD,
 * L1/L2), computing with a TF.js namespace passed in. A subpath of its own because its types name tfjs-core's: the
 * main entry `tessera` stays free of them, so a program that type-checks against `tessera` needs no TF.js types.
 * Isomorphic (TF.js is imported by type only).
 */
export * from "./train/trainer.ts";
