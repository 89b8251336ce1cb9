/**
 * NumPy .npy reader/writer (format versions 1.0–3.0; spec/ecosystem.md §1g): magic "\x93NUMPY", version,
 * header length, a Python-dict header {'descr', 'fortran_order', 'shape'}, then the raw C-order data.
 * Supported dtypes: float32, float64, int64, int32, bool, uint8, little-endian. Anything else — big-endian,
 * Fortran order, structured or object dtypes — is refused with a UserError that says so.
 */
import { InternalError, UserError } from '../core/errors';

export type NpyDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';
export type NpyData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  /** C-order shape; [] for a scalar. */
  shape: number[];
  /** Row-major data (bool as 0/1 bytes). */
  data: NpyData;
}

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int64: '<i8',
  int32: '<i4',
  bool: '|b1',
  uint8: '|u1',
};

const FROM_DESCR: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i8': 'int64',
  '<i4': 'int32',
  '|b1': 'bool',
  '<b1': 'bool',
  '=b1': 'bool',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '=u1': 'uint8',
};

const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1 };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An NpyArray after checking that data length and dtype agree with the shape. */
export function npyArray(dtype: NpyDtype, shape: number[], data: NpyData): NpyArray {
  const expected = shapeSize(shape);
  if (data.length !== expected) throw new InternalError(`Array of shape (${shape.join(', ')}) needs ${expected} values, got ${data.length}.`);
  const ok =
    (dtype === 'float32' && data instanceof Float32Array) ||
    (dtype === 'float64' && data instanceof Float64Array) ||
    (dtype === 'int64' && data instanceof BigInt64Array) ||
    (dtype === 'int32' && data instanceof Int32Array) ||
    ((dtype === 'bool' || dtype === 'uint8') && data instanceof Uint8Array);
  if (!ok) throw new InternalError(`Array data of type ${data.constructor.name} does not match dtype ${dtype}.`);
  return { dtype, shape, data };
}

/** Parses one .npy file; `name` appears in error messages. */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new UserError(`${name} is not a NumPy .npy array (bad magic bytes).`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new UserError(`${name}: truncated .npy header.`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new UserError(`${name}: unsupported .npy format version ${major}.${bytes[7]}.`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new UserError(`${name}: truncated .npy header.`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const { dtype, fortran, shape } = parseHeader(header, name);
  if (fortran && shape.length > 1) throw new UserError(`${name} is stored in Fortran order; save it C-contiguous (np.ascontiguousarray) and retry.`);
  const count = shapeSize(shape);
  const nbytes = count * ITEM_SIZE[dtype];
  if (dataStart + nbytes > bytes.length) {
    throw new UserError(`${name} is truncated: shape (${shape.join(', ')}) needs ${nbytes} data bytes, found ${bytes.length - dataStart}.`);
  }
  const buf = bytes.slice(dataStart, dataStart + nbytes).buffer; // aligned copy
  return { dtype, shape, data: makeView(dtype, buf, count) };
}

function makeView(dtype: NpyDtype, buf: ArrayBuffer, count: number): NpyData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, 0, count);
    case 'float64':
      return new Float64Array(buf, 0, count);
    case 'int64':
      return new BigInt64Array(buf, 0, count);
    case 'int32':
      return new Int32Array(buf, 0, count);
    case 'bool':
    case 'uint8':
      return new Uint8Array(buf, 0, count);
  }
}

function parseHeader(header: string, name: string): { dtype: NpyDtype; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  if (!descr) throw new UserError(`${name} has a structured or unreadable dtype; only plain numeric arrays are supported.`);
  const code = descr[1];
  const dtype = FROM_DESCR[code];
  if (!dtype) {
    const hint = code.startsWith('>') ? ' (big-endian: convert with arr.astype(arr.dtype.newbyteorder("<")))' : '';
    throw new UserError(`${name} has dtype '${code}'${hint}; supported: float32, float64, int64, int32, bool, uint8.`);
  }
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw new UserError(`${name}: .npy header has no shape.`);
  const shape = shapeMatch[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new UserError(`${name}: bad dimension "${s}" in .npy shape.`);
      return n;
    });
  return { dtype, fortran, shape };
}

/** Serialises an array as a version-1.0 .npy file (header padded to a multiple of 64 bytes, like NumPy). */
export function writeNpy(arr: NpyArray): Uint8Array {
  npyArray(arr.dtype, arr.shape, arr.data);
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[arr.dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const data = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(10 + headerBytes.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  out.set(data, 10 + headerBytes.length);
  return out;
}

/** Values as Float32Array (floats, ints and bools are converted). */
export function npyToFloat32(arr: NpyArray): Float32Array {
  if (arr.data instanceof Float32Array) return arr.data;
  if (arr.data instanceof BigInt64Array) return Float32Array.from(arr.data, (v) => Number(v));
  return Float32Array.from(arr.data);
}

/** Integer values as Int32Array; refuses fractional floats and int64 values beyond ±2³¹. */
export function npyToInt32(arr: NpyArray, name = 'array'): Int32Array {
  const out = new Int32Array(arr.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(arr.data[i]);
    if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) throw new UserError(`${name} must hold 32-bit integers; found ${arr.data[i]} at index ${i}.`);
    out[i] = v;
  }
  return out;
}
