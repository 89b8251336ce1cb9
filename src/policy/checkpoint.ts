/**
 * Our checkpoint file = one safetensors file (design/architecture.md §3):
 *   [8-byte little-endian u64 N][N bytes JSON header, space-padded to 8][raw tensor data]
 * The header maps each weight key to {dtype, shape, data_offsets: [begin, end)} (offsets into the data
 * section) and `__metadata__` (string → string) carries:
 *   format "dppo-workbench-ckpt/1", actor_config (ActorConfig JSON), critic_config (optional),
 *   normalization ({obs_min, obs_max, action_min, action_max} arrays), provenance (free JSON),
 *   ft_denoising_steps (K′ of a fine-tuned actor, when the provenance has it).
 * Weights are float32 in PyTorch layout under DPPO keys (spec/dppo-reference.md §3.6, §6.4). Reading also
 * accepts F64/F16/BF16 tensors (converted to float32).
 */
import type { ActorConfig, CriticConfig } from '../config/model';
import { UserError } from '../core/errors';
import type { NamedWeights } from './nn';
import type { NormalizationStats } from './normalizer';

export const CHECKPOINT_FORMAT = 'dppo-workbench-ckpt/1';

export interface Checkpoint {
  actorConfig: ActorConfig;
  criticConfig?: CriticConfig;
  normalization: NormalizationStats;
  weights: NamedWeights;
  /** Free JSON: task, command, epochs, itr, dataset, ftDenoisingSteps, … */
  provenance: Record<string, unknown>;
}

export interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Checkpoint → safetensors bytes. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    actor_config: JSON.stringify(c.actorConfig),
    normalization: JSON.stringify({
      obs_min: Array.from(c.normalization.obsMin),
      obs_max: Array.from(c.normalization.obsMax),
      action_min: Array.from(c.normalization.actionMin),
      action_max: Array.from(c.normalization.actionMax),
    }),
    provenance: JSON.stringify(c.provenance ?? {}),
  };
  if (c.criticConfig) meta.critic_config = JSON.stringify(c.criticConfig);
  // K′ of a fine-tuned actor, also as its own key (DPPO's `ft_denoising_steps`) for readers outside the workbench.
  const ft = c.provenance?.ftDenoisingSteps ?? (c.provenance?.config as Record<string, unknown> | undefined)?.ftDenoisingSteps;
  if (typeof ft === 'number') meta.ft_denoising_steps = String(ft);
  header.__metadata__ = meta;
  let offset = 0;
  for (const [key, w] of c.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (n !== w.data.length) throw new Error(`encodeCheckpoint: ${key} has ${w.data.length} values for shape [${w.shape.join(', ')}]`);
    header[key] = { dtype: 'F32', shape: w.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const w of c.weights.values()) {
    const bytes = new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return out;
}

function corrupt(why: string): UserError {
  return new UserError(`Not a valid DPPO Workbench checkpoint (${why}); pick a .safetensors file saved by the workbench or \`dppo\`.`);
}

/** Parses the raw safetensors structure: header entries, metadata and the data section. */
export function readSafetensors(bytes: Uint8Array): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; data: Uint8Array } {
  if (bytes.length < 8) throw corrupt('file shorter than 8 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (!Number.isFinite(n) || n < 2 || 8 + n > bytes.length) throw corrupt('bad header length');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw corrupt('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt('header is not an object');
  const data = bytes.subarray(8 + n);
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const e = value as HeaderEntry;
    const size = BYTES[e?.dtype];
    if (size === undefined) throw corrupt(`tensor "${key}" has unsupported dtype ${String(e?.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw corrupt(`tensor "${key}" has a bad shape`);
    const [b, end] = e.data_offsets ?? [];
    const count = e.shape.reduce((a, d) => a * d, 1);
    if (!Number.isInteger(b) || !Number.isInteger(end) || b < 0 || end > data.length || end - b !== count * size) {
      throw corrupt(`tensor "${key}" has bad data offsets`);
    }
    entries.set(key, e);
  }
  return { entries, metadata, data };
}

function toFloat32(e: HeaderEntry, data: Uint8Array): Float32Array {
  const [b, end] = e.data_offsets;
  // A fresh copy: a Node Buffer's slice() is a view into a shared pool, so its .buffer is not these bytes.
  const raw = Uint8Array.prototype.slice.call(data, b, end);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = e.shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(count);
  switch (e.dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) return new Float32Array(raw.buffer, 0, count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'BF16': {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
  }
  return out;
}

/** IEEE half-precision bits → number (subnormals, ±Inf and NaN included). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function parseMeta<T>(metadata: Record<string, string>, key: string, required: boolean): T | undefined {
  const raw = metadata[key];
  if (raw === undefined) {
    if (required) throw corrupt(`metadata "${key}" is missing`);
    return undefined;
  }
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw corrupt(`metadata "${key}" is not JSON`);
  }
}

function floatArray(x: unknown, what: string): Float32Array {
  if (!Array.isArray(x) || !x.every((v) => typeof v === 'number')) throw corrupt(`normalization ${what} is not a number array`);
  return Float32Array.from(x as number[]);
}

/** Every tensor of any safetensors file as float32 (no workbench metadata needed). */
export function readSafetensorsWeights(bytes: Uint8Array): NamedWeights {
  const { entries, data } = readSafetensors(bytes);
  const weights: NamedWeights = new Map();
  for (const [key, e] of entries) weights.set(key, { shape: [...e.shape], data: toFloat32(e, data) });
  return weights;
}

/** safetensors bytes → Checkpoint; throws UserError on a wrong or corrupt file. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { entries, metadata, data } = readSafetensors(bytes);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw corrupt(metadata.format ? `format "${metadata.format}" is not ${CHECKPOINT_FORMAT}` : 'no format metadata');
  }
  const actorConfig = parseMeta<ActorConfig>(metadata, 'actor_config', true) as ActorConfig;
  if (typeof actorConfig !== 'object' || actorConfig === null || typeof actorConfig.kind !== 'string') throw corrupt('actor_config has no kind');
  const criticConfig = parseMeta<CriticConfig>(metadata, 'critic_config', false);
  const norm = parseMeta<Record<string, unknown>>(metadata, 'normalization', true) as Record<string, unknown>;
  const normalization: NormalizationStats = {
    obsMin: floatArray(norm.obs_min, 'obs_min'),
    obsMax: floatArray(norm.obs_max, 'obs_max'),
    actionMin: floatArray(norm.action_min, 'action_min'),
    actionMax: floatArray(norm.action_max, 'action_max'),
  };
  const provenance = parseMeta<Record<string, unknown>>(metadata, 'provenance', false) ?? {};
  if (provenance.ftDenoisingSteps === undefined && metadata.ft_denoising_steps !== undefined) {
    const k = Number(metadata.ft_denoising_steps);
    if (!Number.isInteger(k) || k < 1) throw corrupt(`metadata "ft_denoising_steps" is not a positive integer`);
    provenance.ftDenoisingSteps = k;
  }
  const weights: NamedWeights = new Map();
  for (const [key, e] of entries) weights.set(key, { shape: [...e.shape], data: toFloat32(e, data) });
  const out: Checkpoint = { actorConfig, normalization, weights, provenance };
  if (criticConfig) out.criticConfig = criticConfig;
  return out;
}
