/**
 * SVG to PNG through `@resvg/resvg-js` (a native addon shipped inside its npm packages, so Node only: the browser
 * app rasterises SVG with the canvas it already has). Text is drawn with DejaVu Sans, which Debian installs; resvg
 * does not read system fonts unless asked, so they are loaded explicitly.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

/** The native addon, loaded on the first picture (a command that draws nothing never pays for it). */
let resvgModule: typeof import("@resvg/resvg-js") | undefined;

/** Font family every SVG Tessera writes asks for first; PNG rendering resolves it from the system fonts. */
export const PNG_FONT_FAMILY = "DejaVu Sans";

/** Rasterise an SVG document. `width` scales the picture to that many pixels wide (default: the SVG's own size). */
export function svgToPng(svg: string, width?: number): Uint8Array {
  resvgModule ??= createRequire(import.meta.url)("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  const resvg = new resvgModule.Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: PNG_FONT_FAMILY, sansSerifFamily: PNG_FONT_FAMILY },
    fitTo: width === undefined ? { mode: "original" } : { mode: "width", value: width },
    background: "white",
  });
  return resvg.render().asPng();
}

/** Write `svg` to `path` as SVG text or as PNG, chosen by the file's extension (.svg or .png). */
export function writePicture(path: string, svg: string, pngWidth?: number): void {
  if (/\.png$/i.test(path)) writeFileSync(path, svgToPng(svg, pngWidth));
  else writeFileSync(path, svg);
}
