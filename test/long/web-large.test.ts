/**
 * The explorer's largest case in Chromium (issue 31): a 2-256-256-2 network, whose epoch 1 has about 40,000 regions
 * in the square, gets its exact picture while the page stays usable; the count on the page equals the 2-D
 * partition of the exported network computed in Node. Long (tens of seconds on a loaded machine): it runs with
 * `npm run test:long` or directly (`node --import tsx --test test/long/web-large.test.ts`), not in `npm test`.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Download, Page } from "playwright-core";
import { planarPartition } from "../../src/geometry/partition.ts";
import { loadModel } from "../../src/io/load.ts";
import { chromiumMissing, pageErrors, requireChromiumInCi, shownPartition, startExplorerSession, waitForText } from "../web-helpers.ts";

/** `npm test` runs every *.test.ts; this file belongs to the long suite. */
const inQuickSuite = process.env.npm_lifecycle_event === "test";
const skip = inQuickSuite ? "long: run with npm run test:long" : chromiumMissing();
if (!inQuickSuite) requireChromiumInCi(it);

describe("the 2-256-256-2 picture in Chromium", { timeout: 600_000, skip }, () => {
  let session: Awaited<ReturnType<typeof startExplorerSession>>;
  let page: Page;
  let errors: string[];

  before(async () => {
    session = await startExplorerSession();
    page = await session.context.newPage();
    errors = pageErrors(page);
  });
  after(async () => {
    await session?.close();
  });

  it("epoch 1 of 2-256-256-2 on the spiral set arrives, labelled, with the count of the partition in Node", async () => {
    await page.goto(`${session.url}?dataset=spiral&widths=256,256&seed=1`);
    await shownPartition(page, 0);
    await page.click("#step");
    await page.waitForSelector("#computing.on", { timeout: 60_000 });
    // The page answers while the partition runs: hovering reports the last picture (epoch 0's), at once.
    const box = (await page.locator("#plot").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await waitForText(page, "#hover", /region \d+ of \d+/, 10_000);
    await page.waitForSelector('#regions[data-epoch="1"]', { timeout: 300_000 });
    const shown = await shownPartition(page, 1);
    assert.ok(shown.regions > 30_000, `regions: ${shown.regions}`);
    assert.equal(await page.getAttribute("#picture-status", "data-state"), "current");
    assert.equal(await page.textContent("#picture-status"), "picture of epoch 1");
    const [download]: [Download, void] = await Promise.all([page.waitForEvent("download"), page.click("#export-json")]);
    const path = join(mkdtempSync(join(tmpdir(), "tessera-web-large-")), download.suggestedFilename());
    await download.saveAs(path);
    const net = await loadModel(path);
    assert.equal(planarPartition(net.network, shown.rect).regions.length, shown.regions);
    assert.deepEqual(errors, []);
  });
});
