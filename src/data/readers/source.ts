/**
 * Where a reader gets its bytes: a whole buffer (CLI, tests, small files) or a Blob/File (a dropped file in
 * the data worker, read by range so a large file is never copied whole into memory).
 */
export interface ByteSource {
  /** For messages only; formats are told apart by content, never by name. */
  name: string;
  size: number;
  /** Bytes [start, end) (clamped to the file). */
  read(start: number, end: number): Promise<Uint8Array>;
  /** The bytes, when the whole file is already in memory. */
  bytes?: Uint8Array;
  /** The file itself (browser), for WORKERFS mounts and range reads. */
  blob?: Blob;
}

export function sourceFromBytes(bytes: Uint8Array, name = 'file'): ByteSource {
  return {
    name,
    size: bytes.length,
    bytes,
    read: (start, end) => Promise.resolve(bytes.subarray(Math.max(0, start), Math.min(bytes.length, end))),
  };
}

export function sourceFromBlob(blob: Blob, name = (blob as File).name ?? 'file'): ByteSource {
  return {
    name,
    size: blob.size,
    blob,
    read: async (start, end) => new Uint8Array(await blob.slice(Math.max(0, start), Math.min(blob.size, end)).arrayBuffer()),
  };
}

/** The whole file (for formats that need it: npz is a zip read in one piece). */
export async function readAll(src: ByteSource): Promise<Uint8Array> {
  return src.bytes ?? (await src.read(0, src.size));
}
