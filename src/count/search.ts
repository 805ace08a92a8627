/**
 * The depth-first search over activation patterns: the sign-vector (argmax-vector for maxout) tree, units in layer
 * order. A node is a cell (the box cut by the decided units' half-spaces); deciding a unit splits it into the children
 * that keep an interior point at distance > threshold from every decided hyperplane ({@link UnitChildren}). Each
 * feasibility question is one MarginLP solve warm-started from the parent's basis (one added row), and the parent's
 * interior point (the witness) answers its own side for free whenever it is farther than the threshold from the new
 * hyperplane. Stable units (from bound tightening) and units that are constant on the cell add no hyperplane.
 *
 * The other rooms save LPs without changing a count: exact 1-D/2-D cells (`exact-cells-2d.ts`), stepping the witness
 * across a new hyperplane (`line-search.ts`), the central certificate (`certificate.ts`) and the count by flats
 * (`flats.ts`) on the last layers. The search is cut into tasks (`task-split.ts`) so that work can be spread over
 * workers, checkpointed and resumed.
 */
import type { ExactMarginSolver } from "../lp/exact-margin.ts";
import { LPStatus, type MarginLP } from "../lp/margin-lp.ts";
import { BelowCertificates } from "../lp/below-certificates.ts";
import { lpProfile, now, P, profileTiming } from "../lp/profile.ts";
import type { Box, Network } from "../model/network.ts";
import { hiddenLayers, unitsOf } from "../model/network.ts";
import type { PreActivationBounds } from "../tighten/interval.ts";
import { CENTRAL_INPUTS_PER_UNIT, CENTRAL_MAX_GROUP, CentralCertificate } from "./certificate.ts";
import { UnitChildren } from "./children.ts";
import { EXACT_CELL_MAX_DIM, ExactCells } from "./exact-cells-2d.ts";
import { FLATS_MAX_UNITS, FlatsCounter } from "./flats.ts";
import { WitnessStep } from "./line-search.ts";
import { SearchContext } from "./search-context.ts";
import type { CellFilter, EngineStats, EnumeratorOptions, RegionSink } from "./search-options.ts";
import { DEFAULT_TASK_TARGET, splitSearch, type Task } from "./task-split.ts";
import type { StableUnitReport } from "./types.ts";
import { computeForms, rowNorm, stableUnitReport } from "./unit-forms.ts";

/**
 * Depth-first region enumerator. One instance owns its LP and buffers; it is not reentrant. Use
 * {@link RegionEnumerator.splitTasks} then {@link RegionEnumerator.runTask} for each task, or `countAll`.
 */
export class RegionEnumerator {
  readonly net: Network;
  readonly box: Box;
  readonly threshold: number;
  /** Pre-activation bounds of the enumerator's unit-scale network (see normaliseUnits; the same signs as the given). */
  readonly bounds: PreActivationBounds;
  /** Total hidden units (pattern length). */
  readonly unitCount: number;
  readonly stats: EngineStats;

  /** The problem, layout and path state every room shares. */
  private readonly ctx: SearchContext;
  private readonly exact: ExactMarginSolver | undefined;
  private readonly acceptCell: CellFilter | undefined;
  /** Certify all children of the last layer's remaining units at once when one point lies on all their hyperplanes. */
  private readonly central: boolean;
  private readonly farthestFirst: boolean;
  /** The central certificate's room (also the workspace of the flats), when either is on. */
  private readonly cert: CentralCertificate | undefined;
  /** Count the last layer by flats (see EnumeratorOptions.flats), when on. */
  private readonly flats: FlatsCounter | undefined;
  /** Per depth: the cell kept exactly (1-D and 2-D inputs, unless turned off). */
  private readonly cells: ExactCells | undefined;
  /** Certifies children by stepping the witness across their hyperplane (ball step, line search). */
  private readonly step: WitnessStep;
  private readonly children: UnitChildren;
  // #33: certificates of empty children kept for their subtrees; whether the last solveInto ended on a dual bound.
  private readonly below: BelowCertificates | undefined;
  private readonly belowStride: number;
  private lastBelow = false;
  private readonly lastNorms: Float64Array; // ‖row‖ of the last layer's forms on the current cell
  private readonly boundaryFirst: Int32Array; // per unit u: first hidden layer whose forms are computed on reaching u
  private readonly boundaryLast: Int32Array;
  /** Buffers handing the current cell's rows to `acceptCell` (allocated only with a filter). */
  private readonly filterRows: Float64Array | undefined;
  private readonly filterRhs: Float64Array | undefined;
  // The context's path state, held here too for the search's own loops.
  private readonly n0: number;
  private readonly lp: MarginLP;
  private readonly pattern: Uint8Array;
  private readonly order: Int32Array;
  private readonly witness: Float64Array[];
  private readonly witnessMargin: Float64Array;
  /** While splitting into tasks: the unit the search stops at, and where the cells found there go (else −1). */
  private stopUnit = -1;
  private taskSink: ((t: Task) => void) | undefined;

  constructor(net: Network, opts: EnumeratorOptions) {
    const ctx = new SearchContext(net, opts);
    this.ctx = ctx;
    this.net = net;
    this.box = ctx.box;
    this.threshold = ctx.threshold;
    this.bounds = ctx.bounds;
    this.unitCount = ctx.unitCount;
    this.stats = ctx.stats;
    this.exact = opts.exact;
    this.acceptCell = opts.acceptCell;
    const n0 = ctx.n0, N = ctx.unitCount, capRows = ctx.capRows;
    this.n0 = n0;
    this.lp = ctx.lp;
    this.pattern = ctx.pattern;
    this.order = ctx.order;
    this.witness = ctx.witness;
    this.witnessMargin = ctx.witnessMargin;
    this.central = opts.central ?? n0 >= CENTRAL_INPUTS_PER_UNIT * N;
    const maxK = Math.max(Math.min(CENTRAL_MAX_GROUP, n0), Math.min(FLATS_MAX_UNITS, n0));
    const flats = ctx.lastLayer >= 0 && (opts.flats ?? this.central);
    this.cert = ctx.lastLayer >= 0 && ((this.central && maxK >= 2) || flats) ? new CentralCertificate(ctx, maxK) : undefined;
    this.flats = flats ? new FlatsCounter(ctx, this.cert!, this.central) : undefined;
    this.farthestFirst = ctx.lastLayer >= 0 && (opts.farthestFirst ?? n0 > EXACT_CELL_MAX_DIM);
    this.lastNorms = new Float64Array(ctx.lastWidth);
    // Layers l ≥ 1 get their forms when the search reaches their first unit; identity layers (no units) are computed
    // at the same unit as the next layer, so boundary u covers layers boundaryFirst[u] … boundaryLast[u].
    const hidden = hiddenLayers(net);
    this.boundaryFirst = new Int32Array(N + 1).fill(-1);
    this.boundaryLast = new Int32Array(N + 1).fill(-1);
    for (let l = 1, start = hidden.length ? unitsOf(hidden[0]) : 0; l < hidden.length; start += unitsOf(hidden[l]), l++) {
      if (this.boundaryFirst[start] < 0) this.boundaryFirst[start] = l;
      this.boundaryLast[start] = l;
    }
    if (this.acceptCell) {
      this.filterRows = new Float64Array(capRows * n0);
      this.filterRhs = new Float64Array(capRows);
    }
    this.children = new UnitChildren(ctx);
    this.step = new WitnessStep(n0, capRows, ctx.box, ctx.diameter, ctx.threshold, opts.lineSearch !== false);
    this.cells = n0 <= EXACT_CELL_MAX_DIM && opts.exactCells !== false ? new ExactCells(n0, N + 2, capRows) : undefined;
    this.belowStride = ctx.maxRank;
    this.below = opts.belowCertificates === false ? undefined : new BelowCertificates(N * ctx.maxRank, ctx.maxRank - 1, n0, N + 1);
  }

  /** Over the lifetime: cells counted by flats, cells where flats gave up, and the LPs they asked (0 when off). */
  get flatCells(): number {
    return this.flats?.cells ?? 0;
  }
  get flatFallbacks(): number {
    return this.flats?.fallbacks ?? 0;
  }
  get flatQueries(): number {
    return this.flats?.queries ?? 0;
  }
  /** Central certificates tried (one LP each) and found, over the enumerator's lifetime (0 when off). */
  get centralTries(): number {
    return this.cert?.tries ?? 0;
  }
  get centralHits(): number {
    return this.cert?.hits ?? 0;
  }

  /** Stable units over the domain according to the bounds in use. */
  stableUnits(): StableUnitReport {
    return stableUnitReport(this.net, this.bounds);
  }

  /**
   * Split the search into tasks: all feasible cells after deciding the first `splitUnit` units, where `splitUnit`
   * is the smallest depth that gives at least `target` tasks (or every unit). Deterministic, and in canonical order
   * (lexicographic in the decisions): the search visits cells in an order that follows its witnesses, which depend on
   * the search options (e.g. `PLAIN_SEARCH`), so without it shard i/N (the tasks ≡ i mod N) of two runs with
   * other options would hold other cells.
   */
  splitTasks(target = DEFAULT_TASK_TARGET): { splitUnit: number; tasks: Task[] } {
    const regionsBefore = this.stats.regions;
    const split = splitSearch(this.unitCount, target, (from, depth) => this.collectTasks(from, depth));
    // Splitting is bookkeeping: its LPs are reported, but regions are counted only when tasks run.
    this.stats.regions = regionsBefore;
    return split;
  }

  /**
   * The feasible cells at unit `depth` below `from` (or the root): the children of a task `depth − from.length`
   * units deeper. A task that runs too long can be replaced by these (they partition its subtree). Their LPs are
   * counted in the stats; no regions are.
   */
  subtasks(from: Task | undefined, depth: number): Task[] {
    const regionsBefore = this.stats.regions;
    const out = this.collectTasks(from, Math.min(this.unitCount, depth));
    this.stats.regions = regionsBefore;
    return out;
  }

  /** The feasible cells at unit `depth` below `from` (or the root). */
  private collectTasks(from: Task | undefined, depth: number): Task[] {
    const out: Task[] = [];
    this.stopUnit = depth;
    this.taskSink = (t) => out.push(Uint8Array.from(t.subarray(0, depth)));
    this.startRoot();
    if (from === undefined) this.visit(0, 0);
    else {
      const d = this.replayPrefix(from);
      if (d >= 0) this.visit(from.length, d);
    }
    this.stopUnit = -1;
    this.taskSink = undefined;
    return out;
  }

  /**
   * Enumerate every region in the subtree of `task` (decisions of its first `task.length` units). Returns the number
   * of regions found. `onTick` is called every `tickEvery` regions (progress, cooperative interruption; it may throw to
   * abandon the task, whose partial count is then to be discarded).
   */
  runTask(task: Task, sink?: RegionSink, onTick?: () => void, tickEvery = 256): number {
    const before = this.stats.regions, ctx = this.ctx;
    ctx.sink = sink;
    ctx.onTick = onTick;
    ctx.progressEvery = tickEvery;
    try {
      this.startRoot();
      const depth = this.replayPrefix(task);
      if (depth >= 0) this.visit(task.length, depth);
    } finally {
      // `onTick` may throw to abandon the task (a deadline); the enumerator stays usable for the next task.
      ctx.sink = undefined;
      ctx.onTick = undefined;
    }
    return this.stats.regions - before;
  }

  /** Count every region, sequentially, through the same task split as parallel runs. */
  countAll(sink?: RegionSink): number {
    const { tasks } = this.splitTasks();
    let total = 0;
    for (const t of tasks) total += this.runTask(t, sink);
    return total;
  }

  private startRoot(): void {
    this.lp.reset();
    this.below?.enter(0, 0);
    this.flats?.startTask();
    for (let u = 0; u < this.unitCount; u++) this.order[u] = u;
    this.cert?.startTask();
    if (this.cells) this.cells.start(this.box);
    const w = this.witness[0];
    for (let j = 0; j < this.n0; j++) w[j] = 0.5 * (this.box.lo[j] + this.box.hi[j]);
    this.witnessMargin[0] = Infinity;
  }

  /**
   * Re-enter the cell of a task: add the rows of its decisions, then one LP for an interior point. Returns the LP
   * depth reached, or −1 when the cell has no interior point (cannot happen for tasks made by `splitTasks` unless
   * the LP is numerically borderline).
   */
  private replayPrefix(task: Task): number {
    let depth = 0;
    for (let u = 0; u < task.length; u++) {
      this.enterPosition(u);
      const kids = this.children.prepare(u, depth);
      const choice = task[u];
      if (kids < 0) {
        // Decided without a hyperplane (stable or constant): a task recorded with the other decision is empty.
        if (this.pattern[u] !== choice) return -1;
        continue;
      }
      this.pattern[u] = choice;
      const rows = this.children.count[depth][choice];
      if (rows < 0) return -1;
      this.addChildRows(depth, choice);
      depth++;
    }
    const ok = this.solveInto(depth);
    return ok ? depth : -1;
  }

  /**
   * Solve the current LP and store the maximiser as the witness at `depth`. Returns whether the cell has an interior
   * point with margin > threshold.
   */
  private solveInto(depth: number): boolean {
    this.stats.lps++;
    const lp = this.lp, thr = this.threshold;
    const status = lp.solve(thr);
    this.lastBelow = status === LPStatus.Below;
    if (status === LPStatus.Below) return false; // certified: max t ≤ threshold
    const w = this.witness[depth];
    if (status === LPStatus.Optimal) {
      const tw = profileTiming() ? now() : 0; // profile: witness evaluation
      lp.point(w);
      const margin = Math.min(lp.marginOf(w), lp.objective());
      if (tw > 0) lpProfile[P.Time + 7] += now() - tw;
      if (margin > thr) {
        this.witnessMargin[depth] = margin;
        return true; // certified by a point
      }
      if (lp.dualBound() + lp.perturbationError <= thr) return (this.lastBelow = true), false; // certified by the dual bound
      this.stats.ambiguous++;
    } else {
      this.stats.lpFailures++;
    }
    return this.solveExactly(depth);
  }

  /** Decide the current LP with the exact oracle (borderline or failed LPs). */
  private solveExactly(depth: number): boolean {
    const lp = this.lp, m = lp.m, n0 = this.n0;
    if (!this.exact) {
      // No oracle: the point's own margin decides (conservative: never counts a region without a witness).
      const w = this.witness[depth];
      lp.point(w);
      const margin = Math.min(lp.marginOf(w), lp.objective());
      this.witnessMargin[depth] = margin;
      return margin > this.threshold;
    }
    const rows = new Float64Array(m * n0), rhs = new Float64Array(m), buf = new Float64Array(n0);
    for (let i = 0; i < m; i++) {
      rhs[i] = lp.row(i, buf);
      rows.set(buf, i * n0);
    }
    const { x } = this.exact(rows, rhs, m, this.box);
    const w = this.witness[depth];
    for (let j = 0; j < n0; j++) w[j] = Math.min(this.box.hi[j], Math.max(this.box.lo[j], x[j]));
    const margin = lp.marginOf(w);
    this.witnessMargin[depth] = margin;
    return margin > this.threshold;
  }

  /** Add the rows of child `child` of the unit prepared at `depth` to the LP (and clip the exact cell by them). */
  private addChildRows(depth: number, child: number): void {
    const ch = this.children, rows = ch.rows[depth], rhs = ch.rhs[depth], n0 = this.n0;
    const count = ch.count[depth][child];
    const per = ch.per[depth];
    if (this.cells) this.cells.inherit(depth);
    for (let r = 0; r < count; r++) {
      const at = child * per + r;
      this.lp.addRow(rows.subarray(at * n0, (at + 1) * n0), rhs[at]);
      if (this.cells) this.cells.clip(depth + 1, rows, at * n0, rhs[at]);
    }
    this.below?.enter(depth + 1, this.lp.m);
  }

  /** Compute the layer forms that search position `pos` starts (positions of a layer's first unit, see boundaryFirst). */
  private enterPosition(pos: number): void {
    const ctx = this.ctx, bl = this.boundaryFirst[pos];
    if (bl > 0) for (let q = bl; q <= this.boundaryLast[pos]; q++) computeForms(ctx.layers, ctx.formA, ctx.formC, this.pattern, q, this.n0);
    // (The last layer may be the first hidden layer, whose forms are the weights themselves: no boundary there.)
    if (this.farthestFirst && pos === ctx.lastStart) {
      const A = ctx.formA[ctx.lastLayer], n0 = this.n0;
      for (let i = 0; i < this.lastNorms.length; i++) this.lastNorms[i] = rowNorm(A, i, n0);
    }
  }

  /**
   * Put at position `pos` of the last layer the remaining unit to branch on next: first those decided without a
   * hyperplane, then the one whose hyperplane is farthest from the witness w. A far hyperplane often misses the cell
   * (one child, settled once for the whole subtree instead of once per node below), and the units left for the
   * subtree are those passing near w, whose common points the central certificate needs. Positions after `pos` keep
   * the other remaining units in some order; the count does not depend on it.
   */
  private chooseUnit(pos: number, w: Float64Array): void {
    const ctx = this.ctx, order = this.order, L = ctx.lastLayer, A = ctx.formA[L], C = ctx.formC[L], flagsL = ctx.flags[L];
    const n0 = this.n0, norms = this.lastNorms, zeroNorm = ctx.zeroNorm[L], unitIndex = ctx.unitIndex;
    let best = pos, bestScore = -1;
    for (let p = pos; p < ctx.lastEnd; p++) {
      const i = unitIndex[order[p]];
      let score: number;
      if (flagsL[i] !== 0 || norms[i] <= zeroNorm[i]) score = Infinity;
      else {
        let s = C[i];
        for (let q = 0; q < n0; q++) s += A[i * n0 + q] * w[q];
        score = Math.abs(s) / norms[i];
      }
      if (score > bestScore) {
        bestScore = score;
        best = p;
        if (score === Infinity) break;
      }
    }
    const u = order[best];
    order[best] = order[pos];
    order[pos] = u;
  }

  /**
   * Visit search position `pos` (unit order[pos]) at LP depth `depth` (rows in the LP, witness at witness[depth] with
   * margin witnessMargin[depth]): walk over the units decided without a hyperplane, then count the cell's subtree by
   * flats or the central certificate when they can, else branch.
   */
  private visit(pos: number, depth: number): void {
    const N = this.unitCount, ctx = this.ctx;
    // Units decided without a hyperplane do not branch: walk over them.
    let kids = -1, u = -1;
    while (pos < N && pos !== this.stopUnit) {
      this.enterPosition(pos);
      if (this.farthestFirst && pos >= ctx.lastStart && pos < ctx.lastEnd - 1 && this.stopUnit < 0) {
        this.chooseUnit(pos, this.witness[depth]);
      }
      u = this.order[pos];
      kids = this.children.prepare(u, depth);
      if (kids >= 0) break;
      pos++;
    }
    if (pos === this.stopUnit && this.taskSink) {
      this.stats.regions++;
      this.taskSink(this.pattern);
      return;
    }
    if (pos >= N) {
      this.stats.regions++;
      if (ctx.sink) ctx.sink(this.pattern, this.witness[depth], this.witnessMargin[depth]);
      if (ctx.onTick && this.stats.regions % ctx.progressEvery === 0) ctx.onTick();
      return;
    }
    // The last layer's remaining units by the flats of their hyperplanes that meet the cell.
    if (this.flats && this.stopUnit < 0 && !this.acceptCell && !ctx.sink) {
      const found = this.flats.atCell(pos, depth);
      if (found >= 0) {
        const before = this.stats.regions, every = ctx.progressEvery;
        this.stats.regions += found;
        if (ctx.onTick && every > 0 && Math.floor(before / every) !== Math.floor(this.stats.regions / every)) ctx.onTick();
        return;
      }
    }
    // The last layer's remaining units at once, when few are left and that has been paying in this task.
    let group = 0, lpsBefore = -1;
    if (this.central && this.cert && pos >= ctx.centralStart && this.stopUnit < 0 && !this.acceptCell &&
      (group = this.cert.key(pos)) > 0) {
      if (this.cert.attempt(pos, depth, group)) return;
      lpsBefore = this.stats.lps;
    }
    this.branch(pos, depth, u, kids);
    if (lpsBefore >= 0) this.cert!.searched(group, this.stats.lps - lpsBefore);
  }

  /**
   * Branch on unit u at search position `pos` (LP depth `depth`, `kids` children prepared): the witness's own child
   * first, without an LP when the witness is clear of the new hyperplanes, then every other child the exact cell does
   * not refute, by a step across or an LP; visit each child kept.
   */
  private branch(pos: number, depth: number, u: number, kids: number): void {
    const w = this.witness[depth];
    const wm = this.witnessMargin[depth];
    const cnt = this.children.count[depth];
    // The witness's own child, when it is clear of the new hyperplanes by more than the threshold.
    let wChild = -1, wChildMargin = 0;
    const tw = profileTiming() ? now() : 0; // profile: witness evaluation
    if (wm > this.threshold) {
      for (let c = 0; c < kids; c++) {
        if (cnt[c] < 0) continue;
        const m = this.children.marginOf(depth, c, w);
        if (m > this.threshold) {
          wChild = c;
          wChildMargin = Math.min(wm, m);
          break;
        }
      }
    }
    if (tw > 0) lpProfile[P.Time + 7] += now() - tw;
    this.lp.save(depth);
    let dirty = false;
    if (wChild >= 0) {
      this.stats.witnessHits++;
      this.addChildRows(depth, wChild);
      this.pattern[u] = wChild;
      this.witness[depth + 1].set(w);
      this.witnessMargin[depth + 1] = wChildMargin;
      if (!this.acceptCell || this.cellAccepted(depth + 1)) this.visit(pos + 1, depth + 1);
      dirty = true;
    }
    const ch = this.children;
    for (let c = 0; c < kids; c++) {
      if (c === wChild || cnt[c] < 0) continue;
      // Child rows live in per-depth buffers that deeper levels never touch, so only the LP needs restoring.
      if (this.cells && this.cells.refutes(depth, ch.rows[depth], ch.rhs[depth], c * ch.per[depth], cnt[c], this.threshold)) {
        this.stats.cellRefutations++;
        continue;
      }
      // A kept dual-bound certificate proves this child empty in an ancestor's cell (#33).
      const per = ch.per[depth], key = u * this.belowStride + c;
      if (this.below?.proves(key, depth, ch.rows[depth], c * per * this.n0, ch.rhs[depth], c * per, cnt[c])) continue;
      if (dirty) this.lp.restore(depth);
      dirty = true;
      this.addChildRows(depth, c);
      const ts = profileTiming() ? now() : 0; // profile: stepAcross is witness evaluation
      const stepped = this.stepAcross(depth, c, w, wm);
      if (ts > 0) lpProfile[P.Time + 7] += now() - ts;
      if (!stepped && !this.solveInto(depth + 1)) {
        // Keep the certificate of an empty child for the subtree where it holds.
        if (this.lastBelow && this.below) this.below.record(key, this.lp, depth, ch.rows[depth], c * per * this.n0, ch.rhs[depth], c * per, cnt[c]);
        continue;
      }
      if (this.acceptCell && !this.cellAccepted(depth + 1)) continue;
      this.pattern[u] = c;
      this.visit(pos + 1, depth + 1);
    }
  }

  /** Ask `acceptCell` about the cell now in the LP, whose witness is at `depth`. */
  private cellAccepted(depth: number): boolean {
    const lp = this.lp, n0 = this.n0, rows = this.filterRows!, rhs = this.filterRhs!;
    for (let i = 0; i < lp.m; i++) rhs[i] = lp.row(i, rows.subarray(i * n0, (i + 1) * n0));
    return this.acceptCell!(rows, rhs, lp.m, this.witness[depth], this.witnessMargin[depth]);
  }

  /**
   * Try to certify child c of a ReLU-like unit without an LP by stepping the witness w (margin wm) across the child's
   * hyperplane ({@link WitnessStep.across}); the point found becomes the child's witness.
   */
  private stepAcross(depth: number, c: number, w: Float64Array, wm: number): boolean {
    if (this.children.per[depth] !== 1 || !(wm > this.threshold)) return false;
    const d = -this.children.marginOf(depth, c, w);
    const n0 = this.n0, a = this.children.rows[depth].subarray(c * n0, (c + 1) * n0);
    const margin = this.step.across(this.lp, a, d, w, wm, this.witness[depth + 1]);
    if (!(margin > this.threshold)) return false;
    this.witnessMargin[depth + 1] = margin;
    this.stats.stepHits++;
    return true;
  }
}
