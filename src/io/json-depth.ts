/**
 * A bound on how deeply a model's JSON nests. Core-safe. `JSON.parse` reads any depth, but `JSON.stringify`, schema
 * checks and every recursive walk of the value (the explorer re-serialises a model's `metadata`) use one stack frame
 * per level and overflow at a few thousand levels: a hostile file is refused here, with one line, instead.
 */

/**
 * Deepest nesting of arrays and objects accepted in a model's JSON: 100 levels. Tessera's own documents nest at
 * most 5 (metadata of a trained network), TF.js model.json files about 8; V8 overflows its stack near 10,000 levels
 * in `JSON.stringify`, so 100 leaves room for every caller's own frames.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * The nesting depth of a parsed JSON value (0 for a scalar, 1 for `[]` or `{}`), counted without recursion; stops
 * counting as soon as it exceeds `limit` (then returns a value above it).
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push({ v: child, d: depth });
    }
  }
  return deepest;
}

/** Refuse, through `fail`, a JSON value nested deeper than {@link MAX_JSON_DEPTH}. */
export function checkJsonDepth(value: unknown, fail: (message: string) => never): void {
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    fail(`the JSON nests deeper than ${MAX_JSON_DEPTH} levels (arrays and objects inside each other), which no model needs; refused so that no reader overflows its stack`);
  }
}
