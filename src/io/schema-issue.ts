/** One-line descriptions of zod/mini validation failures, for loader error messages. */
import * as z from "zod/mini";

// zod/mini ships without message texts ("Invalid input"); load the English ones so errors say what was expected.
z.config(z.locales.en());

/** The first issue as `path: message`, e.g. `layers[0].bias: Invalid input: expected array, received string`. */
export function describeSchemaIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
  return `${path || "document"}: ${issue.message.replace(/\s+/g, " ")}`;
}
