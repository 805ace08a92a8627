;; MarginLP's pivot-row kernel (WebAssembly with 128-bit SIMD); its TypeScript twin is MarginLP's JS path.
;; Compiled by `npm run build:wasm` (scripts/build-wasm.mjs, wabt) into src/lp/pivot-kernel-bytes.ts; a test checks
;; that the committed bytes are this file's compilation and that both paths give bit-identical results.
;;
;; pivot(m, sgn, tol, skipFixed): alpha_j = sum_i rho_i A[i, j] for the structural columns j < n (A row-major, stride n;
;; rows summed in order 0..m-1, rows with rho_i = 0 skipped, exactly as the JS path does; eight columns at a time in
;; four SIMD accumulators, over a list of the nonzero rows made first), alpha_{n+k} = -rho_k for the row activities, and then the bound-flipping ratio test's
;; candidates: nonbasic columns j (pos[j] < 0) with sgn*alpha_j > tol at lower or < -tol at upper, their ratio
;; max(0, d_j / (sgn*alpha_j)) and their slope drop (ub_j - lb_j) |alpha_j|, picked without branches on the data;
;; with skipFixed = 1 also only columns whose drop is nonzero (a zero range: an equality row's activity, which can
;; never enter). Returns the number of candidates.
;; split(src, rest, pr, idx, spare): the ratio test's split of candidates at a ratio pr, without branches on the data.
;; dualUpdate(nv, theta): the dual step d -= theta * alpha over every column, in SIMD.
;; subScaled(dst, src, count, s): dst_j -= s * src_j (reduced costs from scratch, one row of A at a time).
;; rowDots(m, cols): the rows' dot products with a vector x (margins of a point, basic values from nonbasic ones).
;; Arrays live in this module's memory at the byte offsets given once to `layout` (the last: room for 16 bytes a row,
;; the pivot's list of nonzero rows).

(module
  (memory (export "memory") 1)
  (global $A (mut i32) (i32.const 0))
  (global $rho (mut i32) (i32.const 0))
  (global $alpha (mut i32) (i32.const 0))
  (global $pos (mut i32) (i32.const 0))
  (global $upper (mut i32) (i32.const 0))
  (global $d (mut i32) (i32.const 0))
  (global $lb (mut i32) (i32.const 0))
  (global $ub (mut i32) (i32.const 0))
  (global $cand (mut i32) (i32.const 0))
  (global $ratio (mut i32) (i32.const 0))
  (global $drop (mut i32) (i32.const 0))
  (global $n (mut i32) (i32.const 0))
  (global $x (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0))
  (global $nz (mut i32) (i32.const 0))
  (func (export "layout") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (global.set $A (local.get 0)) (global.set $rho (local.get 1)) (global.set $alpha (local.get 2))
    (global.set $pos (local.get 3)) (global.set $upper (local.get 4)) (global.set $d (local.get 5))
    (global.set $lb (local.get 6)) (global.set $ub (local.get 7)) (global.set $cand (local.get 8))
    (global.set $ratio (local.get 9)) (global.set $drop (local.get 10)) (global.set $n (local.get 11))
    (global.set $x (local.get 12)) (global.set $out (local.get 13)) (global.set $nz (local.get 14)))
  ;; alpha_j = sum_i rho_i A[i, j] (j < n), alpha_{n+k} = -rho_k; candidates collected; returns their number
  (func (export "pivot") (param $m i32) (param $sgn f64) (param $tol f64) (param $skipFixed i32) (result i32)
    (local $j i32) (local $i i32) (local $p i32) (local $r i32) (local $acc v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $rv v128) (local $s f64) (local $stride i32) (local $n i32) (local $nv i32) (local $nc i32) (local $at f64)
    (local $c i32) (local $keep i32) (local $q i32) (local $col i32) (local $at2 v128) (local $s2 v128) (local $dr2 v128) (local $sgn2 v128) (local $tol2 v128) (local $ntol2 v128)
    (local.set $n (global.get $n))
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    ;; the rows with rho_i != 0 (B^-1 is sparse after a few pivots; the others add nothing, skipped as in JS), in
    ;; increasing i, as a list of (rho_i, byte offset of row i) pairs: no test on rho in the loops below
    (local.set $i (i32.const 0))
    (local.set $q (global.get $nz))
    (block $z_done
      (loop $zs
        (br_if $z_done (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $s (f64.load (i32.add (global.get $rho) (i32.shl (local.get $i) (i32.const 3)))))
        (f64.store (local.get $q) (local.get $s))
        (i32.store offset=8 (local.get $q) (i32.mul (local.get $i) (local.get $stride)))
        (local.set $q (i32.add (local.get $q) (i32.shl (f64.ne (local.get $s) (f64.const 0)) (i32.const 4))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $zs)))
    ;; q: the end of the list
    ;; blocks of 8 columns: four independent accumulators hide the latency of the additions
    (block $b_done
      (loop $blocks
        (br_if $b_done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
        (local.set $acc (v128.const f64x2 0 0))
        (local.set $acc1 (v128.const f64x2 0 0))
        (local.set $acc2 (v128.const f64x2 0 0))
        (local.set $acc3 (v128.const f64x2 0 0))
        (local.set $col (i32.add (global.get $A) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $r (global.get $nz))
        (block $brows_done
          (loop $brows
            (br_if $brows_done (i32.ge_u (local.get $r) (local.get $q)))
            (local.set $rv (v128.load64_splat (local.get $r)))
            (local.set $p (i32.add (local.get $col) (i32.load offset=8 (local.get $r))))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $rv) (v128.load (local.get $p)))))
            (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $rv) (v128.load offset=16 (local.get $p)))))
            (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul (local.get $rv) (v128.load offset=32 (local.get $p)))))
            (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul (local.get $rv) (v128.load offset=48 (local.get $p)))))
            (local.set $r (i32.add (local.get $r) (i32.const 16)))
            (br $brows)))
        (local.set $p (i32.add (global.get $alpha) (i32.shl (local.get $j) (i32.const 3))))
        (v128.store (local.get $p) (local.get $acc))
        (v128.store offset=16 (local.get $p) (local.get $acc1))
        (v128.store offset=32 (local.get $p) (local.get $acc2))
        (v128.store offset=48 (local.get $p) (local.get $acc3))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $blocks)))
    ;; remaining pairs
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
        (local.set $acc (v128.const f64x2 0 0))
        (local.set $col (i32.add (global.get $A) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $r (global.get $nz))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $r) (local.get $q)))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (v128.load64_splat (local.get $r))
              (v128.load (i32.add (local.get $col) (i32.load offset=8 (local.get $r)))))))
            (local.set $r (i32.add (local.get $r) (i32.const 16)))
            (br $rows)))
        (v128.store (i32.add (global.get $alpha) (i32.shl (local.get $j) (i32.const 3))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs)))
    ;; odd tail
    (if (i32.lt_s (local.get $j) (local.get $n))
      (then
        (local.set $s (f64.const 0))
        (local.set $col (i32.add (global.get $A) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $r (global.get $nz))
        (block $t_done
          (loop $t_rows
            (br_if $t_done (i32.ge_u (local.get $r) (local.get $q)))
            (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $r))
              (f64.load (i32.add (local.get $col) (i32.load offset=8 (local.get $r)))))))
            (local.set $r (i32.add (local.get $r) (i32.const 16)))
            (br $t_rows)))
        (f64.store (i32.add (global.get $alpha) (i32.shl (local.get $j) (i32.const 3))) (local.get $s))))
    ;; row activities
    (local.set $i (i32.const 0))
    (block $k_done
      (loop $ks
        (br_if $k_done (i32.ge_s (local.get $i) (local.get $m)))
        (f64.store (i32.add (global.get $alpha) (i32.shl (i32.add (local.get $n) (local.get $i)) (i32.const 3)))
          (f64.neg (f64.load (i32.add (global.get $rho) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ks)))
    ;; candidates over all n + m columns, without a branch on the data (the tests go either way about half the time,
    ;; so branches mispredict), two columns at a time: both columns' index, ratio and drop are stored at slot nc in
    ;; turn and nc advances only past a candidate, so the slot after the last candidate keeps a non-candidate's
    ;; values (the JS twin does the same). A column is a candidate when nonbasic (pos < 0) and sgn*alpha > tol at
    ;; lower or < -tol at upper: bits g ^ (u & (l ^ g)) with l = [at < -tol], g = [at > tol], u = upper.
    (local.set $nv (i32.add (local.get $n) (local.get $m)))
    (local.set $j (i32.const 0))
    ;; keep: the lanes whose candidacy does not depend on the drop (both without skipFixed, none with it)
    (local.set $keep (select (i32.const 0) (i32.const 3) (local.get $skipFixed)))
    (local.set $sgn2 (f64x2.splat (local.get $sgn)))
    (local.set $tol2 (f64x2.splat (local.get $tol)))
    (local.set $ntol2 (f64x2.splat (f64.neg (local.get $tol))))
    (block $c_done
      (loop $cs
        (br_if $c_done (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $nv)))
        (local.set $p (i32.shl (local.get $j) (i32.const 3)))
        (local.set $at2 (f64x2.mul (local.get $sgn2) (v128.load (i32.add (global.get $alpha) (local.get $p)))))
        (local.set $s2 (f64x2.pmax
          (f64x2.div (v128.load (i32.add (global.get $d) (local.get $p))) (local.get $at2))
          (v128.const f64x2 0 0)))
        (local.set $dr2 (f64x2.mul
          (f64x2.sub (v128.load (i32.add (global.get $ub) (local.get $p))) (v128.load (i32.add (global.get $lb) (local.get $p))))
          (f64x2.abs (local.get $at2))))
        (local.set $r (i32.load16_u (i32.add (global.get $upper) (local.get $j))))
        (local.set $r (i32.or (i32.and (local.get $r) (i32.const 1)) (i32.and (i32.shr_u (local.get $r) (i32.const 7)) (i32.const 2))))
        (local.set $i (i64x2.bitmask (f64x2.lt (local.get $at2) (local.get $ntol2))))
        (local.set $c (i64x2.bitmask (f64x2.gt (local.get $at2) (local.get $tol2))))
        (local.set $c (i32.and
          (i32.and (i32x4.bitmask (v128.load64_zero (i32.add (global.get $pos) (i32.shl (local.get $j) (i32.const 2))))) (i32.const 3))
          (i32.xor (local.get $c) (i32.and (local.get $r) (i32.xor (local.get $i) (local.get $c))))))
        (local.set $c (i32.and (local.get $c)
          (i32.or (local.get $keep) (i64x2.bitmask (f64x2.ne (local.get $dr2) (v128.const f64x2 0 0))))))
        (i32.store (i32.add (global.get $cand) (i32.shl (local.get $nc) (i32.const 2))) (local.get $j))
        (f64.store (i32.add (global.get $ratio) (i32.shl (local.get $nc) (i32.const 3))) (f64x2.extract_lane 0 (local.get $s2)))
        (f64.store (i32.add (global.get $drop) (i32.shl (local.get $nc) (i32.const 3))) (f64x2.extract_lane 0 (local.get $dr2)))
        (local.set $nc (i32.add (local.get $nc) (i32.and (local.get $c) (i32.const 1))))
        (i32.store (i32.add (global.get $cand) (i32.shl (local.get $nc) (i32.const 2))) (i32.add (local.get $j) (i32.const 1)))
        (f64.store (i32.add (global.get $ratio) (i32.shl (local.get $nc) (i32.const 3))) (f64x2.extract_lane 1 (local.get $s2)))
        (f64.store (i32.add (global.get $drop) (i32.shl (local.get $nc) (i32.const 3))) (f64x2.extract_lane 1 (local.get $dr2)))
        (local.set $nc (i32.add (local.get $nc) (i32.shr_u (local.get $c) (i32.const 1))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $cs)))
    ;; an odd last column, the same way on its own
    (if (i32.lt_s (local.get $j) (local.get $nv))
      (then
        (local.set $p (i32.shl (local.get $j) (i32.const 3)))
        (local.set $at (f64.mul (local.get $sgn) (f64.load (i32.add (global.get $alpha) (local.get $p)))))
        (local.set $s (f64.div (f64.load (i32.add (global.get $d) (local.get $p))) (local.get $at)))
        (i32.store (i32.add (global.get $cand) (i32.shl (local.get $nc) (i32.const 2))) (local.get $j))
        (f64.store (i32.add (global.get $ratio) (i32.shl (local.get $nc) (i32.const 3)))
          (f64x2.extract_lane 0 (f64x2.pmax (f64x2.splat (local.get $s)) (v128.const f64x2 0 0))))
        (f64.store (i32.add (global.get $drop) (i32.shl (local.get $nc) (i32.const 3)))
          (f64.mul
            (f64.sub (f64.load (i32.add (global.get $ub) (local.get $p))) (f64.load (i32.add (global.get $lb) (local.get $p))))
            (f64.abs (local.get $at))))
        (local.set $r (i32.load8_u (i32.add (global.get $upper) (local.get $j))))
        (local.set $i (f64.lt (local.get $at) (f64.neg (local.get $tol))))
        (local.set $c (f64.gt (local.get $at) (local.get $tol)))
        (local.set $nc (i32.add (local.get $nc) (i32.and
          (i32.and
            (i32.shr_u (i32.load (i32.add (global.get $pos) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 31))
            (i32.xor (local.get $c) (i32.and (local.get $r) (i32.xor (local.get $i) (local.get $c)))))
          (i32.or (i32.and (local.get $keep) (i32.const 1))
            (f64.ne (f64.load (i32.add (global.get $drop) (i32.shl (local.get $nc) (i32.const 3)))) (f64.const 0))))))))
    (local.get $nc))
;; split(src, rest, pr, idx, spare): the bound-flipping ratio test's split of its candidates at the ratio pr. The
;; candidates are slots 0..rest-1 of the candidate arrays (src < 0) or the slots listed at byte offset src (i32s);
;; those with ratio <= pr go to the i32 list at byte offset idx, the others to the list at spare, each in order of
;; appearance; returns how many went to idx. Branch-free like the candidate pass: every slot is stored at both lists'
;; ends and only the right end advances. MarginLP's JS path does the same with the same comparisons.
  (func (export "split") (param $src i32) (param $rest i32) (param $pr f64) (param $idx i32) (param $spare i32) (result i32)
    (local $s i32) (local $c i32) (local $k i32) (local $g i32) (local $b i32) (local $pr2 v128)
    (if (i32.lt_s (local.get $src) (i32.const 0))
      (then
        (local.set $pr2 (f64x2.splat (local.get $pr)))
        (block $done
          (loop $pairs
            (br_if $done (i32.gt_s (i32.add (local.get $c) (i32.const 2)) (local.get $rest)))
            (local.set $b (i64x2.bitmask (f64x2.le
              (v128.load (i32.add (global.get $ratio) (i32.shl (local.get $c) (i32.const 3)))) (local.get $pr2))))
            (i32.store (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))
            (i32.store (i32.add (local.get $spare) (i32.shl (local.get $g) (i32.const 2))) (local.get $c))
            (local.set $k (i32.add (local.get $k) (i32.and (local.get $b) (i32.const 1))))
            (local.set $g (i32.add (local.get $g) (i32.xor (i32.and (local.get $b) (i32.const 1)) (i32.const 1))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (i32.store (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))
            (i32.store (i32.add (local.get $spare) (i32.shl (local.get $g) (i32.const 2))) (local.get $c))
            (local.set $k (i32.add (local.get $k) (i32.shr_u (local.get $b) (i32.const 1))))
            (local.set $g (i32.add (local.get $g) (i32.xor (i32.shr_u (local.get $b) (i32.const 1)) (i32.const 1))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $pairs)))
        (if (i32.lt_s (local.get $c) (local.get $rest))
          (then
            (local.set $b (f64.le (f64.load (i32.add (global.get $ratio) (i32.shl (local.get $c) (i32.const 3)))) (local.get $pr)))
            (i32.store (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))
            (i32.store (i32.add (local.get $spare) (i32.shl (local.get $g) (i32.const 2))) (local.get $c))
            (local.set $k (i32.add (local.get $k) (local.get $b))))))
      (else
        (block $done2
          (loop $list
            (br_if $done2 (i32.ge_s (local.get $s) (local.get $rest)))
            (local.set $c (i32.load (i32.add (local.get $src) (i32.shl (local.get $s) (i32.const 2)))))
            (local.set $b (f64.le (f64.load (i32.add (global.get $ratio) (i32.shl (local.get $c) (i32.const 3)))) (local.get $pr)))
            (i32.store (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))
            (i32.store (i32.add (local.get $spare) (i32.shl (local.get $g) (i32.const 2))) (local.get $c))
            (local.set $k (i32.add (local.get $k) (local.get $b)))
            (local.set $g (i32.add (local.get $g) (i32.xor (local.get $b) (i32.const 1))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $list)))))
    (local.get $k))
;; dualUpdate(nv, theta): d_j -= theta * alpha_j for every column j < nv (basic ones included: the caller resets
;; those to 0), two columns at a time; the same multiply-then-subtract as the JS path, so bit-identical.
  (func (export "dualUpdate") (param $nv i32) (param $theta f64)
    (local $p i32) (local $q i32) (local $end i32) (local $tv v128)
    (local.set $tv (f64x2.splat (local.get $theta)))
    (local.set $p (global.get $d))
    (local.set $q (global.get $alpha))
    (local.set $end (i32.add (global.get $d) (i32.shl (i32.and (local.get $nv) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p)
          (f64x2.sub (v128.load (local.get $p)) (f64x2.mul (local.get $tv) (v128.load (local.get $q)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $nv) (i32.const 1))
      (then (f64.store (local.get $p)
        (f64.sub (f64.load (local.get $p)) (f64.mul (local.get $theta) (f64.load (local.get $q))))))))
;; subScaled(dst, src, count, s): dst_j -= s * src_j for j < count, f64 arrays at byte offsets dst and src, two at a
;; time; the same multiply-then-subtract as the JS path, so bit-identical.
  (func (export "subScaled") (param $dst i32) (param $src i32) (param $count i32) (param $s f64)
    (local $end i32) (local $sv v128)
    (local.set $sv (f64x2.splat (local.get $s)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (f64x2.sub (v128.load (local.get $dst)) (f64x2.mul (local.get $sv) (v128.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $count) (i32.const 1))
      (then (f64.store (local.get $dst)
        (f64.sub (f64.load (local.get $dst)) (f64.mul (local.get $s) (f64.load (local.get $src))))))))
;; rowDots(m, cols): out_i = sum_{j < cols} A[i, j] x_j for the rows i < m. Columns in fours: lanes (a0, a1) take
;; columns j, j+1 and lanes (b0, b1) columns j+2, j+3; a remaining pair goes to (a0, a1); then
;; out_i = (a0 + b0) + (a1 + b1), plus the odd column's product. The JS twin sums in exactly this order.
  (func (export "rowDots") (param $m i32) (param $cols i32)
    (local $i i32) (local $p i32) (local $q i32) (local $end4 i32) (local $end2 i32) (local $accA v128) (local $accB v128) (local $v v128) (local $s f64)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $accA (v128.const f64x2 0 0))
        (local.set $accB (v128.const f64x2 0 0))
        (local.set $p (i32.add (global.get $A) (i32.shl (i32.mul (local.get $i) (global.get $n)) (i32.const 3))))
        (local.set $q (global.get $x))
        (local.set $end4 (i32.add (global.get $x) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 3))))
        (local.set $end2 (i32.add (global.get $x) (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3))))
        (block $q_done
          (loop $quads
            (br_if $q_done (i32.ge_u (local.get $q) (local.get $end4)))
            (local.set $accA (f64x2.add (local.get $accA) (f64x2.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
            (local.set $accB (f64x2.add (local.get $accB)
              (f64x2.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q)))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br $quads)))
        (if (i32.lt_u (local.get $q) (local.get $end2))
          (then
            (local.set $accA (f64x2.add (local.get $accA) (f64x2.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))))
        (local.set $v (f64x2.add (local.get $accA) (local.get $accB)))
        (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $p)) (f64.load (local.get $q)))))))
        (f64.store (i32.add (global.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
