/**
 * Persistent checkpoint store (IndexedDB through `idb`): checkpoints trained in the tab, imported from a
 * file or kept by a run survive a reload. A stored checkpoint is referred to as `stored:<id>` everywhere a
 * checkpoint ref is accepted (the train worker resolves it in workers/runAssets.ts).
 *
 * Two object stores written in ONE transaction: `meta` (small records, listed without touching the bytes)
 * and `bytes` (the checkpoint file, our safetensors). A failed write (quota, abort) leaves neither, so the
 * store never holds a half-written checkpoint. Without IndexedDB (Node, some private modes)
 * `openCheckpointStore()` resolves to null and callers keep checkpoints in memory only.
 *
 * Usable from the page and from workers; imports no tfjs.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { UserError } from '../core/errors';

export const STORED_PREFIX = 'stored:';

export type CheckpointOrigin = 'trained' | 'imported' | 'run';

export interface StoredCheckpointMeta {
  id: string;
  label: string;
  origin: CheckpointOrigin;
  createdAt: number;
  task?: string;
  /** Actor kind (`diffusion-mlp`, …). */
  kind?: string;
  /** Free JSON: source file name and format, source key, dataset, epochs, run id, … */
  provenance: Record<string, unknown>;
  byteLength: number;
}

/** What a caller gives put(); id (content hash by default), createdAt and byteLength are filled in. */
export type NewCheckpointMeta = Omit<StoredCheckpointMeta, 'id' | 'createdAt' | 'byteLength'> & { id?: string; createdAt?: number };

export interface CheckpointStore {
  /** Stores bytes + meta atomically; returns the full meta (ref = `stored:<id>`). Quota → UserError. */
  put(meta: NewCheckpointMeta, bytes: Uint8Array): Promise<StoredCheckpointMeta>;
  /** Every stored checkpoint's meta, oldest first. */
  list(): Promise<StoredCheckpointMeta[]>;
  /** Meta and bytes, or null when no such id. */
  get(id: string): Promise<{ meta: StoredCheckpointMeta; bytes: Uint8Array } | null>;
  delete(id: string): Promise<void>;
  close(): void;
}

interface Schema extends DBSchema {
  meta: { key: string; value: StoredCheckpointMeta };
  bytes: { key: string; value: { id: string; bytes: ArrayBuffer } };
}

const DB_NAME = 'dppo-workbench-checkpoints';
const DB_VERSION = 1;

export function isStoredRef(ref: string): boolean {
  return ref.startsWith(STORED_PREFIX);
}

export function storedRef(id: string): string {
  return `${STORED_PREFIX}${id}`;
}

/** `stored:<id>` → id (UserError on anything else). */
export function storedId(ref: string): string {
  if (!isStoredRef(ref) || ref.length === STORED_PREFIX.length) throw new UserError(`"${ref}" is not a stored checkpoint reference (stored:<id>).`);
  return ref.slice(STORED_PREFIX.length);
}

/** First 16 hex digits of SHA-256(bytes): the same file stored twice keeps one entry. */
export async function contentId(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice().buffer));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name ?? '';
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || /quota/i.test(String((e as Error)?.message ?? ''));
}

function quotaMessage(bytes: number): UserError {
  const mb = (bytes / 1e6).toFixed(1);
  return new UserError(
    `The browser's storage quota is full: the ${mb} MB checkpoint was not saved (nothing was written). Delete stored checkpoints, runs or datasets you no longer need and try again.`,
  );
}

/** Opens (and on first use creates) the checkpoint database; null when IndexedDB is unavailable. */
export async function openCheckpointStore(): Promise<CheckpointStore | null> {
  if (typeof indexedDB === 'undefined') return null;
  let db: IDBPDatabase<Schema>;
  try {
    db = await openDB<Schema>(DB_NAME, DB_VERSION, {
      upgrade(d) {
        if (!d.objectStoreNames.contains('meta')) d.createObjectStore('meta', { keyPath: 'id' });
        if (!d.objectStoreNames.contains('bytes')) d.createObjectStore('bytes', { keyPath: 'id' });
      },
    });
  } catch {
    return null;
  }
  return {
    async put(meta, bytes) {
      const id = meta.id ?? (await contentId(bytes));
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) throw new UserError(`Checkpoint id "${id}" may only hold letters, digits, '_', '.' and '-'.`);
      const full: StoredCheckpointMeta = { ...meta, id, createdAt: meta.createdAt ?? Date.now(), byteLength: bytes.byteLength };
      const copy = bytes.slice().buffer;
      try {
        const tx = db.transaction(['meta', 'bytes'], 'readwrite');
        await Promise.all([tx.objectStore('bytes').put({ id, bytes: copy }), tx.objectStore('meta').put(full), tx.done]);
      } catch (e) {
        if (isQuotaError(e)) throw quotaMessage(bytes.byteLength);
        throw new UserError(`Saving the checkpoint in the browser failed (${(e as Error)?.message ?? String(e)}); nothing was written.`);
      }
      return full;
    },
    async list() {
      const all = await db.getAll('meta');
      return all.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async get(id) {
      const tx = db.transaction(['meta', 'bytes'], 'readonly');
      const [meta, rec] = await Promise.all([tx.objectStore('meta').get(id), tx.objectStore('bytes').get(id), tx.done]);
      if (!meta || !rec) return null;
      return { meta, bytes: new Uint8Array(rec.bytes) };
    },
    async delete(id) {
      const tx = db.transaction(['meta', 'bytes'], 'readwrite');
      await Promise.all([tx.objectStore('meta').delete(id), tx.objectStore('bytes').delete(id), tx.done]);
    },
    close() {
      db.close();
    },
  };
}

let shared: Promise<CheckpointStore | null> | null = null;

/** One store per JS context (page or worker), opened on first use. */
export function checkpointStore(): Promise<CheckpointStore | null> {
  if (!shared) shared = openCheckpointStore();
  return shared;
}
