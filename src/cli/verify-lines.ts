import type { VerifyReport } from "../count/verify.ts";
import { formatCount } from "../util/progress.ts";

/** The `verify` line of a count's report (and one indented line per problem), shared by every counting method. */
export function verifyLines(v: VerifyReport): string[] {
  return [
    `verify         ${v.ok ? "ok" : `FAILED (${v.problemCount} problems)`}: ${formatCount(v.regions)} interior points checked, ` +
      `${formatCount(v.samples)} random points met ${formatCount(v.distinctSampled)} patterns, all among the regions${v.ok ? "" : " (no)"}`,
    ...v.problems.map((p) => `  ${p}`),
  ];
}
