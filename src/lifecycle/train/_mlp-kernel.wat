;; The MLP objective's two heavy loops (`_mlp-kernel.ts`) in WebAssembly SIMD, two float64 lanes.
;; Standard SIMD has no fused multiply-add, so every lane rounds each product and each sum as the
;; JavaScript loops do: each lane is one of their sums, taken in the same order, so the results are
;; the same bit for bit. Regenerate `_mlp-kernel.wasm.ts` with `node scripts/build-kernel.mjs`.
;;
;; Memory (imported, laid out by `_mlp-kernel.ts`; all offsets in bytes, 16-aligned; f64 elements):
;;   xs  rows of `dp` columns (the real `d`, then zero padding to even), plus one zero row
;;   wt  the input weights transposed: column c's `hp` weights at wt + c·hp·8 (zero past `h`)
;;   b1  the `hp` hidden biases (zero past `h`)
;;   a   the activations: row r's `hp` at a + r·hp·8
;;   k   each row's gradient factor per hidden unit (0 where the unit is off): row r's `hp` at k + r·hp·8
;;   g   the input weights' gradient, unit j's `dp` columns at g + j·dp·8
;;   idx scratch: the rows of a block a unit is on for (i32)
(module
  (import "env" "memory" (memory 1))

  ;; a[r] = relu(b1 + Σ_c wt[c] · xs[r][c]) for rows r0 … r1−1 (r1 − r0 even), each lane's sum from
  ;; the bias up in column order; two rows and eight units at a time (`hp` a multiple of 8).
  (func (export "forward")
    (param $xs i32) (param $wt i32) (param $b1 i32) (param $a i32)
    (param $r0 i32) (param $r1 i32) (param $d i32) (param $dp i32) (param $hp i32)
    (local $r i32) (local $j i32) (local $c i32)
    (local $x0p i32) (local $x1p i32) (local $wp i32) (local $bp i32) (local $ap i32)
    (local $rowBytes i32) (local $wtStride i32)
    (local $x0 v128) (local $x1 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $rowBytes (i32.shl (local.get $dp) (i32.const 3)))
    (local.set $wtStride (i32.shl (local.get $hp) (i32.const 3)))
    (local.set $r (local.get $r0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $x0p (i32.add (local.get $xs) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $x1p (i32.add (local.get $x0p) (local.get $rowBytes)))
        (local.set $j (i32.const 0))
        (block $unitsDone
          (loop $units
            (br_if $unitsDone (i32.ge_u (local.get $j) (local.get $hp)))
            (local.set $bp (i32.add (local.get $b1) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $s00 (v128.load offset=0 (local.get $bp)))
            (local.set $s01 (v128.load offset=16 (local.get $bp)))
            (local.set $s02 (v128.load offset=32 (local.get $bp)))
            (local.set $s03 (v128.load offset=48 (local.get $bp)))
            (local.set $s10 (local.get $s00))
            (local.set $s11 (local.get $s01))
            (local.set $s12 (local.get $s02))
            (local.set $s13 (local.get $s03))
            (local.set $wp (i32.add (local.get $wt) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $c (i32.const 0))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_u (local.get $c) (local.get $d)))
                (local.set $x0 (f64x2.splat (f64.load (i32.add (local.get $x0p) (i32.shl (local.get $c) (i32.const 3))))))
                (local.set $x1 (f64x2.splat (f64.load (i32.add (local.get $x1p) (i32.shl (local.get $c) (i32.const 3))))))
                (local.set $w0 (v128.load offset=0 (local.get $wp)))
                (local.set $w1 (v128.load offset=16 (local.get $wp)))
                (local.set $w2 (v128.load offset=32 (local.get $wp)))
                (local.set $w3 (v128.load offset=48 (local.get $wp)))
                (local.set $s00 (f64x2.add (local.get $s00) (f64x2.mul (local.get $w0) (local.get $x0))))
                (local.set $s01 (f64x2.add (local.get $s01) (f64x2.mul (local.get $w1) (local.get $x0))))
                (local.set $s02 (f64x2.add (local.get $s02) (f64x2.mul (local.get $w2) (local.get $x0))))
                (local.set $s03 (f64x2.add (local.get $s03) (f64x2.mul (local.get $w3) (local.get $x0))))
                (local.set $s10 (f64x2.add (local.get $s10) (f64x2.mul (local.get $w0) (local.get $x1))))
                (local.set $s11 (f64x2.add (local.get $s11) (f64x2.mul (local.get $w1) (local.get $x1))))
                (local.set $s12 (f64x2.add (local.get $s12) (f64x2.mul (local.get $w2) (local.get $x1))))
                (local.set $s13 (f64x2.add (local.get $s13) (f64x2.mul (local.get $w3) (local.get $x1))))
                (local.set $wp (i32.add (local.get $wp) (local.get $wtStride)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $cols)))
            ;; ReLU: a lane that is not above zero (NaN included) becomes +0.
            (local.set $ap (i32.add (local.get $a)
              (i32.shl (i32.add (i32.mul (local.get $r) (local.get $hp)) (local.get $j)) (i32.const 3))))
            (v128.store offset=0 (local.get $ap) (call $relu (local.get $s00)))
            (v128.store offset=16 (local.get $ap) (call $relu (local.get $s01)))
            (v128.store offset=32 (local.get $ap) (call $relu (local.get $s02)))
            (v128.store offset=48 (local.get $ap) (call $relu (local.get $s03)))
            (local.set $ap (i32.add (local.get $ap) (local.get $wtStride)))
            (v128.store offset=0 (local.get $ap) (call $relu (local.get $s10)))
            (v128.store offset=16 (local.get $ap) (call $relu (local.get $s11)))
            (v128.store offset=32 (local.get $ap) (call $relu (local.get $s12)))
            (v128.store offset=48 (local.get $ap) (call $relu (local.get $s13)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $units)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rows))))

  (func $relu (param $v v128) (result v128)
    (v128.and (local.get $v) (f64x2.gt (local.get $v) (f64x2.splat (f64.const 0)))))

  ;; g[j] += k[r][j] · xs[r] for each unit j < h and each row r0 … r1−1 with k[r][j] ≠ 0, rows in
  ;; order; two columns a lane pair, up to eight rows a pass over the unit's gradient row. Skipping a zero
  ;; factor changes nothing: the gradient starts at +0 and sums never make −0 from it.
  (func (export "backward")
    (param $xs i32) (param $k i32) (param $g i32) (param $idx i32)
    (param $r0 i32) (param $r1 i32) (param $h i32) (param $dp i32) (param $hp i32)
    (local $r i32) (local $j i32) (local $n i32) (local $q i32) (local $c i32)
    (local $rowBytes i32) (local $gp i32) (local $end i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $o4 i32) (local $o5 i32) (local $o6 i32) (local $o7 i32)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128)
    (local $k4 v128) (local $k5 v128) (local $k6 v128) (local $k7 v128) (local $v v128)
    (local $kv f64)
    (local.set $rowBytes (i32.shl (local.get $dp) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $unitsDone
      (loop $units
        (br_if $unitsDone (i32.ge_u (local.get $j) (local.get $h)))
        ;; The block's rows this unit is on for, in order.
        (local.set $n (i32.const 0))
        (local.set $r (local.get $r0))
        (block $scanDone
          (loop $scan
            (br_if $scanDone (i32.ge_u (local.get $r) (local.get $r1)))
            (local.set $kv (f64.load (i32.add (local.get $k)
              (i32.shl (i32.add (i32.mul (local.get $r) (local.get $hp)) (local.get $j)) (i32.const 3)))))
            (if (f64.ne (local.get $kv) (f64.const 0))
              (then
                (i32.store (i32.add (local.get $idx) (i32.shl (local.get $n) (i32.const 2))) (local.get $r))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $scan)))
        (local.set $gp (i32.add (local.get $g) (i32.mul (local.get $j) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $gp) (local.get $rowBytes)))
        (local.set $q (i32.const 0))
        ;; Eight rows a pass, then four, then one.
        (block $octsDone
          (loop $octs
            (br_if $octsDone (i32.gt_u (i32.add (local.get $q) (i32.const 8)) (local.get $n)))
            (local.set $o0 (call $rowAt (local.get $xs) (local.get $idx) (local.get $q) (local.get $rowBytes)))
            (local.set $o1 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 1)) (local.get $rowBytes)))
            (local.set $o2 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 2)) (local.get $rowBytes)))
            (local.set $o3 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 3)) (local.get $rowBytes)))
            (local.set $o4 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 4)) (local.get $rowBytes)))
            (local.set $o5 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 5)) (local.get $rowBytes)))
            (local.set $o6 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 6)) (local.get $rowBytes)))
            (local.set $o7 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 7)) (local.get $rowBytes)))
            (local.set $k0 (call $factor (local.get $k) (local.get $idx) (local.get $q) (local.get $hp) (local.get $j)))
            (local.set $k1 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 1)) (local.get $hp) (local.get $j)))
            (local.set $k2 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 2)) (local.get $hp) (local.get $j)))
            (local.set $k3 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 3)) (local.get $hp) (local.get $j)))
            (local.set $k4 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 4)) (local.get $hp) (local.get $j)))
            (local.set $k5 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 5)) (local.get $hp) (local.get $j)))
            (local.set $k6 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 6)) (local.get $hp) (local.get $j)))
            (local.set $k7 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 7)) (local.get $hp) (local.get $j)))
            (local.set $c (local.get $gp))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_u (local.get $c) (local.get $end)))
                (local.set $v (v128.load (local.get $c)))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k0) (v128.load (local.get $o0)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k1) (v128.load (local.get $o1)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k2) (v128.load (local.get $o2)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k3) (v128.load (local.get $o3)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k4) (v128.load (local.get $o4)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k5) (v128.load (local.get $o5)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k6) (v128.load (local.get $o6)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k7) (v128.load (local.get $o7)))))
                (v128.store (local.get $c) (local.get $v))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (local.set $o0 (i32.add (local.get $o0) (i32.const 16)))
                (local.set $o1 (i32.add (local.get $o1) (i32.const 16)))
                (local.set $o2 (i32.add (local.get $o2) (i32.const 16)))
                (local.set $o3 (i32.add (local.get $o3) (i32.const 16)))
                (local.set $o4 (i32.add (local.get $o4) (i32.const 16)))
                (local.set $o5 (i32.add (local.get $o5) (i32.const 16)))
                (local.set $o6 (i32.add (local.get $o6) (i32.const 16)))
                (local.set $o7 (i32.add (local.get $o7) (i32.const 16)))
                (br $cols)))
            (local.set $q (i32.add (local.get $q) (i32.const 8)))
            (br $octs)))
        (block $quadsDone
          (loop $quads
            (br_if $quadsDone (i32.gt_u (i32.add (local.get $q) (i32.const 4)) (local.get $n)))
            (local.set $o0 (call $rowAt (local.get $xs) (local.get $idx) (local.get $q) (local.get $rowBytes)))
            (local.set $o1 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 1)) (local.get $rowBytes)))
            (local.set $o2 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 2)) (local.get $rowBytes)))
            (local.set $o3 (call $rowAt (local.get $xs) (local.get $idx) (i32.add (local.get $q) (i32.const 3)) (local.get $rowBytes)))
            (local.set $k0 (call $factor (local.get $k) (local.get $idx) (local.get $q) (local.get $hp) (local.get $j)))
            (local.set $k1 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 1)) (local.get $hp) (local.get $j)))
            (local.set $k2 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 2)) (local.get $hp) (local.get $j)))
            (local.set $k3 (call $factor (local.get $k) (local.get $idx) (i32.add (local.get $q) (i32.const 3)) (local.get $hp) (local.get $j)))
            (local.set $c (local.get $gp))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_u (local.get $c) (local.get $end)))
                (local.set $v (v128.load (local.get $c)))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k0) (v128.load (local.get $o0)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k1) (v128.load (local.get $o1)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k2) (v128.load (local.get $o2)))))
                (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $k3) (v128.load (local.get $o3)))))
                (v128.store (local.get $c) (local.get $v))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (local.set $o0 (i32.add (local.get $o0) (i32.const 16)))
                (local.set $o1 (i32.add (local.get $o1) (i32.const 16)))
                (local.set $o2 (i32.add (local.get $o2) (i32.const 16)))
                (local.set $o3 (i32.add (local.get $o3) (i32.const 16)))
                (br $cols)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $quads)))
        ;; The rest one row a pass.
        (block $singlesDone
          (loop $singles
            (br_if $singlesDone (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $o0 (call $rowAt (local.get $xs) (local.get $idx) (local.get $q) (local.get $rowBytes)))
            (local.set $k0 (call $factor (local.get $k) (local.get $idx) (local.get $q) (local.get $hp) (local.get $j)))
            (local.set $c (local.get $gp))
            (block $colsDone
              (loop $cols
                (br_if $colsDone (i32.ge_u (local.get $c) (local.get $end)))
                (v128.store (local.get $c)
                  (f64x2.add (v128.load (local.get $c)) (f64x2.mul (local.get $k0) (v128.load (local.get $o0)))))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (local.set $o0 (i32.add (local.get $o0) (i32.const 16)))
                (br $cols)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $singles)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $units))))

  ;; The address of the row listed at idx[q].
  (func $rowAt (param $xs i32) (param $idx i32) (param $q i32) (param $rowBytes i32) (result i32)
    (i32.add (local.get $xs)
      (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $q) (i32.const 2)))) (local.get $rowBytes))))

  ;; Unit j's factor of the row listed at idx[q], in both lanes.
  (func $factor (param $k i32) (param $idx i32) (param $q i32) (param $hp i32) (param $j i32) (result v128)
    (f64x2.splat (f64.load (i32.add (local.get $k)
      (i32.shl
        (i32.add
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $q) (i32.const 2)))) (local.get $hp))
          (local.get $j))
        (i32.const 3))))))
)
