/**
 * HDF5 access through h5wasm (the HDF5 C library in WASM, spec/ecosystem.md §1g). A dropped File in a
 * worker is mounted with Emscripten's WORKERFS, so libhdf5 reads only the byte ranges it needs (a 1 GB
 * robomimic file is never copied whole); bytes already in memory (CLI, tests) go to MEMFS.
 *
 * libhdf5 reports errors by printing its error stack (HDF5-DIAG) to stderr. h5wasm binds console.error when
 * its module is created, so we install a collector before the import: the stack never reaches the user's
 * terminal, and its innermost message ("truncated file: eof = 1500 …") becomes the detail of a UserError.
 */
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from 'h5wasm';
import { UserError } from '../../core/errors';
import { readAll, type ByteSource } from './source';

type H5Module = typeof import('h5wasm');

let loading: Promise<H5Module> | null = null;
let diag: string[] = [];
let broken: string | null = null;
let mountSeq = 0;

/** HDF5 superblock signature (HDF5 file format spec §II.A), at offset 0, 512, 1024, … */
export const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_MAGIC.every((b, i) => head[i] === b);
}

async function h5(): Promise<H5Module> {
  if (!loading) {
    const original = console.error;
    // h5wasm's module binds console.error at creation: this collector is what it keeps. Restored right after.
    console.error = (...args: unknown[]) => {
      diag.push(args.map(String).join(' '));
      if (diag.length > 400) diag = diag.slice(-200);
    };
    loading = import('h5wasm')
      .then(async (m) => {
        await m.ready;
        return m;
      })
      .finally(() => {
        console.error = original;
      });
  }
  return loading;
}

/** The innermost message of the last HDF5 error stack, e.g. "truncated file: eof = 1500, …". */
function diagDetail(): string | null {
  for (let i = diag.length - 1; i >= 0; i--) {
    const m = /#\d+: .* in [\w]+\(\): (.*)$/.exec(diag[i]);
    if (m) return m[1].trim();
  }
  return null;
}

/**
 * Runs an h5wasm call; any failure becomes a UserError "<what>: <HDF5's own reason>". A WASM abort (the
 * library's memory is then unusable; Emscripten throws a RuntimeError or an "Aborted(…)" error) is remembered, and later calls say so instead of misbehaving.
 */
export function h5try<T>(what: string, fn: () => T): T {
  if (broken) throw new UserError(`The HDF5 reader stopped on an earlier file (${broken}); reload the page (or restart the command) before reading another HDF5 file.`);
  diag = [];
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if ((typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) || /^Aborted\(/.test(msg)) {
      broken = msg.slice(0, 120);
      throw new UserError(`${what}: the HDF5 library stopped on this file (${broken}); the file is damaged or not an HDF5 file we can read.`);
    }
    const detail = diagDetail() ?? msg;
    throw new UserError(`${what}: ${detail}.`);
  }
}

export interface H5Handle {
  file: H5File;
  name: string;
  size: number;
  close(): void;
}

/** Opens an HDF5 file read-only (WORKERFS for a Blob inside a worker, MEMFS otherwise). The caller closes it. */
export async function openH5(src: ByteSource): Promise<H5Handle> {
  const m = await h5();
  const FS = m.FS!;
  const id = ++mountSeq;
  let path: string;
  let release: () => void;
  const canMount = !!src.blob && typeof (globalThis as { FileReaderSync?: unknown }).FileReaderSync !== 'undefined';
  if (canMount) {
    const dir = `/wfs${id}`;
    FS.mkdir(dir);
    const file = new File([src.blob!], 'data.h5');
    const fsAny = FS as unknown as { filesystems: Record<string, unknown>; mount(t: unknown, o: unknown, p: string): void; unmount(p: string): void; rmdir(p: string): void };
    fsAny.mount(fsAny.filesystems.WORKERFS, { files: [file] }, dir);
    path = `${dir}/data.h5`;
    release = () => {
      try {
        fsAny.unmount(dir);
        fsAny.rmdir(dir);
      } catch {
        /* already gone */
      }
    };
  } else {
    path = `/mem${id}.h5`;
    FS.writeFile(path, await readAll(src));
    release = () => {
      try {
        FS.unlink(path);
      } catch {
        /* already gone */
      }
    };
  }
  let file: H5File;
  try {
    file = h5try(`${src.name} could not be opened as HDF5 (damaged or truncated)`, () => {
      const f = new m.File(path, 'r');
      // h5wasm does not throw when H5Fopen fails: the id is negative and libhdf5's reason is in the diag.
      if (typeof f.file_id === 'bigint' ? f.file_id < 0n : Number(f.file_id) < 0) throw new Error('H5Fopen failed');
      return f;
    });
  } catch (e) {
    release();
    throw e;
  }
  let closed = false;
  return {
    file,
    name: src.name,
    size: src.size,
    close() {
      if (closed) return;
      closed = true;
      try {
        if (!broken) file.close();
      } catch {
        /* closing a damaged file may fail; the handle is gone either way */
      }
      release();
    },
  };
}

export type H5Entity = ReturnType<H5Group['get']>;

export function isGroup(e: unknown): e is H5Group {
  return !!e && typeof (e as H5Group).keys === 'function' && typeof (e as H5Group).get === 'function';
}

export function isDataset(e: unknown): e is H5Dataset {
  return !!e && typeof (e as H5Dataset).slice === 'function' && 'shape' in (e as object);
}

/** Child names of a group (libhdf5 lists them in name order: demo_10 before demo_2). */
export function keysOf(g: H5Group, where: string): string[] {
  return h5try(`${where}: cannot list its members`, () => g.keys());
}

export function getEntity(g: H5Group, path: string, where: string): H5Entity {
  return h5try(`${where}: cannot open '${path}'`, () => g.get(path));
}

/** A dataset at `path`, or a UserError naming it and what was expected. */
export function requireDataset(g: H5Group, path: string, where: string, want: string): H5Dataset {
  const e = getEntity(g, path, where);
  if (!e) throw new UserError(`${where} has no '${path}' (${want}).`);
  if (!isDataset(e)) throw new UserError(`${where}: '${path}' is a group, not a dataset (${want}).`);
  return e;
}

/** Shape of a dataset, with a UserError when it is scalar/empty. */
export function shapeOf(ds: H5Dataset, where: string): number[] {
  const s = h5try(`${where}: cannot read the shape`, () => ds.shape);
  if (!s) throw new UserError(`${where} is a scalar or empty dataset; expected an array.`);
  return s;
}

// HDF5 datatype classes (H5Tpublic.h): integer 0, float 1, enum 8 (h5py stores numpy bool as an int8 enum).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8;

/** Values we refuse to read in one go (2^28 floats = 1 GiB). */
const MAX_VALUES = 2 ** 28;

/**
 * Checks that a dataset holds numbers and that its declared size is one the file could hold: gzip expands
 * at most ≈ 1032:1 (RFC 1951 limit), so a shape that claims more is damage, not data.
 */
export function checkNumeric(ds: H5Dataset, where: string, fileSize: number): { shape: number[]; count: number } {
  const shape = shapeOf(ds, where);
  const meta = h5try(`${where}: cannot read the datatype`, () => ds.metadata);
  if (meta.type !== H5T_INTEGER && meta.type !== H5T_FLOAT && !(meta.type === H5T_ENUM && meta.size === 1)) {
    throw new UserError(`${where} holds ${describeType(meta.type)} values; expected numbers (integer, float or bool).`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = count * meta.size;
  if (count > MAX_VALUES || bytes > fileSize * 1100 + (1 << 20)) {
    throw new UserError(`${where} claims shape (${shape.join(', ')}) = ${count} values, more than a ${fileSize}-byte file can hold; the file is damaged.`);
  }
  return { shape, count };
}

function describeType(t: number): string {
  return ['integer', 'float', 'time', 'string', 'bitfield', 'opaque', 'compound', 'reference', 'enum', 'variable-length', 'array'][t] ?? `type-${t}`;
}

/** Rows [start, end) of a numeric dataset as float32 (float64/int/bool converted), row-major. */
export function readRows(ds: H5Dataset, start: number, end: number, where: string): Float32Array {
  const raw = h5try(`${where}: cannot read rows ${start}–${end}`, () => ds.slice([[start, end]]));
  return toFloat32(raw, where);
}

export function toFloat32(raw: unknown, where: string): Float32Array {
  if (raw instanceof Float32Array) return raw;
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) return Float32Array.from(raw, (v) => Number(v));
  if (ArrayBuffer.isView(raw)) return Float32Array.from(raw as unknown as ArrayLike<number>);
  if (typeof raw === 'number' || typeof raw === 'boolean') return Float32Array.of(Number(raw));
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'number' || typeof v === 'boolean')) return Float32Array.from(raw as number[], Number);
  throw new UserError(`${where} did not read as numbers.`);
}

/** An attribute's value as a string (bytes/strings), or null when absent. */
export function attrString(obj: { attrs: Record<string, { value: unknown }> }, name: string, where: string): string | null {
  const attrs = h5try(`${where}: cannot read its attributes`, () => obj.attrs);
  if (!Object.prototype.hasOwnProperty.call(attrs, name)) return null;
  const v = h5try(`${where}: cannot read attribute '${name}'`, () => attrs[name].value);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

/** A 1-D string dataset (robomimic's mask/<key>: fixed-length bytes or variable-length strings). */
export function readStrings(ds: H5Dataset, where: string): string[] {
  const meta = h5try(`${where}: cannot read the datatype`, () => ds.metadata);
  if (meta.type !== 3) throw new UserError(`${where} should hold demo names (strings), not ${describeType(meta.type)} values.`);
  const v = h5try(`${where}: cannot read its values`, () => ds.value);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => String(x));
  throw new UserError(`${where} did not read as a list of strings.`);
}
