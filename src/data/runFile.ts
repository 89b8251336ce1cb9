/**
 * A run as one file (issue 10, docs/runs.md): a zip (fflate) holding
 *   run.json                    format, app version, the run record (config with seed, checkpoint ref, preset,
 *                               status, summary, warnings) and provenance: SHA-256 of the base checkpoint and
 *                               of the dataset it was pre-trained on where known, of the files inside;
 *   metrics.json                one point per complete iteration (itr, env steps, running seconds, scalars);
 *   policy.safetensors          the checkpoint after the last saved iteration (policy/checkpoint.ts format);
 *   training-state.safetensors  the training state of the same iteration (train/trainingState.ts), so the
 *                               run can be resumed in the browser that opens it.
 * The last two are present when the run saved a state. Reading checks everything before anything is stored:
 * a foreign or damaged file gets a UserError naming the file and what is wrong.
 *
 * Imports no tfjs: usable on the page (export/import buttons) and in Node tests.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { resolveFinetuneConfig } from '../config/finetune';
import { UserError } from '../core/errors';
import { decodeCheckpoint, readSafetensors, type Checkpoint } from '../policy/checkpoint';
import type { StoredPoint, StoredRun } from './runs';

export const RUN_FILE_FORMAT = 'dppo-workbench-run/1';
/** The training-state format (train/trainingState.ts TRAINING_STATE_FORMAT; data/ sits below train/). */
const TRAINING_STATE_FORMAT = 'dppo-workbench-trainstate/1';

const RUN_JSON = 'run.json';
const METRICS_JSON = 'metrics.json';
const POLICY = 'policy.safetensors';
const STATE = 'training-state.safetensors';

export interface FileHash {
  /** A checkpoint/dataset ref (`builtin:…`, `stored:…`) or a file name inside the zip. */
  ref: string;
  /** Lower-case hex SHA-256 of the bytes; null where the bytes were not available to hash. */
  sha256: string | null;
}

export interface RunProvenance {
  appVersion: string;
  exportedAt: string;
  baseCheckpoint: FileHash;
  /** The demonstrations the base checkpoint was pre-trained on, when its provenance names them. */
  dataset: FileHash | null;
  files: Record<string, string>;
}

/** The run record as the file holds it (display flags such as pinned/hidden/colour stay in the browser). */
export type RunFileRecord = Omit<StoredRun, 'pinned' | 'hidden' | 'colorIndex' | 'imported'>;

export interface RunFileContents {
  run: RunFileRecord;
  provenance: RunProvenance;
  points: Omit<StoredPoint, 'runId'>[];
  /** The final checkpoint (safetensors bytes) and its decoded form; null when the run saved none. */
  policy: { bytes: Uint8Array; checkpoint: Checkpoint; itr: number } | null;
  /** Training-state bytes (to store for a resume); null when absent. */
  state: Uint8Array | null;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice().buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// NaN and ±Infinity survive JSON as {"$num": "NaN"} (metrics such as avg_return can be NaN).
const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v);
const reviver = (_k: string, v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $num?: unknown }).$num === 'string'
    ? Number((v as { $num: string }).$num)
    : v;

export interface RunFileInput {
  run: StoredRun;
  points: StoredPoint[];
  /** The saved state (data/runs.ts), or null. */
  saved: { itr: number; state: ArrayBuffer; checkpoint: ArrayBuffer } | null;
  appVersion: string;
  baseCheckpoint: FileHash;
  dataset: FileHash | null;
}

/** Builds the zip bytes of a run file. */
export async function buildRunFile(input: RunFileInput): Promise<Uint8Array> {
  const { pinned: _p, hidden: _h, colorIndex: _c, imported: _i, ...run } = input.run;
  const files: Record<string, Uint8Array> = {};
  const metrics = input.points.map(({ runId: _r, ...p }) => p).sort((a, b) => a.itr - b.itr);
  files[METRICS_JSON] = strToU8(JSON.stringify(metrics, replacer));
  if (input.saved) {
    files[POLICY] = new Uint8Array(input.saved.checkpoint);
    files[STATE] = new Uint8Array(input.saved.state);
  }
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) hashes[name] = await sha256Hex(bytes);
  const provenance: RunProvenance = {
    appVersion: input.appVersion,
    exportedAt: new Date().toISOString(),
    baseCheckpoint: input.baseCheckpoint,
    dataset: input.dataset,
    files: hashes,
  };
  const record: RunFileRecord & { savedState?: StoredRun['savedState'] } = run;
  files[RUN_JSON] = strToU8(JSON.stringify({ format: RUN_FILE_FORMAT, run: record, provenance }, replacer, 1));
  // run.json first, so `unzip -l` and a quick look show what the file is.
  const ordered: Record<string, Uint8Array> = { [RUN_JSON]: files[RUN_JSON] };
  for (const [k, v] of Object.entries(files)) if (k !== RUN_JSON) ordered[k] = v;
  return zipSync(ordered, { level: 1 });
}

function bad(file: string, why: string): UserError {
  return new UserError(`${file} is not a DPPO Workbench run file: ${why}. Export a run with the run list's ⤓ button and open that file.`);
}

/** Reads and checks a run file completely; nothing is stored here (the caller stores only a whole run). */
export async function readRunFile(bytes: Uint8Array, fileName = 'The file'): Promise<RunFileContents> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw bad(fileName, 'it is not a zip archive (no "PK" signature)');
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw bad(fileName, `the zip archive is damaged (${(e as Error).message})`);
  }
  if (!entries[RUN_JSON]) throw bad(fileName, `the zip holds no ${RUN_JSON} (it holds ${Object.keys(entries).slice(0, 5).join(', ') || 'nothing'})`);
  let head: { format?: unknown; run?: RunFileRecord; provenance?: RunProvenance };
  try {
    head = JSON.parse(strFromU8(entries[RUN_JSON]), reviver);
  } catch {
    throw bad(fileName, `${RUN_JSON} is not JSON`);
  }
  if (head.format !== RUN_FILE_FORMAT) throw bad(fileName, `${RUN_JSON} has format ${JSON.stringify(head.format ?? null)}, expected "${RUN_FILE_FORMAT}"`);
  const run = head.run;
  if (!run || typeof run !== 'object' || typeof run.id !== 'string' || typeof run.label !== 'string' || typeof run.checkpoint !== 'string' || !run.config) {
    throw bad(fileName, `${RUN_JSON} lacks the run's id, label, checkpoint or config`);
  }
  let config;
  try {
    config = resolveFinetuneConfig(run.config);
  } catch (e) {
    throw new UserError(`${fileName}: the run's config is not valid here: ${(e as Error).message}`);
  }
  const provenance = head.provenance;
  if (!provenance || typeof provenance !== 'object' || typeof provenance.files !== 'object') throw bad(fileName, `${RUN_JSON} has no provenance`);
  // Every file listed must be there with its hash: a damaged or edited file is refused.
  for (const [name, hash] of Object.entries(provenance.files)) {
    const data = entries[name];
    if (!data) throw bad(fileName, `${name} is listed in ${RUN_JSON} but missing from the zip`);
    if ((await sha256Hex(data)) !== hash) throw new UserError(`${fileName}: ${name} does not match its SHA-256 in ${RUN_JSON} (the file was damaged or edited).`);
  }
  if (!entries[METRICS_JSON]) throw bad(fileName, `the zip holds no ${METRICS_JSON}`);
  let points: Omit<StoredPoint, 'runId'>[];
  try {
    points = JSON.parse(strFromU8(entries[METRICS_JSON]), reviver);
  } catch {
    throw bad(fileName, `${METRICS_JSON} is not JSON`);
  }
  if (!Array.isArray(points)) throw bad(fileName, `${METRICS_JSON} is not a list of points`);
  points.forEach((p, i) => {
    if (!p || !Number.isInteger(p.itr) || p.itr < 0 || typeof p.metrics !== 'object' || p.metrics === null) {
      throw new UserError(`${fileName}: point ${i} of ${METRICS_JSON} has no integer itr ≥ 0 or no metrics.`);
    }
  });
  let policy: RunFileContents['policy'] = null;
  if (entries[POLICY]) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = decodeCheckpoint(entries[POLICY]);
    } catch (e) {
      throw new UserError(`${fileName}: ${POLICY} is not a valid checkpoint: ${(e as Error).message}`);
    }
    const itr = typeof checkpoint.provenance.itr === 'number' ? checkpoint.provenance.itr : (run.savedState?.itr ?? 0) - 1;
    policy = { bytes: entries[POLICY], checkpoint, itr };
  }
  let state: Uint8Array | null = null;
  if (entries[STATE]) {
    let format: string | undefined;
    try {
      format = readSafetensors(entries[STATE]).metadata.format;
    } catch (e) {
      throw new UserError(`${fileName}: ${STATE} is damaged: ${(e as Error).message}`);
    }
    if (format !== TRAINING_STATE_FORMAT) throw new UserError(`${fileName}: ${STATE} has format "${format}", expected "${TRAINING_STATE_FORMAT}".`);
    state = entries[STATE];
  }
  return { run: { ...run, config }, provenance, points: points.sort((a, b) => a.itr - b.itr), policy, state };
}
