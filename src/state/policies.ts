/**
 * The Policies page's state: every checkpoint the workbench knows — bundled (`builtin:`), pre-trained in
 * this tab (`session:`, saved to the store at once so they survive a reload) and stored in IndexedDB
 * (`stored:<id>`: imported files, saved trained checkpoints) — with what the train worker says about each
 * (config, normalisation, provenance), plus import, export, delete and evaluation with progress. Every job
 * goes to the train worker as a 'checkpoint' request (workers/checkpointProtocol.ts); nothing here
 * touches tfjs. Errors are kept per action and shown where the user acted; the page stays usable.
 */
import { create } from 'zustand';
import { UserError } from '../core/errors';
import { checkpointStore, storedRef, type StoredCheckpointMeta } from '../data/checkpointStore';
import type { CheckpointExportFormat, CheckpointInfo, CheckpointJob, CheckpointJobResult, TrainResponse } from '../workers/protocol';
import { addSessionCheckpoint, PRETRAIN_KINDS, usePretrain, type SessionCheckpoint } from './pretrain';
import { bundledCheckpoints } from './taskCatalog';
import { listenTrain, trainPort } from './trainPort';

export type PolicyOrigin = 'bundled' | 'session' | 'trained' | 'imported' | 'run';

export interface PolicyEntry {
  ref: string;
  label: string;
  origin: PolicyOrigin;
  task?: string;
  kind?: string;
  createdAt?: number;
  byteLength?: number;
  /** Stored entries: what the store keeps beside the bytes. */
  storedProvenance?: Record<string, unknown>;
}

export interface EvalState {
  fraction: number;
  message?: string;
  summary?: Record<string, number | boolean | string>;
  error?: string;
  running: boolean;
}

export interface ImportReport {
  file: string;
  ref: string;
  format: string;
  sourceKey: string;
  notes: string[];
}

export interface PoliciesState {
  stored: StoredCheckpointMeta[];
  /** False when IndexedDB is unavailable (checkpoints then live only as long as the tab). */
  persistent: boolean;
  info: Record<string, CheckpointInfo>;
  infoError: Record<string, string>;
  evals: Record<string, EvalState>;
  /** The ref an export is being prepared for, and its format. */
  exporting: { ref: string; format: CheckpointExportFormat } | null;
  exportError: { ref: string; message: string } | null;
  importing: boolean;
  importError: string | null;
  lastImport: ImportReport | null;
  storeError: string | null;
}

export const usePolicies = create<PoliciesState>(() => ({
  stored: [],
  persistent: true,
  info: {},
  infoError: {},
  evals: {},
  exporting: null,
  exportError: null,
  importing: false,
  importError: null,
  lastImport: null,
  storeError: null,
}));

/** Every listed checkpoint: bundled, this tab's session ones not yet stored, stored ones. */
export function policyEntries(s: Pick<PoliciesState, 'stored'>, sessions: readonly SessionCheckpoint[]): PolicyEntry[] {
  const bundled: PolicyEntry[] = bundledCheckpoints().map((c) => ({ ref: c.id, label: c.id.replace(/^builtin:/, ''), origin: 'bundled', task: c.task, kind: c.name }));
  const savedFrom = new Set(s.stored.map((m) => m.provenance.sessionRef).filter((r): r is string => typeof r === 'string'));
  const session: PolicyEntry[] = sessions
    .filter((c) => !savedFrom.has(c.ref) && !c.ref.startsWith('stored:'))
    .map((c) => ({ ref: c.ref, label: c.label ?? `${c.kind} pre-trained on ${c.task} (${c.epochs} epochs)`, origin: 'session', task: c.task, kind: c.kind }));
  const stored: PolicyEntry[] = s.stored.map((m) => ({
    ref: storedRef(m.id),
    label: m.label,
    origin: m.origin,
    task: m.task,
    kind: m.kind,
    createdAt: m.createdAt,
    byteLength: m.byteLength,
    storedProvenance: m.provenance,
  }));
  return [...bundled, ...stored, ...session];
}

// ---- worker requests --------------------------------------------------------------------------------

let nextId = 1;
const pending = new Map<number, { resolve: (r: CheckpointJobResult) => void; reject: (e: Error) => void; progress?: (f: number, m?: string) => void }>();

function onTrain(r: TrainResponse): void {
  if (r.type !== 'checkpoint-result' && r.type !== 'checkpoint-error' && r.type !== 'checkpoint-progress') return;
  const p = pending.get(r.requestId);
  if (!p) return;
  if (r.type === 'checkpoint-progress') p.progress?.(r.fraction, r.message);
  else {
    pending.delete(r.requestId);
    if (r.type === 'checkpoint-result') p.resolve(r.result);
    else p.reject(new UserError(r.message));
  }
}

/** Sends a checkpoint job to the train worker; resolves with its result, rejects with its message. */
function job(j: CheckpointJob, progress?: (f: number, m?: string) => void, transfer: Transferable[] = []): Promise<CheckpointJobResult> {
  const port = trainPort();
  if (!port || !listenTrain('policies', onTrain)) return Promise.reject(new UserError('The training worker is not running yet; try again in a moment.'));
  const requestId = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve, reject, progress });
    port.post({ type: 'checkpoint', requestId, job: j }, transfer);
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- store ------------------------------------------------------------------------------------------

/**
 * Offers a stored checkpoint of a pre-trainable kind in the Experiments page's checkpoint selector (it is
 * fine-tuned from `stored:<id>`, which the train worker reads from IndexedDB).
 */
function offer(m: StoredCheckpointMeta): void {
  if (!m.task || !(PRETRAIN_KINDS as readonly string[]).includes(m.kind ?? '')) return;
  if (usePretrain.getState().sessionCheckpoints.some((c) => c.ref === storedRef(m.id))) return;
  const loss = typeof m.provenance.loss === 'number' ? m.provenance.loss : NaN;
  const epochs = typeof m.provenance.epochs === 'number' ? m.provenance.epochs : 0;
  addSessionCheckpoint({ ref: storedRef(m.id), task: m.task, kind: m.kind as SessionCheckpoint['kind'], loss, epochs, label: `saved: ${m.label}` });
}

/** Reads the stored list (and notes whether the browser can persist at all). */
export async function refreshStored(): Promise<void> {
  try {
    const store = await checkpointStore();
    if (!store) {
      usePolicies.setState({ persistent: false });
      return;
    }
    const stored = await store.list();
    usePolicies.setState({ stored, persistent: true });
    stored.forEach(offer);
  } catch (e) {
    usePolicies.setState({ storeError: `Reading stored checkpoints failed: ${message(e)}` });
  }
}

/** Asks the worker what a checkpoint holds (once per ref). */
export async function describePolicy(ref: string): Promise<void> {
  const s = usePolicies.getState();
  if (s.info[ref] || s.infoError[ref]) return;
  try {
    const r = await job({ kind: 'describe', ref });
    if (r.kind === 'describe') usePolicies.setState((st) => ({ info: { ...st.info, [ref]: r.info } }));
  } catch (e) {
    usePolicies.setState((st) => ({ infoError: { ...st.infoError, [ref]: message(e) } }));
  }
}

const saving = new Set<string>();

/** Saves a session checkpoint into the store (idempotent per ref); its stored copy then replaces it in the list. */
export async function persistSession(c: SessionCheckpoint): Promise<void> {
  if (saving.has(c.ref) || c.ref.startsWith('stored:')) return;
  saving.add(c.ref);
  try {
    const store = await checkpointStore();
    if (!store) return;
    const r = await job({ kind: 'bytes', ref: c.ref });
    if (r.kind !== 'bytes') return;
    const meta = await store.put(
      {
        label: c.label ?? `${c.kind} pre-trained on ${c.task} (${c.epochs} epochs)`,
        origin: c.label ? 'run' : 'trained',
        task: c.task,
        kind: c.kind,
        provenance: { ...r.info.provenance, sessionRef: c.ref, loss: c.loss, epochs: c.epochs },
      },
      new Uint8Array(r.bytes),
    );
    usePolicies.setState((st) => ({ stored: [...st.stored.filter((m) => m.id !== meta.id), meta], info: { ...st.info, [storedRef(meta.id)]: r.info } }));
  } catch (e) {
    saving.delete(c.ref);
    usePolicies.setState({ storeError: `Saving ${c.ref} in the browser failed: ${message(e)}` });
  }
}

/** Saves every session checkpoint not yet saved (called on page mount and when pre-training keeps one). */
export function persistSessions(): void {
  for (const c of usePretrain.getState().sessionCheckpoints) void persistSession(c);
}

let watching = false;
/** Keeps session checkpoints flowing into the store while the app runs. */
export function watchSessions(): void {
  if (watching) return;
  watching = true;
  usePretrain.subscribe((s, prev) => {
    if (s.sessionCheckpoints !== prev.sessionCheckpoints) persistSessions();
  });
  persistSessions();
}

// ---- import / export / delete / evaluate ------------------------------------------------------------

export interface PickedFile {
  name: string;
  bytes: ArrayBuffer;
}

/**
 * Imports dropped or picked files (one checkpoint, or a TF.js model.json with its .bin): the worker turns
 * them into the workbench's safetensors, which is stored; the new entry appears in the list.
 */
export async function importPolicyFiles(files: PickedFile[]): Promise<string | null> {
  usePolicies.setState({ importing: true, importError: null, lastImport: null });
  try {
    if (files.length === 0) throw new UserError('No file was dropped.');
    const names = files.map((f) => f.name).join(' + ');
    const r = await job({ kind: 'import', files: files.map((f) => ({ name: f.name, bytes: f.bytes })) });
    if (r.kind !== 'import') throw new UserError('The worker answered the import with something else.');
    const store = await checkpointStore();
    let ref: string;
    if (store) {
      const meta = await store.put(
        {
          label: files.find((f) => !f.name.endsWith('.bin'))?.name ?? names,
          origin: 'imported',
          task: r.info.task ?? undefined,
          kind: r.info.kind,
          provenance: { ...r.info.provenance, importedFrom: names, format: r.format, sourceKey: r.sourceKey, notes: r.notes },
        },
        new Uint8Array(r.bytes),
      );
      ref = storedRef(meta.id);
      usePolicies.setState((st) => ({ stored: [...st.stored.filter((m) => m.id !== meta.id), meta], info: { ...st.info, [ref]: r.info } }));
      offer(meta);
    } else {
      throw new UserError('This browser offers no IndexedDB storage here (private mode?), so an imported checkpoint cannot be kept; use a normal window.');
    }
    usePolicies.setState({ importing: false, lastImport: { file: names, ref, format: r.format, sourceKey: r.sourceKey, notes: r.notes } });
    return ref;
  } catch (e) {
    usePolicies.setState({ importing: false, importError: message(e) });
    return null;
  }
}

/** Asks the worker for the export files of `ref`; the page turns them into downloads. */
export async function exportPolicy(ref: string, format: CheckpointExportFormat): Promise<PickedFile[] | null> {
  usePolicies.setState({ exporting: { ref, format }, exportError: null });
  try {
    const r = await job({ kind: 'export', ref, format });
    if (r.kind !== 'export') throw new UserError('The worker answered the export with something else.');
    usePolicies.setState({ exporting: null });
    return r.files;
  } catch (e) {
    usePolicies.setState({ exporting: null, exportError: { ref, message: message(e) } });
    return null;
  }
}

export async function deleteStoredPolicy(id: string): Promise<void> {
  try {
    const store = await checkpointStore();
    await store?.delete(id);
    usePolicies.setState((st) => ({ stored: st.stored.filter((m) => m.id !== id) }));
  } catch (e) {
    usePolicies.setState({ storeError: `Deleting the checkpoint failed: ${message(e)}` });
  }
}

/** Evaluates `ref` on its task (or `task`) in the train worker; progress and result land in `evals[ref]`. */
export async function evaluatePolicy(ref: string, episodes: number, seed: number, task?: string): Promise<void> {
  const set = (patch: Partial<EvalState>) => usePolicies.setState((st) => ({ evals: { ...st.evals, [ref]: { ...(st.evals[ref] ?? { fraction: 0, running: false }), ...patch } } }));
  set({ running: true, fraction: 0, error: undefined, summary: undefined, message: 'starting' });
  try {
    const r = await job({ kind: 'evaluate', ref, episodes, seed, ...(task ? { task } : {}) }, (fraction, msg) => set({ fraction, ...(msg ? { message: msg } : {}) }));
    if (r.kind === 'evaluate') set({ running: false, fraction: 1, summary: r.summary, message: undefined });
  } catch (e) {
    set({ running: false, error: message(e), message: undefined });
  }
}

// Stored checkpoints are offered for fine-tuning and this tab's pre-trained ones are saved from the start,
// not only once the Policies page was opened.
if (typeof indexedDB !== 'undefined') {
  void refreshStored();
  watchSessions();
}
