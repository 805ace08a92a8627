/**
 * A/B of two MarginLP builds on the LPs of a real count, in one process. The MarginLP operations of every STRIDE-th
 * task of a fixture's split (rows and equalities added, save/restore/reset, solves with their stop values) are
 * recorded once, then replayed on the old build and on this one in alternating rounds, so that both see the same
 * machine load (on a shared machine, whole processes of the same build spread by ±15 % and more). Before timing, it
 * checks that both builds give every solve the same status, iteration count, objective and dual bound, bit for bit:
 * a change meant to leave the pivots alone must pass this.
 *
 * The old build is a MarginLP source file from another checkout, e.g. the main branch's commit:
 *   git archive main src | tar -x -C /tmp/lp-old
 *   node --import tsx bench/lp-replay.ts mnist-10-12-s1 8 9 /tmp/lp-old/src/lp/margin-lp.ts
 *
 * Run: node --import tsx bench/lp-replay.ts [FIXTURE=mnist-10-12-s1] [STRIDE=16] [ROUNDS=9] OLD_MARGIN_LP_TS
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseOnnx } from "../src/io/onnx.ts";
import { RegionEnumerator } from "../src/count/engine.ts";
import { highsMarginSolver } from "../src/lp/highs-margin.ts";
import { loadHighs } from "../src/lp/highs.ts";
import { MarginLP } from "../src/lp/margin-lp.ts";
import { uniformBox } from "../src/model/network.ts";
import { lpBounds } from "../src/tighten/lp.ts";

const [name = "mnist-10-12-s1", strideArg = "16", roundsArg = "9", oldPath] = process.argv.slice(2);
if (!oldPath) {
  console.error("lp-replay: give the old build's margin-lp.ts as the 4th argument (see the header of bench/lp-replay.ts)");
  process.exit(2);
}
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/fixtures");
const net = parseOnnx(new Uint8Array(readFileSync(`${fixtures}/${name}.onnx`)), name);
const highs = await loadHighs();
const box = uniformBox(net.inputDim, 0, 1);
const bounds = lpBounds(net, box, highs);

/** A recorded operation: [kind, LP object, argument, number]; kinds below. */
const enum Op { New, Reset, AddRow, AddEquality, Save, Restore, Solve }
const ops: [Op, number, number, number][] = [];
/** Distinct row coefficient vectors (rows recur: a flat's equalities after each restore, the first layer's rows). */
const rows: Float64Array[] = [];
const rowIds = new Map<string, number>();
const ctorArgs: [Float64Array, Float64Array, number, number][] = [];
const lpIds = new WeakMap<object, number>();

function rowId(a: ArrayLike<number>): number {
  const f = Float64Array.from(a);
  const key = Buffer.from(f.buffer).toString("base64");
  let id = rowIds.get(key);
  if (id === undefined) {
    id = rows.length;
    rows.push(f);
    rowIds.set(key, id);
  }
  return id;
}

/** The fields of a MarginLP the recorder reads to rebuild it (private in the class). */
interface LPInternals {
  n0: number;
  cap: number;
  lb: Float64Array;
  ub: Float64Array;
}

function lpOf(lp: MarginLP): number {
  let id = lpIds.get(lp);
  if (id === undefined) {
    const s = lp as unknown as LPInternals;
    id = ctorArgs.length;
    lpIds.set(lp, id);
    ctorArgs.push([s.lb.slice(0, s.n0), s.ub.slice(0, s.n0), s.cap, s.ub[s.n0]]);
    ops.push([Op.New, id, 0, 0]);
  }
  return id;
}

const e = new RegionEnumerator(net, { box, bounds, exact: highsMarginSolver(highs) });
const all = e.splitTasks().tasks;
const stride = Number(strideArg);
const tasks = all.filter((_, i) => i % stride === 0);

// Record the tasks' LPs by wrapping the methods that change an LP's state (the readers do not affect the pivots).
const proto = MarginLP.prototype;
const orig = { reset: proto.reset, addRow: proto.addRow, addEquality: proto.addEquality, save: proto.save, restore: proto.restore, solve: proto.solve };
proto.reset = function (this: MarginLP) {
  ops.push([Op.Reset, lpOf(this), 0, 0]);
  orig.reset.call(this);
};
proto.addRow = function (this: MarginLP, a: ArrayLike<number>, b: number) {
  ops.push([Op.AddRow, lpOf(this), rowId(a), b]);
  orig.addRow.call(this, a, b);
};
proto.addEquality = function (this: MarginLP, a: ArrayLike<number>, b: number) {
  ops.push([Op.AddEquality, lpOf(this), rowId(a), b]);
  orig.addEquality.call(this, a, b);
};
proto.save = function (this: MarginLP, s: number) {
  ops.push([Op.Save, lpOf(this), s, 0]);
  orig.save.call(this, s);
};
proto.restore = function (this: MarginLP, s: number) {
  ops.push([Op.Restore, lpOf(this), s, 0]);
  orig.restore.call(this, s);
};
proto.solve = function (this: MarginLP, stop = -Infinity) {
  ops.push([Op.Solve, lpOf(this), 0, stop]);
  return orig.solve.call(this, stop);
};

let regions = 0;
for (const task of tasks) regions += e.runTask(task);
Object.assign(proto, orig);
const solves = ops.filter((o) => o[0] === Op.Solve).length;
console.log(`${name}: every ${stride}th task (${tasks.length} of ${all.length}), ${regions} regions; recorded ${ops.length} LP operations, ${solves} solves, ${rows.length} distinct rows`);

const Old = ((await import(pathToFileURL(resolve(oldPath)).href)) as { MarginLP: typeof MarginLP }).MarginLP;

/** Replay the operations on fresh LPs of class `Cls`; returns each solve's status, iterations, objective and dual bound. */
function replay(Cls: typeof MarginLP): number[] {
  const lps: MarginLP[] = [];
  const out: number[] = [];
  for (const [op, id, x, y] of ops) {
    const lp = lps[id];
    switch (op) {
      case Op.New: {
        const [lo, hi, cap, tCap] = ctorArgs[id];
        lps[id] = new Cls(lo, hi, cap, tCap);
        break;
      }
      case Op.Reset: lp.reset(); break;
      case Op.AddRow: lp.addRow(rows[x], y); break;
      case Op.AddEquality: lp.addEquality(rows[x], y); break;
      case Op.Save: lp.save(x); break;
      case Op.Restore: lp.restore(x); break;
      case Op.Solve: {
        const status = lp.solve(y);
        out.push(status, lp.iterations, lp.objective(), lp.dualBound());
        break;
      }
    }
  }
  return out;
}

const ref = replay(Old), got = replay(MarginLP);
for (let i = 0; i < ref.length; i++) {
  if (!Object.is(ref[i], got[i])) {
    const what = ["status", "iterations", "objective", "dual bound"][i % 4];
    console.log(`the builds differ at solve ${Math.floor(i / 4)} (${what}: old ${ref[i]}, new ${got[i]}): pivots are not identical`);
    process.exit(1);
  }
}
console.log(`the same ${solves} solves in both builds: status, iterations, objective and dual bound bit for bit`);

const rounds = Number(roundsArg);
const tOld: number[] = [], tNew: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const which of r % 2 ? ["new", "old"] : ["old", "new"]) {
    const c0 = process.cpuUsage();
    replay(which === "old" ? Old : MarginLP);
    const c = process.cpuUsage(c0);
    (which === "old" ? tOld : tNew).push((c.user + c.system) / 1e6);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`old CPU s: ${tOld.map((v) => v.toFixed(3)).join(" ")}`);
console.log(`new CPU s: ${tNew.map((v) => v.toFixed(3)).join(" ")}`);
console.log(`medians: old ${median(tOld).toFixed(3)} s, new ${median(tNew).toFixed(3)} s, new / old ${(median(tNew) / median(tOld)).toFixed(3)}; median of the ${rounds} rounds' ratios ${median(tOld.map((o, i) => tNew[i] / o)).toFixed(3)}`);
