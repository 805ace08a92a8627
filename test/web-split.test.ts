/**
 * A view split between two partition workers (web/src/partition/strips.ts) against the same view in one worker, in
 * Debian's headless Chromium: the same region count, class-boundary pieces and hover facts, and the same picture
 * pixel for pixel (the two strips' bitmaps put together). `?split=always` splits even a small network, so this runs
 * in seconds; the 2-256-256-2 picture (split by default) is checked in test/long/web-large.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { fixturePath } from "./helpers/fixtures.ts";
import { chromiumMissing, pageErrors, requireChromiumInCi, shownPartition, startExplorerSession, stepEpochs, waitForText } from "./web-helpers.ts";

const skip = chromiumMissing();
requireChromiumInCi(it);

/** The picture on the page's base canvas as RGBA bytes (drawn onto a 2-D canvas: the base is a bitmap renderer). */
async function picturePixels(page: Page): Promise<Uint8Array> {
  // Sent as base64 (a JSON array of 2 million numbers is slow to carry over the protocol).
  const text = (await page.evaluate(`(() => {
    const base = document.getElementById("plot-base");
    const c = document.createElement("canvas");
    c.width = base.width;
    c.height = base.height;
    const ctx = c.getContext("2d");
    ctx.drawImage(base, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = "";
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
    return btoa(s);
  })()`)) as string;
  return new Uint8Array(Buffer.from(text, "base64"));
}

interface Facts {
  pattern: string;
  J: number[];
  c: number[];
  output: number[];
}

async function hoverAt(page: Page, fx: number, fy: number): Promise<Facts> {
  const box = (await page.locator("#plot").boundingBox())!;
  await page.mouse.move(0, 0);
  await page.waitForFunction("explorer.hover() === null");
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
  await page.waitForFunction("explorer.hover() !== null");
  return (await page.evaluate("explorer.hover()")) as Facts;
}

describe("a view split between two partition workers equals the view in one worker", { timeout: 600_000, skip }, () => {
  let session: Awaited<ReturnType<typeof startExplorerSession>>;
  before(async () => {
    session = await startExplorerSession();
  });
  after(async () => {
    await session?.close();
  });

  // (Epoch 0 has zero biases: every line passes through the origin, where the class boundary degenerates into
  // pieces of length ~1e-17 whose number depends on round-off, in one worker too; so the second case trains first.)
  for (const [what, query, model, steps] of [
    ["random-2-32-32-s5 (ONNX, 1,557 regions)", "", fixturePath("random-2-32-32-s5"), 0],
    ["2-24-24-24-2 leaky ReLU, XOR, epoch 3, zoomed view", "dataset=xor&widths=24,24,24&activation=leaky-relu&seed=5&view=-0.7,0.9,-0.4,0.65", undefined, 3],
  ] as const) {
    it(`${what}: same count, boundary pieces, hover facts and picture (pixel for pixel)`, async () => {
      const pages: Page[] = [];
      const errors: string[][] = [];
      const results: { regions: number; pieces: string; pixels: Uint8Array; width: number; facts: Facts[]; split: number; lines: { start: number[]; coords: number[] }; rect: { umin: number; umax: number; vmin: number; vmax: number } }[] = [];
      for (const split of ["never", "always"]) {
        const page = await session.context.newPage();
        errors.push(pageErrors(page));
        pages.push(page);
        await page.goto(`${session.url}?${query}&split=${split}`);
        let shown = await shownPartition(page, 0);
        if (model) {
          await page.setInputFiles("#model-input", model);
          await waitForText(page, "#message", /^loaded /);
          shown = await shownPartition(page, 0);
          assert.equal(shown.regions, 1557);
        }
        if (steps > 0) {
          await stepEpochs(page, steps);
          shown = await shownPartition(page, steps);
        }
        await page.waitForTimeout(300); // the frame with the picture
        const facts: Facts[] = [];
        for (const [fx, fy] of [[0.3, 0.4], [0.5, 0.5], [0.49, 0.8], [0.7, 0.65]]) facts.push(await hoverAt(page, fx, fy));
        await page.mouse.move(0, 0);
        await page.waitForTimeout(200);
        const stats = (await page.evaluate("explorer.partitions()")) as { split: number };
        results.push({ regions: shown.regions, pieces: (await page.textContent("#pieces")) ?? "", pixels: await picturePixels(page), width: (await page.evaluate("document.getElementById('plot-base').width")) as number, facts, split: stats.split, lines: (await page.evaluate("explorer.lines()")) as { start: number[]; coords: number[] }, rect: shown.rect });
      }
      const [one, two] = results;
      assert.equal(one.split, 0, "split=never partitions in one worker");
      assert.ok(two.split >= 1, "split=always splits the view");
      assert.ok(one.regions > 50, `a picture with a seam to cross (${one.regions} regions)`);
      assert.equal(two.regions, one.regions, "regions");
      assert.equal(two.pieces, one.pieces, "class-boundary pieces");
      two.facts.forEach((f, i) => {
        assert.equal(f.pattern, one.facts[i].pattern, `hover ${i}: pattern`);
        assert.deepEqual(f.J, one.facts[i].J, `hover ${i}: affine map (composed from the pattern: bit for bit)`);
        assert.deepEqual(f.c, one.facts[i].c);
        assert.deepEqual(f.output, one.facts[i].output);
      });
      assert.equal(two.pixels.length, one.pixels.length);
      assert.equal(two.lines.start.length, one.lines.start.length, "class-boundary polylines");
      // Both pictures are drawn by the same painter from the same polygons and polylines; the split one in two
      // bitmaps, each clipped at the seam's pixel column. Fills and edges are rasterised by Tessera's own raster
      // context, where the strips' vertices (equal to one worker's up to round-off, ≈1e-16) can move an anti-aliased
      // edge pixel's ink by a level or two of 255 (measured: ≤ 2 levels on a few hundred of 565,500 pixels). The thick class
      // boundary and its halo are canvas paths, and Chromium's path rasteriser anti-aliases a stroke crossing the
      // clip's edge slightly differently (measured: up to 48 levels on 76 pixels beside the seam). So: every pixel
      // within ROUND_OFF_LEVELS, except pixels on the class boundary's stroke (within STROKE_PX of a polyline).
      const ROUND_OFF_LEVELS = 2, STROKE_PX = 4;
      const { lines, rect } = two;
      const w = two.width, h = two.pixels.length / 4 / w;
      const scale = Math.min(w / (rect.umax - rect.umin), h / (rect.vmax - rect.vmin));
      const ox = (w - scale * (rect.umax - rect.umin)) / 2, oy = (h - scale * (rect.vmax - rect.vmin)) / 2;
      const onStroke = (x: number, y: number): boolean => {
        for (let k = 0; k + 1 < lines.start.length; k++) {
          for (let i = lines.start[k]; i + 1 < lines.start[k + 1]; i++) {
            const ax = ox + (lines.coords[2 * i] - rect.umin) * scale, ay = oy + (rect.vmax - lines.coords[2 * i + 1]) * scale;
            const bx = ox + (lines.coords[2 * i + 2] - rect.umin) * scale, by = oy + (rect.vmax - lines.coords[2 * i + 3]) * scale;
            const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
            const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
            if (Math.hypot(x - ax - t * dx, y - ay - t * dy) <= STROKE_PX) return true;
          }
        }
        return false;
      };
      let differing = 0, offStroke = 0, worstOff = 0, worst = 0;
      for (let i = 0; i < one.pixels.length; i += 4) {
        let d = 0;
        for (let ch = 0; ch < 4; ch++) d = Math.max(d, Math.abs(one.pixels[i + ch] - two.pixels[i + ch]));
        if (d === 0) continue;
        differing++;
        worst = Math.max(worst, d);
        if (d > ROUND_OFF_LEVELS && !onStroke(((i / 4) % w) + 0.5, Math.floor(i / 4 / w) + 0.5)) {
          offStroke++;
          worstOff = Math.max(worstOff, d);
        }
      }
      assert.equal(offStroke, 0, `${offStroke} pixels off the class boundary differ by more than ${ROUND_OFF_LEVELS} levels (up to ${worstOff}); ${differing} differ in all, by up to ${worst}`);
      for (const e of errors) assert.deepEqual(e, []);
      for (const p of pages) await p.close();
    });
  }
});
