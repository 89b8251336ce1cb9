/**
 * NumPy .npz = a zip of .npy files (np.savez: stored entries; np.savez_compressed: deflated entries,
 * both written with zip64 extra fields). Read and written with fflate (spec/ecosystem.md §1g).
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { UserError } from '../core/errors';
import { parseNpy, writeNpy, type NpyArray } from './npy';

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"

/** True if the bytes start like a zip archive (npz, .pt). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === ZIP_MAGIC[0] && bytes[1] === ZIP_MAGIC[1] && (bytes[2] === 3 || bytes[2] === 5);
}

/**
 * Reads every `<key>.npy` entry of an npz archive into a Map keyed by `key`. Other entries are ignored.
 * @param name file name for error messages
 */
export function readNpz(bytes: Uint8Array, name = 'npz file'): Map<string, NpyArray> {
  if (!isZip(bytes)) throw new UserError(`${name} is not an .npz (zip) archive.`);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new UserError(`${name} is a damaged zip archive (${(e as Error).message}).`);
  }
  const out = new Map<string, NpyArray>();
  for (const [path, data] of Object.entries(entries)) {
    if (!path.endsWith('.npy')) continue;
    const key = path.slice(0, -4);
    out.set(key, parseNpy(data, `${name}:${key}`));
  }
  return out;
}

export interface WriteNpzOptions {
  /** Deflate every entry (np.savez_compressed) — true — or store them (np.savez) — false (default). */
  compress?: boolean;
}

/** Writes arrays as an npz archive, one `<key>.npy` entry each, in insertion order. */
export function writeNpz(arrays: Record<string, NpyArray>, opts: WriteNpzOptions = {}): Uint8Array {
  const level = opts.compress ? 6 : 0;
  const files: Zippable = {};
  for (const [key, arr] of Object.entries(arrays)) files[`${key}.npy`] = [writeNpy(arr), { level }];
  return zipSync(files);
}
