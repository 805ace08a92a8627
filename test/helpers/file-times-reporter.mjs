/**
 * A reporter for Node's test runner (`--test-reporter=./test/helpers/file-times-reporter.mjs`): the time of each test
 * file, slowest first, as the sum of its top-level tests and suites (what the file's own work took, without the ~1 s
 * its process spends starting Node and tsx), with each file's share of the sum. `npm run test:times` prints it for
 * the files of `npm test`; docs/testing.md keeps the table.
 */
export default async function* fileTimes(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0) {
      const file = event.data.file ?? "(unknown file)";
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  const cwd = process.cwd() + "/";
  yield `seconds\tshare\tfile\n`;
  for (const [file, ms] of rows) {
    yield `${(ms / 1000).toFixed(1)}\t${((100 * ms) / Math.max(total, 1)).toFixed(1)}%\t${file.startsWith(cwd) ? file.slice(cwd.length) : file}\n`;
  }
  yield `${(total / 1000).toFixed(1)}\t100%\t(sum over ${rows.length} files)\n`;
}
