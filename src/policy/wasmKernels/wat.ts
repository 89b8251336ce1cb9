/**
 * Text (WAT) of the small WebAssembly SIMD module behind our tfjs-wasm fast paths (see ./index.ts for why
 * and docs/benchmarks.md for the numbers). This file is the source of truth: `npm run build:kernels`
 * compiles it with wabt into ./binary.ts, and a test checks the committed bytes still match.
 *
 * The module imports tfjs-wasm's own linear memory, so kernels read and write tensors in place (no copies).
 * Exports:
 * - `gemm(A, sAi, sAk, B, sBk, sBn, C, ldc, bias, M, N, K, relu, scratch)`:
 *     C[i, j] = act(Σ_k A[i, k]·B[k, j] + bias[j])  for i < M, j < N.
 *   Element (i, k) of A is at byte A + 4·(i·sAi + k·sAk) and (k, j) of B at B + 4·(k·sBk + j·sBn), so
 *   transposed operands cost nothing extra. C is row-major with leading dimension ldc; bias = 0 means none;
 *   relu ≠ 0 applies max(·, 0). `scratch` must hold scratchBytesFor(M, K) bytes (index.ts; MR/NR as here).
 *   K must be ≥ 1 (callers fall back to tfjs for empty operands).
 *   Blocking: A is packed once into MR-row panels [⌈M/MR⌉][K][MR]; for each 8-column panel of B (packed to
 *   [K][8] unless it can be read in place) an MR×8 register tile accumulates over all of K.
 * - `relu(src, dst, n)`, `add(a, b, dst, n)`: element-wise.
 * - `mlp_rows(job, r0, r1, scratch)`: one ReLU residual-MLP denoiser call on rows [r0, r1) of a chain step
 *   (the direct chain path, index.ts; one call per thread).
 * - `adamw(p, g, m, v, pOut, mOut, vOut, n, b1, omb1, b2, omb2, invSqrtBc2, eps, stepSize, decay)`:
 *     m' = m·b1 + g·omb1;  v' = v·b2 + (g·g)·omb2;  d = √v'·invSqrtBc2 + eps;
 *     p' = (decay ≠ 1 ? p·decay : p) − (m'/d)·stepSize
 *   — the same float32 operations in the same order as AdamW.step's tfjs ops, so results are bitwise equal.
 *
 * Variants: `fma` uses relaxed-SIMD `f32x4.relaxed_madd` (fused on CPUs with FMA); `shared` imports a shared
 * memory (tfjs' threaded build under cross-origin isolation).
 */

/**
 * Register tile: MR rows of A × 4·NV columns of B (NV f32x4); MR·NV accumulators + NV + 1 live vectors.
 * Measured here (M = 40 and 256, K = N = 512): 4×8 is as fast as or faster than 5×8, 6×8, 3×12, 4×12, 2×16 and
 * 3×16 (the larger tiles spill in V8). Every C element is the same sequential fused sum over k whatever
 * the tile, so the tile shape never changes results.
 */
export const MR = 4;
export const NV = 2;
/** Columns of B per register tile. */
export const NR = 4 * NV;

export interface KernelVariant {
  fma: boolean;
  shared: boolean;
}

export const KERNEL_VARIANTS: KernelVariant[] = [
  { fma: true, shared: false },
  { fma: false, shared: false },
  { fma: true, shared: true },
  { fma: false, shared: true },
];

export function variantName(v: KernelVariant): string {
  return `${v.fma ? 'fma' : 'simd'}${v.shared ? '_shared' : ''}`;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** WAT source of one variant. */
export function kernelsWat({ fma, shared }: KernelVariant, mr = MR, nv = NV, directMaxRows = 48): string {
  const NR = 4 * nv;
  const madd = (a: string, b: string, c: string): string =>
    fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;
  const rows = range(mr);
  const vecs = range(nv);
  const accLocals = rows.flatMap((r) => vecs.map((h) => `(local $c${r}_${h} v128)`)).join(' ');
  const bLocals = vecs.map((h) => `(local $b${h} v128) (local $bias${h} v128)`).join(' ');
  const zeroAcc = rows
    .flatMap((r) => vecs.map((h) => `(local.set $c${r}_${h} (v128.const i32x4 0 0 0 0))`))
    .join('\n          ');
  const loadB = vecs.map((h) => `(local.set $b${h} (v128.load offset=${h * 16} (local.get $pb)))`).join('\n          ');
  const loadBias = vecs.map((h) => `(local.set $bias${h} (v128.load offset=${h * 16} (local.get $tile)))`).join('\n      ');
  const kStep = rows
    .map(
      (r) => `(local.set $a (v128.load32_splat offset=${r * 4} (local.get $pa)))
            ${vecs.map((h) => `(local.set $c${r}_${h} ${madd('(local.get $a)', `(local.get $b${h})`, `(local.get $c${r}_${h})`)})`).join('\n            ')}`,
    )
    .join('\n            ');
  const toTile = rows
    .flatMap((r) =>
      vecs.map(
        (h) =>
          `(v128.store offset=${(r * NR + h * 4) * 4} (local.get $tile) (call $epilogue (local.get $c${r}_${h}) (local.get $bias${h}) (local.get $relu)))`,
      ),
    )
    .join('\n          ');
  // Full tiles go straight to C, row r at $dst + r·ldc·4.
  const toC = rows
    .flatMap((r) => [
      ...(r > 0 ? [`(local.set $dst (i32.add (local.get $dst) (local.get $ldc4)))`] : []),
      ...vecs.map(
        (h) =>
          `(v128.store offset=${h * 16} (local.get $dst) (call $epilogue (local.get $c${r}_${h}) (local.get $bias${h}) (local.get $relu)))`,
      ),
    ])
    .join('\n            ');
  const tileBytes = mr * NR * 4;
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';

  return `(module
  (import "env" "memory" ${memory})

  ;; bias add, then optional ReLU
  (func $epilogue (param $x v128) (param $b v128) (param $relu i32) (result v128)
    (local.set $x (f32x4.add (local.get $x) (local.get $b)))
    (if (result v128) (local.get $relu)
      (then (f32x4.max (local.get $x) (v128.const f32x4 0 0 0 0)))
      (else (local.get $x))))

  ;; byte address of element (i, j) of a strided matrix
  (func $at (param $base i32) (param $i i32) (param $si i32) (param $j i32) (param $sj i32) (result i32)
    (i32.add (local.get $base)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $si)) (i32.mul (local.get $j) (local.get $sj))) (i32.const 2))))

  (func $gemm (export "gemm")
    (param $A i32) (param $sAi i32) (param $sAk i32)
    (param $B i32) (param $sBk i32) (param $sBn i32)
    (param $C i32) (param $ldc i32) (param $bias i32)
    (param $M i32) (param $N i32) (param $K i32) (param $relu i32) (param $scratch i32)
    (local $tile i32) (local $packB i32) (local $packA i32)
    (local $i i32) (local $j i32) (local $k i32) (local $r i32) (local $c i32) (local $p i32)
    (local $nr i32) (local $nc i32) (local $pa i32) (local $pb i32) (local $pb0 i32) (local $bStride i32)
    (local $dst i32) (local $src i32) (local $q i32) (local $q0 i32) (local $step i32) (local $rowStride i32) (local $ldc4 i32)
    (local $a v128) ${bLocals}
    ${accLocals}
    (local.set $ldc4 (i32.shl (local.get $ldc) (i32.const 2)))
    ;; scratch layout: tile [${mr}][${NR}] floats | packB [K][${NR}] | packA [ceil(M/${mr})][K][${mr}]
    (local.set $tile (local.get $scratch))
    (local.set $packB (i32.add (local.get $scratch) (i32.const ${tileBytes})))
    (local.set $packA (i32.add (local.get $packB) (i32.mul (local.get $K) (i32.const ${NR * 4}))))

    ;; pack A into ${mr}-row panels [ceil(M/${mr})][K][${mr}]: full panels through running row pointers (one
    ;; vector load per k when the panel's rows are adjacent in memory), the last partial panel zero-padded
    (local.set $p (local.get $packA))
    (local.set $i (i32.const 0))
    (local.set $step (i32.shl (local.get $sAk) (i32.const 2)))
    (block $packedA (loop $panelA
      (br_if $packedA (i32.ge_s (local.get $i) (local.get $M)))
      (if (i32.le_s (i32.add (local.get $i) (i32.const ${mr})) (local.get $M))
        (then
          (local.set $q0 (call $at (local.get $A) (local.get $i) (local.get $sAi) (i32.const 0) (i32.const 0)))
          (local.set $k (local.get $K))
          (if (i32.eq (local.get $sAi) (i32.const 1))
            (then
              (loop $kAv
                ${mr === 4 ? '(v128.store (local.get $p) (v128.load (local.get $q0)))' : rows.map((r) => `(f32.store offset=${r * 4} (local.get $p) (f32.load offset=${r * 4} (local.get $q0)))`).join(' ')}
                (local.set $q0 (i32.add (local.get $q0) (local.get $step)))
                (local.set $p (i32.add (local.get $p) (i32.const ${mr * 4})))
                (br_if $kAv (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
            (else
              (local.set $rowStride (i32.shl (local.get $sAi) (i32.const 2)))
              (loop $kAs
                (local.set $q (local.get $q0))
                ${rows.map((r) => `(f32.store offset=${r * 4} (local.get $p) (f32.load (local.get $q)))${r < mr - 1 ? ' (local.set $q (i32.add (local.get $q) (local.get $rowStride)))' : ''}`).join('\n                ')}
                (local.set $q0 (i32.add (local.get $q0) (local.get $step)))
                (local.set $p (i32.add (local.get $p) (i32.const ${mr * 4})))
                (br_if $kAs (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))))
        (else
          (local.set $k (i32.const 0))
          (loop $kA
            (local.set $r (i32.const 0))
            (loop $rA
              (f32.store (local.get $p)
                (if (result f32) (i32.lt_s (i32.add (local.get $i) (local.get $r)) (local.get $M))
                  (then (f32.load (call $at (local.get $A) (i32.add (local.get $i) (local.get $r)) (local.get $sAi) (local.get $k) (local.get $sAk))))
                  (else (f32.const 0))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br_if $rA (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const ${mr}))))
            (br_if $kA (i32.lt_s (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $K))))))
      (local.set $i (i32.add (local.get $i) (i32.const ${mr})))
      (br $panelA)))

    (local.set $j (i32.const 0))
    (block $doneCols (loop $colPanel
      (br_if $doneCols (i32.ge_s (local.get $j) (local.get $N)))
      (local.set $nc (i32.sub (local.get $N) (local.get $j)))
      (if (i32.gt_s (local.get $nc) (i32.const ${NR})) (then (local.set $nc (i32.const ${NR}))))

      ;; B panel: read in place when its rows are contiguous, full, 16-byte aligned, and M is small (packing
      ;; would not pay: −5 % at M = 40);
      ;; otherwise pack to [K][8], zero-padding columns past N
      (if (i32.and (i32.and (i32.and (i32.eq (local.get $sBn) (i32.const 1)) (i32.eq (local.get $nc) (i32.const ${NR})))
                   (i32.le_s (local.get $M) (i32.const ${directMaxRows})))
                   (i32.eqz (i32.and (local.get $B) (i32.const 15))))
        (then
          (local.set $pb0 (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $bStride (i32.shl (local.get $sBk) (i32.const 2))))
        (else
          (local.set $pb0 (local.get $packB))
          (local.set $bStride (i32.const ${NR * 4}))
          (local.set $step (i32.shl (local.get $sBk) (i32.const 2)))
          (if (i32.and (i32.eq (local.get $nc) (i32.const ${NR})) (i32.eq (local.get $sBn) (i32.const 1)))
            (then
              ;; full panel, contiguous rows: ${nv} vector copies per k
              (local.set $q (call $at (local.get $B) (i32.const 0) (i32.const 0) (local.get $j) (i32.const 1)))
              (local.set $p (local.get $packB))
              (local.set $k (local.get $K))
              (loop $kBv
                ${vecs.map((h) => `(v128.store offset=${h * 16} (local.get $p) (v128.load offset=${h * 16} (local.get $q)))`).join(' ')}
                (local.set $q (i32.add (local.get $q) (local.get $step)))
                (local.set $p (i32.add (local.get $p) (i32.const ${NR * 4})))
                (br_if $kBv (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
            (else (if (i32.eq (local.get $nc) (i32.const ${NR}))
              (then
                ;; full panel, strided columns (a transposed B): one running pointer per column
                (local.set $c (i32.const 0))
                (loop $cBs
                  (local.set $q (call $at (local.get $B) (i32.const 0) (i32.const 0) (i32.add (local.get $j) (local.get $c)) (local.get $sBn)))
                  (local.set $p (i32.add (local.get $packB) (i32.shl (local.get $c) (i32.const 2))))
                  (local.set $k (local.get $K))
                  (loop $kBs
                    (f32.store (local.get $p) (f32.load (local.get $q)))
                    (local.set $q (i32.add (local.get $q) (local.get $step)))
                    (local.set $p (i32.add (local.get $p) (i32.const ${NR * 4})))
                    (br_if $kBs (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
                  (br_if $cBs (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const ${NR})))))
              (else
                ;; the last, partial panel: zero-padded past N
                (local.set $p (local.get $packB))
                (local.set $k (i32.const 0))
                (loop $kB
                  (local.set $c (i32.const 0))
                  (loop $cB
                    (f32.store (local.get $p)
                      (if (result f32) (i32.lt_s (local.get $c) (local.get $nc))
                        (then (f32.load (call $at (local.get $B) (local.get $k) (local.get $sBk) (i32.add (local.get $j) (local.get $c)) (local.get $sBn))))
                        (else (f32.const 0))))
                    (local.set $p (i32.add (local.get $p) (i32.const 4)))
                    (br_if $cB (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const ${NR}))))
                  (br_if $kB (i32.lt_s (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $K))))))))))

      ;; bias of this panel (zeros when absent or past N), staged through the tile
      (local.set $c (i32.const 0))
      (loop $cBias
        (f32.store (i32.add (local.get $tile) (i32.shl (local.get $c) (i32.const 2)))
          (if (result f32) (i32.and (i32.ne (local.get $bias) (i32.const 0)) (i32.lt_s (local.get $c) (local.get $nc)))
            (then (f32.load (i32.add (local.get $bias) (i32.shl (i32.add (local.get $j) (local.get $c)) (i32.const 2)))))
            (else (f32.const 0))))
        (br_if $cBias (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const ${NR}))))
      ${loadBias}

      (local.set $i (i32.const 0))
      (local.set $pa (local.get $packA))
      (block $doneRows (loop $rowPanel
        (br_if $doneRows (i32.ge_s (local.get $i) (local.get $M)))
        ${zeroAcc}
        (local.set $pb (local.get $pb0))
        (local.set $k (local.get $K))
        (loop $kLoop
          ${loadB}
            ${kStep}
          (local.set $pa (i32.add (local.get $pa) (i32.const ${mr * 4})))
          (local.set $pb (i32.add (local.get $pb) (local.get $bStride)))
          (br_if $kLoop (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $nr (i32.sub (local.get $M) (local.get $i)))
        (if (i32.gt_s (local.get $nr) (i32.const ${mr})) (then (local.set $nr (i32.const ${mr}))))
        (if (i32.and (i32.eq (local.get $nr) (i32.const ${mr})) (i32.eq (local.get $nc) (i32.const ${NR})))
          (then
            (local.set $dst (call $at (local.get $C) (local.get $i) (local.get $ldc) (local.get $j) (i32.const 1)))
            ${toC})
          (else
        ${toTile}

        ;; copy the valid nr × nc part of the tile to C
        (local.set $r (i32.const 0))
        (loop $copyRow
          (local.set $dst (call $at (local.get $C) (i32.add (local.get $i) (local.get $r)) (local.get $ldc) (local.get $j) (i32.const 1)))
          (local.set $src (i32.add (local.get $tile) (i32.mul (local.get $r) (i32.const ${NR * 4}))))
          (if (i32.eq (local.get $nc) (i32.const ${NR}))
            (then
              ${vecs.map((h) => `(v128.store offset=${h * 16} (local.get $dst) (v128.load offset=${h * 16} (local.get $src)))`).join('\n              ')})
            (else
              (local.set $c (i32.const 0))
              (loop $copyCol
                (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))
                  (f32.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2)))))
                (br_if $copyCol (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $nc))))))
          (br_if $copyRow (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $nr))))))
        (local.set $i (i32.add (local.get $i) (i32.const ${mr})))
        (br $rowPanel)))
      (local.set $j (i32.add (local.get $j) (i32.const ${NR})))
      (br $colPanel))))

  ;; dst[i] = max(src[i], 0) for i < n (dst may equal src)
  (func $relu (export "relu") (param $src i32) (param $dst i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $doneVec (loop $vec
      (br_if $doneVec (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $dst) (local.get $o))
        (f32x4.max (v128.load (i32.add (local.get $src) (local.get $o))) (v128.const f32x4 0 0 0 0)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $vec)))
    (block $doneTail (loop $tail
      (br_if $doneTail (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $dst) (local.get $o))
        (f32.max (f32.load (i32.add (local.get $src) (local.get $o))) (f32.const 0)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $tail))))

  ;; dst[i] = a[i] + b[i] for i < n (dst may equal a or b)
  (func $add (export "add") (param $a i32) (param $b i32) (param $dst i32) (param $n i32)
    (local $o i32) (local $end i32) (local $end4 i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $doneVec (loop $vec
      (br_if $doneVec (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $dst) (local.get $o))
        (f32x4.add (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $vec)))
    (block $doneTail (loop $tail
      (br_if $doneTail (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $dst) (local.get $o))
        (f32.add (f32.load (i32.add (local.get $a) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $tail))))

  ;; One denoiser call for rows [r0, r1) of a chain (chain.ts' DirectReluMlp, one call per thread):
  ;;   h = x·wx + c;  per block: h = h + (relu(relu(h)·W1 + b1))·W2 + b2;  out = h·Wl + bl
  ;; as the same gemm/relu/add calls the tfjs ops make, on row slices (rows are independent, so any split
  ;; of the rows gives bitwise the same result). Job words (i32): 0 inDim, 1 H, 2 O, 3 nBlocks, 4 x, 5 c,
  ;; 6 t, 7 h, 8 r, 9 u, 10 out, 11 wx, 12 lastW, 13 lastB, then per block l1W, l1b, l2W, l2b.
  (func (export "mlp_rows") (param $job i32) (param $r0 i32) (param $r1 i32) (param $scratch i32)
    (local $inDim i32) (local $H i32) (local $O i32) (local $M i32) (local $n i32) (local $rowH i32)
    (local $x i32) (local $c i32) (local $t i32) (local $h i32) (local $r i32) (local $u i32) (local $out i32)
    (local $blk i32) (local $b i32)
    (local.set $inDim (i32.load offset=0 (local.get $job)))
    (local.set $H (i32.load offset=4 (local.get $job)))
    (local.set $O (i32.load offset=8 (local.get $job)))
    (local.set $M (i32.sub (local.get $r1) (local.get $r0)))
    (if (i32.le_s (local.get $M) (i32.const 0)) (then (return)))
    (local.set $n (i32.mul (local.get $M) (local.get $H)))
    (local.set $rowH (i32.shl (i32.mul (local.get $r0) (local.get $H)) (i32.const 2)))
    (local.set $x (i32.add (i32.load offset=16 (local.get $job)) (i32.shl (i32.mul (local.get $r0) (local.get $inDim)) (i32.const 2))))
    (local.set $c (i32.add (i32.load offset=20 (local.get $job)) (local.get $rowH)))
    (local.set $t (i32.add (i32.load offset=24 (local.get $job)) (local.get $rowH)))
    (local.set $h (i32.add (i32.load offset=28 (local.get $job)) (local.get $rowH)))
    (local.set $r (i32.add (i32.load offset=32 (local.get $job)) (local.get $rowH)))
    (local.set $u (i32.add (i32.load offset=36 (local.get $job)) (local.get $rowH)))
    (local.set $out (i32.add (i32.load offset=40 (local.get $job)) (i32.shl (i32.mul (local.get $r0) (local.get $O)) (i32.const 2))))
    (call $gemm (local.get $x) (local.get $inDim) (i32.const 1) (i32.load offset=44 (local.get $job)) (local.get $H) (i32.const 1)
      (local.get $t) (local.get $H) (i32.const 0) (local.get $M) (local.get $H) (local.get $inDim) (i32.const 0) (local.get $scratch))
    (call $add (local.get $t) (local.get $c) (local.get $h) (local.get $n))
    (local.set $blk (i32.add (local.get $job) (i32.const 56)))
    (local.set $b (i32.load offset=12 (local.get $job)))
    (block $doneBlocks (loop $blocks
      (br_if $doneBlocks (i32.le_s (local.get $b) (i32.const 0)))
      (call $relu (local.get $h) (local.get $r) (local.get $n))
      (call $gemm (local.get $r) (local.get $H) (i32.const 1) (i32.load offset=0 (local.get $blk)) (local.get $H) (i32.const 1)
        (local.get $u) (local.get $H) (i32.load offset=4 (local.get $blk)) (local.get $M) (local.get $H) (local.get $H) (i32.const 1) (local.get $scratch))
      (call $gemm (local.get $u) (local.get $H) (i32.const 1) (i32.load offset=8 (local.get $blk)) (local.get $H) (i32.const 1)
        (local.get $t) (local.get $H) (i32.load offset=12 (local.get $blk)) (local.get $M) (local.get $H) (local.get $H) (i32.const 0) (local.get $scratch))
      (call $add (local.get $h) (local.get $t) (local.get $h) (local.get $n))
      (local.set $blk (i32.add (local.get $blk) (i32.const 16)))
      (local.set $b (i32.sub (local.get $b) (i32.const 1)))
      (br $blocks)))
    (call $gemm (local.get $h) (local.get $H) (i32.const 1) (i32.load offset=48 (local.get $job)) (local.get $O) (i32.const 1)
      (local.get $out) (local.get $O) (i32.load offset=52 (local.get $job)) (local.get $M) (local.get $O) (local.get $H) (i32.const 0) (local.get $scratch)))

  (func (export "adamw")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $pOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32)
    (param $invSqrtBc2 f32) (param $eps f32) (param $stepSize f32) (param $decay f32)
    (local $i i32) (local $o i32) (local $n4 i32) (local $useDecay i32)
    (local $gv v128) (local $mv v128) (local $vv v128) (local $pv v128) (local $dv v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $ps f32)
    (local.set $useDecay (f32.ne (local.get $decay) (f32.const 1)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $doneVec (loop $vec
      (br_if $doneVec (i32.ge_s (local.get $i) (local.get $n4)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $omb1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $omb2)))))
      (local.set $dv (f32x4.add
        (f32x4.mul (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $invSqrtBc2)))
        (f32x4.splat (local.get $eps))))
      (local.set $pv (v128.load (i32.add (local.get $p) (local.get $o))))
      (if (local.get $useDecay) (then (local.set $pv (f32x4.mul (local.get $pv) (f32x4.splat (local.get $decay))))))
      (v128.store (i32.add (local.get $pOut) (local.get $o))
        (f32x4.sub (local.get $pv)
          (f32x4.mul (f32x4.div (local.get $mv) (local.get $dv)) (f32x4.splat (local.get $stepSize)))))
      (v128.store (i32.add (local.get $mOut) (local.get $o)) (local.get $mv))
      (v128.store (i32.add (local.get $vOut) (local.get $o)) (local.get $vv))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vec)))
    (block $doneTail (loop $tail
      (br_if $doneTail (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $ms (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $omb1))))
      (local.set $vs (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omb2))))
      (local.set $ps (f32.load (i32.add (local.get $p) (local.get $o))))
      (if (local.get $useDecay) (then (local.set $ps (f32.mul (local.get $ps) (local.get $decay)))))
      (f32.store (i32.add (local.get $pOut) (local.get $o))
        (f32.sub (local.get $ps)
          (f32.mul
            (f32.div (local.get $ms)
              (f32.add (f32.mul (f32.sqrt (local.get $vs)) (local.get $invSqrtBc2)) (local.get $eps)))
            (local.get $stepSize))))
      (f32.store (i32.add (local.get $mOut) (local.get $o)) (local.get $ms))
      (f32.store (i32.add (local.get $vOut) (local.get $o)) (local.get $vs))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail))))
)
`;
}
