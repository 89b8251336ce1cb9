/**
 * Checkpoints in and out (docs/checkpoints.md):
 *   import — our safetensors, a foreign safetensors with DPPO keys, DPPO's PyTorch `.pt` (restricted
 *     unpickler), our ONNX export, our TF.js layers export (model.json + weights.bin) → Checkpoint;
 *   export — safetensors (the workbench format: DPPO keys, PyTorch layout, config/normalisation/K′ in the
 *     metadata), ONNX and TF.js of the DiffusionMLP ε-network.
 * Formats are told apart by their bytes, never by file names. Files without a config (`.pt`, foreign
 * safetensors) get one inferred from the tensor shapes (infer.ts); the import result says which source key
 * and which assumptions were used.
 */
import type { ActorConfig, CriticConfig } from '../../config/model';
import { UserError } from '../../core/errors';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, readSafetensors, readSafetensorsWeights, type Checkpoint } from '../../policy/checkpoint';
import type { NamedWeights } from '../../policy/nn';
import type { NormalizationStats } from '../../policy/normalizer';
import { inferActorConfig, type ConfigHints } from './infer';
import { exportOnnx, looksLikeOnnx, readOnnx } from './onnx';
import { isZipBytes, looksLikeTorchZip, readPt } from './pt';
import { exportTfjs, parseModelJson, readTfjs, weightPaths, TFJS_WEIGHTS_NAME } from './tfjsLayers';

export { hintsFromActorConfig, type ConfigHints } from './infer';

export type CheckpointFormat = 'safetensors' | 'pt' | 'onnx' | 'tfjs';
export type ExportFormat = 'safetensors' | 'onnx' | 'tfjs';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['safetensors', 'onnx', 'tfjs'];

export interface NamedFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportedCheckpoint {
  checkpoint: Checkpoint;
  format: CheckpointFormat;
  /** Where the weights came from inside the file: 'ema' / 'model' (.pt), 'network' / 'actor_ft' (ONNX, TF.js), '' (whole file). */
  sourceKey: string;
  /** Assumptions made while reading (inferred config, identity normalisation, …). */
  notes: string[];
}

/** What a file is, from its first bytes: one of our checkpoint formats, a TF.js weights file, or null. */
export function sniffCheckpointFormat(bytes: Uint8Array): CheckpointFormat | null {
  if (isZipBytes(bytes)) return looksLikeTorchZip(bytes) ? 'pt' : null;
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'pt'; // legacy bare pickle (refused with a message)
  if (bytes.length >= 10) {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (n >= 2 && 8 + n <= bytes.length && bytes[8] === 0x7b) return 'safetensors';
  }
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  if (bytes[i] === 0x7b) return 'tfjs';
  if (looksLikeOnnx(bytes)) return 'onnx';
  return null;
}

const IDENTITY_NOTE = 'The file has no normalisation statistics: identity ([−1, 1]) assumed, so observations must already be normalised.';

function identityNormalization(c: ActorConfig): NormalizationStats {
  const o = c.obsDim;
  const a = c.actionDim;
  return { obsMin: new Float32Array(o).fill(-1), obsMax: new Float32Array(o).fill(1), actionMin: new Float32Array(a).fill(-1), actionMax: new Float32Array(a).fill(1) };
}

function normFromJson(x: unknown): NormalizationStats | null {
  if (typeof x !== 'object' || x === null) return null;
  const n = x as Record<string, unknown>;
  const arr = (v: unknown, what: string) => {
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'number')) throw new UserError(`The normalisation ${what} in this file is not a list of numbers.`);
    return Float32Array.from(v as number[]);
  };
  return { obsMin: arr(n.obs_min, 'obs_min'), obsMax: arr(n.obs_max, 'obs_max'), actionMin: arr(n.action_min, 'action_min'), actionMax: arr(n.action_max, 'action_max') };
}

function checkNormalization(n: NormalizationStats, c: ActorConfig): void {
  if (n.obsMin.length !== c.obsDim || n.obsMax.length !== c.obsDim || n.actionMin.length !== c.actionDim || n.actionMax.length !== c.actionDim) {
    throw new UserError(`The normalisation statistics (obs ${n.obsMin.length}, action ${n.actionMin.length}) do not match the policy (obs ${c.obsDim}, action ${c.actionDim}).`);
  }
}

/** Critic config from `critic.Q1.*` shapes (CriticObs, spec §3.4: Mish residual MLP). */
function inferCritic(w: NamedWeights, actor: ActorConfig): CriticConfig | undefined {
  const first = w.get('critic.Q1.layers.0.weight')?.shape;
  if (!first) return undefined;
  let blocks = 0;
  while (w.has(`critic.Q1.layers.${blocks + 1}.l1.weight`)) blocks++;
  const h = first[0];
  return { obsDim: actor.obsDim, condSteps: actor.condSteps, mlpDims: new Array<number>(2 * blocks + 1).fill(h), activation: 'mish', residualStyle: true };
}

/** A checkpoint from config-less weights: inferred actor (and critic), K′ for fine-tuned files. */
function fromWeights(weights: NamedWeights, hints: ConfigHints & { ftDenoisingSteps?: number }, provenance: Record<string, unknown>, normalization: NormalizationStats | null, notes: string[]): Checkpoint {
  const inferred = inferActorConfig(weights, hints);
  notes.push(...inferred.notes);
  const actorConfig = inferred.config;
  const norm = normalization ?? identityNormalization(actorConfig);
  if (!normalization) notes.push(IDENTITY_NOTE);
  checkNormalization(norm, actorConfig);
  const prov: Record<string, unknown> = { ...provenance };
  if ([...weights.keys()].some((k) => k.startsWith('actor_ft.')) && prov.ftDenoisingSteps === undefined) {
    prov.ftDenoisingSteps = hints.ftDenoisingSteps ?? 10;
    if (hints.ftDenoisingSteps === undefined) notes.push("Fine-tuned actor (actor_ft.*): K′ = 10 assumed (DPPO's ft_denoising_steps for state tasks; not stored in .pt files).");
  }
  const c: Checkpoint = { actorConfig, normalization: norm, weights, provenance: prov };
  const critic = inferCritic(weights, actorConfig);
  if (critic) c.criticConfig = critic;
  return c;
}

function importSafetensors(bytes: Uint8Array, hints: ConfigHints): ImportedCheckpoint {
  const { metadata } = readSafetensors(bytes);
  if (metadata.format === CHECKPOINT_FORMAT) return { checkpoint: decodeCheckpoint(bytes), format: 'safetensors', sourceKey: '', notes: [] };
  // A safetensors written elsewhere (e.g. safetensors.torch.save_file(model.state_dict())) with DPPO keys.
  const weights = readSafetensorsWeights(bytes);
  const notes: string[] = ['A safetensors file without workbench metadata: the config was inferred from the tensor shapes.'];
  let norm: NormalizationStats | null = null;
  if (metadata.normalization) {
    try {
      norm = normFromJson(JSON.parse(metadata.normalization));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError('This safetensors file\'s "normalization" metadata is not JSON.');
    }
  }
  const ft = metadata.ft_denoising_steps !== undefined ? Number(metadata.ft_denoising_steps) : undefined;
  const c = fromWeights(weights, { ...hints, ...(ft ? { ftDenoisingSteps: ft } : {}) }, { imported: { format: 'safetensors' } }, norm, notes);
  return { checkpoint: c, format: 'safetensors', sourceKey: '', notes };
}

function importPt(bytes: Uint8Array, hints: ConfigHints): ImportedCheckpoint {
  const pt = readPt(bytes);
  const weights: NamedWeights = new Map();
  for (const [k, t] of pt.tensors) weights.set(k, { shape: t.shape, data: t.data });
  const notes: string[] = [];
  if (pt.sourceKey === 'ema') notes.push('Pre-training file {epoch, model, ema}: the EMA weights were used (as DPPO fine-tuning does).');
  else if (pt.sourceKey === 'model' && pt.topKeys.includes('itr')) notes.push('Fine-tuning file {itr, model}.');
  const provenance: Record<string, unknown> = { imported: { format: 'pt', sourceKey: pt.sourceKey, topKeys: pt.topKeys, ...pt.scalars } };
  const c = fromWeights(weights, hints, provenance, null, notes);
  return { checkpoint: c, format: 'pt', sourceKey: pt.sourceKey, notes };
}

function configFromMeta(raw: unknown): ActorConfig | null {
  const c = (typeof raw === 'string' ? JSON.parse(raw) : raw) as ActorConfig | undefined;
  if (!c || typeof c !== 'object' || typeof (c as { kind?: unknown }).kind !== 'string') return null;
  return c;
}

function withExported(weights: NamedWeights, source: string, ftSteps: number | undefined, provenance: Record<string, unknown>, cfg: ActorConfig, norm: NormalizationStats | null, format: CheckpointFormat, notes: string[]): ImportedCheckpoint {
  const prov = { ...provenance, imported: { format, network: source } };
  if (source === 'actor_ft') notes.push(`This ${format} file holds the fine-tuned ε-network (actor_ft${ftSteps ? `, K′ = ${ftSteps}` : ''}); it was imported as a plain pre-trained network.`);
  delete (prov as Record<string, unknown>).ftDenoisingSteps;
  const n = norm ?? identityNormalization(cfg);
  if (!norm) notes.push(IDENTITY_NOTE);
  checkNormalization(n, cfg);
  return { checkpoint: { actorConfig: cfg, normalization: n, weights, provenance: prov }, format, sourceKey: source, notes };
}

function importOnnx(bytes: Uint8Array, hints: ConfigHints): ImportedCheckpoint {
  const { tensors, metadata } = readOnnx(bytes);
  const weights: NamedWeights = new Map([...tensors].filter(([k]) => k.startsWith('network.')));
  if (weights.size === 0) throw new UserError('This ONNX file has no initializers named network.* (DPPO keys); only ONNX files exported by the workbench can be mapped back to a checkpoint.');
  const notes: string[] = [];
  let cfg: ActorConfig | null = null;
  try {
    cfg = configFromMeta(metadata.actor_config);
  } catch {
    throw new UserError('This ONNX file\'s actor_config metadata is not JSON.');
  }
  if (!cfg) {
    const inf = inferActorConfig(weights, hints);
    cfg = inf.config;
    notes.push(...inf.notes);
  }
  const norm = metadata.normalization ? normFromJson(JSON.parse(metadata.normalization)) : null;
  const prov = metadata.provenance ? (JSON.parse(metadata.provenance) as Record<string, unknown>) : {};
  return withExported(weights, metadata.network ?? 'network', Number(metadata.ft_denoising_steps) || undefined, prov, cfg, norm, 'onnx', notes);
}

function importTfjs(files: NamedFile[], hints: ConfigHints): ImportedCheckpoint {
  const jsonFile = files.find((f) => sniffCheckpointFormat(f.bytes) === 'tfjs');
  if (!jsonFile) throw new UserError('A TF.js model needs its model.json; drop model.json together with its weights file(s).');
  const m = parseModelJson(jsonFile.bytes);
  const byName = new Map<string, Uint8Array>();
  const others = files.filter((f) => f !== jsonFile);
  for (const f of others) byName.set(f.name.split(/[\\/]/).pop() as string, f.bytes);
  const paths = weightPaths(m);
  // A single dropped .bin under another name (browsers rename downloads) stands for a single-file manifest.
  if (paths.length === 1 && others.length === 1 && !byName.has(paths[0].split('/').pop() as string)) byName.set(paths[0].split('/').pop() as string, others[0].bytes);
  const all = readTfjs(m, byName);
  const weights: NamedWeights = new Map([...all].filter(([k]) => k.startsWith('network.')));
  if (weights.size === 0) throw new UserError('This TF.js model has no layers named network.* (DPPO keys); only TF.js models exported by the workbench can be mapped back to a checkpoint.');
  const meta = (m.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const notes: string[] = [];
  let cfg = configFromMeta(meta.actor_config);
  if (!cfg) {
    const inf = inferActorConfig(weights, hints);
    cfg = inf.config;
    notes.push(...inf.notes);
  }
  const norm = normFromJson(meta.normalization);
  const ft = typeof meta.ft_denoising_steps === 'number' ? meta.ft_denoising_steps : undefined;
  return withExported(weights, typeof meta.network === 'string' ? meta.network : 'network', ft, (meta.provenance ?? {}) as Record<string, unknown>, cfg, norm, 'tfjs', notes);
}

/**
 * Any importable checkpoint from one file, or a TF.js model.json with its weight files. UserError with a
 * specific message for anything else.
 */
export function importCheckpointFiles(files: NamedFile[], hints: ConfigHints = {}): ImportedCheckpoint {
  try {
    return importUnguarded(files, hints);
  } catch (e) {
    if (e instanceof UserError) throw e;
    // A malformed file can still trip a check we did not write (a bad shape type, an absurd length):
    // report it as the file's fault, naming it, rather than as a crash.
    const names = files.map((f) => f.name).join(' + ');
    throw new UserError(`${names} could not be read as a checkpoint: it is malformed (${(e as Error)?.message ?? String(e)}).`);
  }
}

function importUnguarded(files: NamedFile[], hints: ConfigHints): ImportedCheckpoint {
  if (files.length === 0) throw new UserError('No file given.');
  const kinds = files.map((f) => sniffCheckpointFormat(f.bytes));
  if (kinds.includes('tfjs')) return importTfjs(files, hints);
  if (files.length > 1) throw new UserError(`Import one checkpoint file at a time (or a TF.js model.json with its .bin); got ${files.length} files.`);
  const f = files[0];
  if (f.bytes.length === 0) throw new UserError(`${f.name} is empty (0 bytes).`);
  switch (kinds[0]) {
    case 'safetensors':
      return importSafetensors(f.bytes, hints);
    case 'pt':
      return importPt(f.bytes, hints);
    case 'onnx':
      return importOnnx(f.bytes, hints);
    default:
      if (isZipBytes(f.bytes)) throw new UserError(`${f.name} is a zip archive without data.pkl: not a PyTorch checkpoint (an .npz dataset or a run file belongs elsewhere).`);
      throw new UserError(
        `${f.name} is not a checkpoint: its first bytes match none of safetensors, PyTorch .pt (zip), ONNX or a TF.js model.json. ` +
          'If it is TF.js weights (.bin), drop it together with its model.json.',
      );
  }
}

export function importCheckpointBytes(bytes: Uint8Array, name = 'file', hints: ConfigHints = {}): ImportedCheckpoint {
  return importCheckpointFiles([{ name, bytes }], hints);
}

/** One checkpoint in an export format: safetensors → 1 file, ONNX → 1 file, TF.js → model.json + weights.bin. */
export async function exportCheckpoint(c: Checkpoint, format: ExportFormat, baseName = 'policy'): Promise<NamedFile[]> {
  switch (format) {
    case 'safetensors':
      return [{ name: `${baseName}.safetensors`, bytes: encodeCheckpoint(c) }];
    case 'onnx':
      return [{ name: `${baseName}.onnx`, bytes: exportOnnx(c) }];
    case 'tfjs': {
      const { modelJson, weightsBin } = await exportTfjs(c);
      return [
        { name: 'model.json', bytes: modelJson },
        { name: TFJS_WEIGHTS_NAME, bytes: weightsBin },
      ];
    }
    default:
      throw new UserError(`Unknown export format "${String(format)}"; use one of ${EXPORT_FORMATS.join(', ')}.`);
  }
}

export interface CheckpointSummary {
  format: CheckpointFormat;
  params: number;
  obs_dim: number;
  act_dim: number;
  horizon: number;
  source_key: string;
  policy: string;
  notes: string[];
}

/** What `dppo inspect --json` prints for a checkpoint file. */
export function inspectCheckpointBytes(bytes: Uint8Array, hints: ConfigHints = {}): CheckpointSummary {
  const r = importCheckpointBytes(bytes, 'file', hints);
  let params = 0;
  for (const w of r.checkpoint.weights.values()) params += w.data.length;
  const c = r.checkpoint.actorConfig;
  return { format: r.format, params, obs_dim: c.obsDim, act_dim: c.actionDim, horizon: c.horizonSteps, source_key: r.sourceKey, policy: c.kind, notes: r.notes };
}
