/**
 * Persistent store of dropped dataset files (IndexedDB through `idb`; files over LARGE_BYTES go to the Origin
 * Private File System when the browser has it): a dataset dropped on the Datasets page is there after a
 * reload until the user deletes it. The original file bytes are kept, not the parsed arrays: reopening reads
 * them again through the data worker, so the readers stay the one place that understands formats.
 *
 * One record per dataset: `meta` (listed without touching the bytes) and `files` (Blobs, or OPFS paths),
 * written in one IndexedDB transaction after any OPFS writes; a failure removes what was written, so the
 * store never lists a dataset whose bytes are missing. Without IndexedDB (Node) `openDatasetStore()` is null.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { UserError } from '../core/errors';

export interface StoredDatasetMeta {
  id: string;
  /** The dataset file's name (for the list; formats are detected by content). */
  name: string;
  createdAt: number;
  /** Total bytes of its files. */
  size: number;
  format: string;
  episodes: number;
  steps: number;
  obsDim: number;
  actDim: number;
  files: { name: string; size: number }[];
  /** Where the bytes are. */
  backend: 'indexeddb' | 'opfs';
}

export type NewDatasetMeta = Omit<StoredDatasetMeta, 'id' | 'createdAt' | 'size' | 'files' | 'backend'>;

type StoredFile = { name: string; blob: Blob } | { name: string; opfs: string };

interface Schema extends DBSchema {
  meta: { key: string; value: StoredDatasetMeta };
  files: { key: string; value: { id: string; files: StoredFile[] } };
}

const DB_NAME = 'dppo-workbench-datasets';
const DB_VERSION = 1;
/** Files larger than this go to OPFS where available (IndexedDB copies a Blob on put in some browsers). */
export const LARGE_BYTES = 64 * 1024 * 1024;
const OPFS_DIR = 'datasets';

export interface DatasetStore {
  put(meta: NewDatasetMeta, files: { name: string; blob: Blob }[]): Promise<StoredDatasetMeta>;
  /** Every stored dataset, oldest first. */
  list(): Promise<StoredDatasetMeta[]>;
  get(id: string): Promise<{ meta: StoredDatasetMeta; files: { name: string; blob: Blob }[] } | null>;
  delete(id: string): Promise<void>;
  close(): void;
}

function quotaError(e: unknown): UserError | null {
  const name = (e as { name?: string })?.name;
  if (name === 'QuotaExceededError' || /quota/i.test(String((e as Error)?.message))) {
    return new UserError('Browser storage is full: the dataset was not saved (it stays open until you leave the page). Delete stored datasets or checkpoints to make room.');
  }
  return null;
}

async function opfsRoot(): Promise<FileSystemDirectoryHandle | null> {
  try {
    const storage = (globalThis.navigator as Navigator | undefined)?.storage;
    if (!storage?.getDirectory) return null;
    const root = await storage.getDirectory();
    return await root.getDirectoryHandle(OPFS_DIR, { create: true });
  } catch {
    return null;
  }
}

export async function openDatasetStore(): Promise<DatasetStore | null> {
  if (typeof indexedDB === 'undefined') return null;
  let db: IDBPDatabase<Schema>;
  try {
    db = await openDB<Schema>(DB_NAME, DB_VERSION, {
      upgrade(d) {
        d.createObjectStore('meta', { keyPath: 'id' });
        d.createObjectStore('files', { keyPath: 'id' });
      },
    });
  } catch {
    return null;
  }
  let seq = 0;
  return {
    async put(meta, files) {
      const id = `${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const size = files.reduce((a, f) => a + f.blob.size, 0);
      const dir = size > LARGE_BYTES ? await opfsRoot() : null;
      const stored: StoredFile[] = [];
      const written: string[] = [];
      try {
        for (const [i, f] of files.entries()) {
          if (dir) {
            const path = `${id}-${i}`;
            const handle = await dir.getFileHandle(path, { create: true });
            written.push(path);
            const w = await handle.createWritable();
            await f.blob.stream().pipeTo(w);
            stored.push({ name: f.name, opfs: path });
          } else stored.push({ name: f.name, blob: f.blob });
        }
        const full: StoredDatasetMeta = { ...meta, id, createdAt: Date.now(), size, files: files.map((f) => ({ name: f.name, size: f.blob.size })), backend: dir ? 'opfs' : 'indexeddb' };
        const tx = db.transaction(['meta', 'files'], 'readwrite');
        await Promise.all([tx.objectStore('meta').put(full), tx.objectStore('files').put({ id, files: stored }), tx.done]);
        return full;
      } catch (e) {
        for (const p of written) await dir?.removeEntry(p).catch(() => undefined);
        throw quotaError(e) ?? new UserError(`The dataset could not be saved in browser storage (${(e as Error)?.message ?? String(e)}); it stays open until you leave the page.`);
      }
    },
    async list() {
      const all = await db.getAll('meta');
      return all.sort((a, b) => a.createdAt - b.createdAt);
    },
    async get(id) {
      const meta = await db.get('meta', id);
      const rec = await db.get('files', id);
      if (!meta || !rec) return null;
      const dir = rec.files.some((f) => 'opfs' in f) ? await opfsRoot() : null;
      const files: { name: string; blob: Blob }[] = [];
      for (const f of rec.files) {
        if ('blob' in f) files.push({ name: f.name, blob: f.blob });
        else {
          if (!dir) throw new UserError(`The stored dataset ${meta.name} lives in this browser's private file system, which is not available now.`);
          files.push({ name: f.name, blob: await (await dir.getFileHandle(f.opfs)).getFile() });
        }
      }
      return { meta, files };
    },
    async delete(id) {
      const rec = await db.get('files', id);
      const tx = db.transaction(['meta', 'files'], 'readwrite');
      await Promise.all([tx.objectStore('meta').delete(id), tx.objectStore('files').delete(id), tx.done]);
      const opfs = rec?.files.filter((f): f is { name: string; opfs: string } => 'opfs' in f) ?? [];
      if (opfs.length) {
        const dir = await opfsRoot();
        for (const f of opfs) await dir?.removeEntry(f.opfs).catch(() => undefined);
      }
    },
    close() {
      db.close();
    },
  };
}
