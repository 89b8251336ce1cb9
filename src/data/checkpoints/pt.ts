/**
 * PyTorch `.pt` checkpoints (torch.save, PyTorch ≥ 1.6): a zip holding `<archive>/data.pkl` (the pickled
 * object graph), `<archive>/data/<key>` (raw little-endian storage bytes, one per storage) and
 * `<archive>/byteorder` / `version` (torch/serialization.py `_save`). The pickle is read by the restricted
 * unpickler (pickle.ts); storages are bound to their bytes here and tensors are copied out through their
 * offset and strides.
 *
 * DPPO's files (spec: irom-princeton/dppo `agent/pretrain/train_agent.py` save_model, `agent/finetune/
 * train_agent.py` save_model): pre-training `{epoch, model, ema}` — `ema` is preferred, as DPPO's
 * fine-tuning loads it when present; fine-tuning `{itr, model}` with `network.*`, `actor.*`, `actor_ft.*`,
 * `critic.*`. A bare state dict (torch.save(model.state_dict())) is read too.
 */
import { unzipSync } from 'fflate';
import { UserError } from '../../core/errors';
import { PyTuple, restrictedUnpickle, StorageRef, TensorRef } from './pickle';
import { halfToFloat } from '../../policy/checkpoint';

export interface PtTensor {
  dtype: string;
  shape: number[];
  /** Values as float32 (exact for float32 storages; widened/narrowed for the others). */
  data: Float32Array;
}

export interface PtStateDict {
  /** Which top-level entry the weights came from: 'ema', 'model', or '' for a bare state dict. */
  sourceKey: string;
  /** Every top-level entry name (e.g. ['epoch', 'model', 'ema']). */
  topKeys: string[];
  /** Scalars next to the weights: epoch, itr. */
  scalars: Record<string, number>;
  tensors: Map<string, PtTensor>;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function isZipBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** True when the zip's entry names look like a torch.save archive (…/data.pkl). Cheap: reads the central directory only. */
export function looksLikeTorchZip(bytes: Uint8Array): boolean {
  if (!isZipBytes(bytes)) return false;
  try {
    let found = false;
    unzipSync(bytes, {
      filter: (f) => {
        if (/(^|\/)data\.pkl$/.test(f.name)) found = true;
        return false;
      },
    });
    return found;
  } catch {
    return false;
  }
}

/** Storage bytes → float32 values (one per element). */
function storageValues(s: StorageRef, raw: Uint8Array): Float32Array {
  const n = s.numel;
  if (raw.length < n * s.bytesPerItem) {
    throw new UserError(`This .pt file's storage "${s.key}" holds ${raw.length} bytes, fewer than its ${n} ${s.dtype} elements need; the file is truncated.`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (s.dtype === 'float32' && LITTLE_ENDIAN && raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (s.dtype) {
      case 'float32':
        out[i] = view.getFloat32(4 * i, true);
        break;
      case 'float64':
        out[i] = view.getFloat64(8 * i, true);
        break;
      case 'float16':
        out[i] = halfToFloat(view.getUint16(2 * i, true));
        break;
      case 'bfloat16':
        out[i] = new Float32Array(Uint32Array.of(view.getUint16(2 * i, true) << 16).buffer)[0];
        break;
      case 'int64':
        out[i] = Number(view.getBigInt64(8 * i, true));
        break;
      case 'int32':
        out[i] = view.getInt32(4 * i, true);
        break;
      case 'int16':
        out[i] = view.getInt16(2 * i, true);
        break;
      case 'int8':
        out[i] = view.getInt8(i);
        break;
      default: // uint8, bool
        out[i] = view.getUint8(i);
    }
  }
  return out;
}

/** Copies a (possibly strided) view out of its storage into a contiguous row-major array. */
function materialize(t: TensorRef, values: Float32Array): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  // State dicts hold no expanded (stride-0) views; a tensor with more elements than its storage is corrupt.
  if (n > t.storage.numel) throw new UserError(`This .pt file holds a tensor [${t.shape.join(', ')}] with more elements than its storage "${t.storage.key}" (${t.storage.numel}).`);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const nd = t.shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let src = t.offset;
    for (let d = 0; d < nd; d++) src += idx[d] * t.stride[d];
    out[i] = values[src];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function isStateDict(x: unknown): x is Map<unknown, unknown> {
  if (!(x instanceof Map) || x.size === 0) return false;
  let tensors = 0;
  for (const [k, v] of x) {
    if (typeof k !== 'string') return false;
    if (v instanceof TensorRef) tensors++;
  }
  return tensors > 0;
}

/**
 * Reads a torch.save zip: unpickles with the allow-list and returns the weights of the preferred entry
 * (`ema`, else `model`, else the object itself when it is a state dict). UserError on anything else.
 */
export function readPt(bytes: Uint8Array): PtStateDict {
  if (!isZipBytes(bytes)) {
    if (bytes.length >= 2 && bytes[0] === 0x80) {
      throw new UserError('This .pt file is in the legacy (PyTorch < 1.6) format, a bare pickle stream; re-save it with a current torch.save (the zip format) to import it.');
    }
    throw new UserError('Not a PyTorch .pt checkpoint: it does not start with the zip signature "PK\\x03\\x04" that torch.save writes.');
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new UserError(`This .pt file is a damaged zip archive (${(e as Error).message}); the file may be truncated.`);
  }
  const pklName = Object.keys(files).find((n) => /(^|\/)data\.pkl$/.test(n));
  if (!pklName) throw new UserError('This zip holds no data.pkl, so it is not a torch.save checkpoint (an .npz dataset or another archive?).');
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const order = files[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order).trim() === 'big') {
    throw new UserError('This .pt file was saved on a big-endian machine; only little-endian checkpoints are read.');
  }
  const root = restrictedUnpickle(files[pklName]);

  let dict: Map<unknown, unknown>;
  let sourceKey: string;
  const topKeys: string[] = [];
  const scalars: Record<string, number> = {};
  if (isStateDict(root)) {
    dict = root;
    sourceKey = '';
  } else if (root instanceof Map) {
    for (const [k, v] of root) {
      if (typeof k === 'string') topKeys.push(k);
      if (typeof k === 'string' && typeof v === 'number') scalars[k] = v;
    }
    const ema = root.get('ema');
    const model = root.get('model');
    if (isStateDict(ema)) {
      dict = ema;
      sourceKey = 'ema';
    } else if (isStateDict(model)) {
      dict = model;
      sourceKey = 'model';
    } else {
      const other = [...root.entries()].find(([k, v]) => typeof k === 'string' && isStateDict(v));
      if (!other) throw new UserError(`This .pt file holds a dict with keys [${topKeys.join(', ')}] but no state dict of tensors (DPPO files have "ema" or "model").`);
      dict = other[1] as Map<unknown, unknown>;
      sourceKey = other[0] as string;
    }
  } else {
    const what = root instanceof PyTuple ? 'a tuple' : Array.isArray(root) ? 'a list' : root instanceof TensorRef ? 'a single tensor' : typeof root;
    throw new UserError(`This .pt file holds ${what}, not a state dict or a dict of state dicts.`);
  }

  const storages = new Map<string, Float32Array>();
  const tensors = new Map<string, PtTensor>();
  for (const [k, v] of dict) {
    if (!(v instanceof TensorRef)) continue;
    const key = v.storage.key;
    let values = storages.get(key);
    if (!values) {
      const raw = files[`${prefix}data/${key}`];
      if (!raw) throw new UserError(`This .pt file's tensor "${String(k)}" points at storage data/${key}, which is missing from the archive.`);
      values = storageValues(v.storage, raw);
      storages.set(key, values);
    }
    tensors.set(String(k), { dtype: v.storage.dtype, shape: [...v.shape], data: materialize(v, values) });
  }
  return { sourceKey, topKeys, scalars, tensors };
}
