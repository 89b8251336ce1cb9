/**
 * State and helpers shared by the kernel installer (index.ts) and the chain runners (chain.ts): the installed
 * kernels, the exports' signatures, base64 decoding and 64-byte aligned allocation in tfjs-wasm's memory.
 * A module of its own so that index.ts (which re-exports chain.ts' runners) and chain.ts do not import each
 * other.
 */
import type * as tf from '@tensorflow/tfjs';
import { MR, NR } from './wat';

/** The parts of tfjs-wasm's BackendWasm we use. */
export interface WasmBackend {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export interface KernelExports {
  gemm(
    A: number, sAi: number, sAk: number,
    B: number, sBk: number, sBn: number,
    C: number, ldc: number, bias: number,
    M: number, N: number, K: number, relu: number, scratch: number,
  ): void;
  relu(src: number, dst: number, n: number): void;
  mlp_rows(job: number, r0: number, r1: number, scratch: number): void;
  add(a: number, b: number, dst: number, n: number): void;
  adamw(
    p: number, g: number, m: number, v: number, pOut: number, mOut: number, vOut: number, n: number,
    b1: number, omb1: number, b2: number, omb2: number, invSqrtBc2: number, eps: number, stepSize: number, decay: number,
  ): void;
}

export interface WasmKernelsInfo {
  /** relaxed-SIMD fused multiply-add in use. */
  fma: boolean;
  /** tfjs' memory is shared (threaded build under cross-origin isolation). */
  shared: boolean;
  /** Our matMul replaced XNNPACK's (false when tfjs runs more than one wasm thread). */
  matMul: boolean;
}

export interface Installed {
  info: WasmKernelsInfo;
  exports: KernelExports;
  memory: WebAssembly.Memory;
  restore: tf.KernelConfig[];
  scratchPtr: number;
  scratchBytes: number;
  backend: WasmBackend;
}

let installed: Installed | null = null;

/** The installed kernels' state, or null (not installed, or uninstalled). */
export function installedKernels(): Installed | null {
  return installed;
}

/** Records (or clears, with null) what index.ts installed. */
export function setInstalledKernels(state: Installed | null): void {
  installed = state;
}

/** base64 → bytes (the kernel binaries in binary.ts). */
export function decode(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Byte size of the gemm scratch for an M×K left operand (see wat.ts' layout). */
export function scratchBytesFor(M: number, K: number): number {
  return 4 * (MR * NR + NR * K + MR * Math.ceil(M / MR) * K);
}

/**
 * SIMD loads that straddle a cache line cost ≈ 10–15 % in the inner loop (measured), and tfjs' malloc only
 * aligns to 8 bytes, so every buffer the kernels stream from is placed at a 64-byte boundary.
 */
export const ALIGN = 64;
export const aligned = (ptr: number): number => Math.ceil(ptr / ALIGN) * ALIGN; // no int32 ops: pointers may pass 2³¹

/** tfjs-wasm's malloc, which returns 0 when memory cannot grow: turned into an error, never a write at 0. */
export function mallocChecked(backend: WasmBackend, bytes: number): number {
  const p = backend.wasm._malloc(bytes);
  if (p === 0) throw new Error(`wasm kernels: out of memory allocating ${bytes} bytes`);
  return p;
}

/** The shared gemm scratch, 64-byte aligned (grown on demand). */
export function scratch(state: Installed, bytes: number): number {
  if (bytes > state.scratchBytes) {
    if (state.scratchPtr) state.backend.wasm._free(state.scratchPtr);
    state.scratchBytes = Math.ceil(bytes * 1.25);
    state.scratchPtr = mallocChecked(state.backend, state.scratchBytes + ALIGN);
  }
  return aligned(state.scratchPtr);
}
