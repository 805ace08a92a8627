/**
 * The explorer's settings as text: one validator per setting, shared by the controls and the URL, so that any value
 * in range is accepted from either (e.g. `?lr=0.05`, not one of the presets) and anything else is a one-line error
 * naming the setting. The URL holds every setting and the view; {@link settingsQuery} writes it back. DOM-free.
 */
import { PLANAR_KINDS, type PlaneRect, REGRESSION_KINDS } from "tessera";

/** Hidden layers and units per layer the page accepts (the partition of wider nets stays exact but slows down). */
export const MAX_HIDDEN_LAYERS = 8, MAX_WIDTH = 256;
/** Learning rates the page accepts (TensorFlow Playground offers 0.00001 to 10). */
export const LR_MIN = 1e-5, LR_MAX = 10;
/** Narrowest and widest view (plane units), as the wheel allows, so the partition stays well conditioned. */
export const MIN_SPAN = 1e-6, MAX_SPAN = 1e6;
const INT32 = [-2147483648, 2147483647] as const;

/** A setting: its URL key, the control's element id, a name for messages, and its check (text → canonical text). */
interface Setting {
  key: string;
  id: string;
  name: string;
  /** The canonical text of a valid value; throws a RangeError with a one-line reason otherwise. */
  check: (text: string) => string;
}

function numberCheck(name: string, lo: number, hi: number, integer: boolean): (text: string) => string {
  return (text) => {
    const v = text.trim() === "" ? NaN : Number(text);
    if (!Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
      throw new RangeError(`${name} must be ${integer ? "an integer" : "a number"} from ${lo} to ${hi}, got "${text}"`);
    }
    return String(v);
  };
}

function oneOf(name: string, values: readonly string[]): (text: string) => string {
  return (text) => {
    if (!values.includes(text)) throw new RangeError(`${name} must be one of ${values.join(", ")}, got "${text}"`);
    return text;
  };
}

/** Hidden widths from text like "8, 8" or "16x16x16". */
export function parseWidths(text: string): number[] {
  const trimmed = text.trim();
  const parts = trimmed === "" ? [] : trimmed.split(/[\s,;x×-]+/).filter(Boolean);
  const widths = parts.map(Number);
  if (widths.length === 0 || widths.length > MAX_HIDDEN_LAYERS || widths.some((w) => !Number.isInteger(w) || w < 1 || w > MAX_WIDTH)) {
    throw new RangeError(`hidden widths "${text}": give 1 to ${MAX_HIDDEN_LAYERS} integers from 1 to ${MAX_WIDTH}, e.g. 8, 8`);
  }
  return widths;
}

/** Every setting the URL holds, in URL order. */
export const SETTINGS: Setting[] = [
  { key: "dataset", id: "dataset", name: "dataset", check: oneOf("dataset", [...PLANAR_KINDS, ...REGRESSION_KINDS]) },
  { key: "noise", id: "noise", name: "noise", check: numberCheck("noise", 0, 0.5, false) },
  { key: "points", id: "points", name: "points", check: numberCheck("points", 10, 5000, true) },
  { key: "test", id: "test-share", name: "test share", check: numberCheck("test share", 0, 0.9, false) },
  { key: "dataseed", id: "data-seed", name: "data seed", check: numberCheck("data seed", ...INT32, true) },
  { key: "widths", id: "widths", name: "hidden widths", check: (t) => parseWidths(t).join(",") },
  { key: "activation", id: "activation", name: "activation", check: oneOf("activation", ["relu", "leaky-relu"]) },
  { key: "alpha", id: "alpha", name: "leaky slope", check: numberCheck("leaky slope", 0.001, 0.99, false) },
  { key: "optimizer", id: "optimizer", name: "optimizer", check: oneOf("optimizer", ["adam", "sgd"]) },
  { key: "lr", id: "lr", name: "learning rate", check: numberCheck("learning rate", LR_MIN, LR_MAX, false) },
  { key: "batch", id: "batch", name: "batch size", check: numberCheck("batch size", 1, 100_000, true) },
  { key: "reg", id: "regularization", name: "regularisation", check: oneOf("regularisation", ["none", "l1", "l2"]) },
  { key: "regrate", id: "reg-rate", name: "regularisation rate", check: numberCheck("regularisation rate", 0, 10, false) },
  { key: "seed", id: "seed", name: "seed", check: numberCheck("seed", ...INT32, true) },
];

/** Settings that change the network or the data: changing one starts training over (the others apply at once). */
export const RESTART_KEYS = new Set(["dataset", "noise", "points", "test", "dataseed", "widths", "activation", "alpha", "seed"]);
/** Settings that change the data (the view is refitted to the new data's box). */
export const DATA_KEYS = new Set(["dataset", "noise", "points", "test", "dataseed"]);

/** A view rectangle from "umin,umax,vmin,vmax". */
export function parseView(text: string): PlaneRect {
  const v = text.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x))) throw new RangeError(`view must be four numbers umin,umax,vmin,vmax, got "${text}"`);
  const [umin, umax, vmin, vmax] = v;
  const span = Math.max(umax - umin, vmax - vmin);
  if (!(umax > umin && vmax > vmin) || span < MIN_SPAN || span > MAX_SPAN) {
    throw new RangeError(`view "${text}": need umin < umax and vmin < vmax, spanning ${MIN_SPAN} to ${MAX_SPAN}`);
  }
  return { umin, umax, vmin, vmax };
}

/** The view as URL text (shortest round-tripping decimals). */
export function viewText(v: PlaneRect): string {
  return [v.umin, v.umax, v.vmin, v.vmax].map(String).join(",");
}

/** URL parameters read and checked: the valid settings by key (canonical text), the view, and one line per problem. */
export function readQuery(params: URLSearchParams): { values: Map<string, string>; view?: PlaneRect; errors: string[] } {
  const values = new Map<string, string>(), errors: string[] = [];
  for (const s of SETTINGS) {
    const text = params.get(s.key);
    if (text === null) continue;
    try {
      values.set(s.key, s.check(text));
    } catch (err) {
      errors.push(`URL ${s.key}=${text}: ${(err as Error).message}`);
    }
  }
  let view: PlaneRect | undefined;
  const v = params.get("view");
  if (v !== null) {
    try {
      view = parseView(v);
    } catch (err) {
      errors.push(`URL view=${v}: ${(err as Error).message}`);
    }
  }
  return { values, view, errors };
}

/**
 * The query string of the whole state: every setting, the view, and the page parameters kept from `keep`
 * (backend, model). Commas stay readable.
 */
export function settingsQuery(values: Map<string, string>, view: PlaneRect | undefined, keep: URLSearchParams): string {
  const q = new URLSearchParams();
  for (const s of SETTINGS) {
    const v = values.get(s.key);
    if (v !== undefined) q.set(s.key, v);
  }
  if (view) q.set("view", viewText(view));
  for (const k of ["backend", "model"]) {
    const v = keep.get(k);
    if (v !== null) q.set(k, v);
  }
  return "?" + q.toString().replace(/%2C/g, ",");
}
