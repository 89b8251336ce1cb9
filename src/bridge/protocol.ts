/**
 * Bridge protocol v1, the TypeScript side (docs/bridge-protocol.md is the source of truth; the Python side
 * mirrors it in bridge/src/dppo_bridge/protocol.py and both round-trip bridge/protocol-vectors/).
 *
 * Text frames are JSON objects with an `op` (rosbridge v2 style: `op` + optional `id` echoed in the reply);
 * binary frames carry batched tensors behind a 32-byte header and 32-byte descriptors, every tensor at an
 * 8-byte-aligned offset so it is read as a typed-array view of the received ArrayBuffer, without a copy
 * (the Foxglove ws-protocol's binary layout misaligns payloads, which is what the padding avoids).
 *
 * Binary layout (little-endian):
 *   header  0 u8[4] "DPB1" | 4 u8 kind (1 STEP, 2 RESULT) | 5 u8 0 | 6 u16 count | 8 u32 seq
 *           12 u32 header_bytes (= 32 + 32·count) | 16 u64 t_ns | 24 u64 0
 *   descriptor (×count)  0 u8 name | 1 u8 dtype (1 f32, 2 u8) | 2 u8 ndim (1..4) | 3 u8 0
 *           4 u32 byte_offset (multiple of 8) | 8 u32 byte_length | 12 u32 0 | 16 u32[4] shape (unused 0)
 *   data    each tensor at its offset, zero padding to 8 between tensors; the frame ends at the last
 *           tensor's end padded to 8.
 *
 * Legend: n envs, Ta chunk length, Te executed steps (act_steps), Da action dim, Do obs dim, Dt trace dim,
 * G tag count.
 */
import * as v from 'valibot';

export const PROTOCOL_VERSION = 1;
/** WebSocket subprotocol: the version lives in the handshake (Foxglove ws-protocol convention). */
export const SUBPROTOCOL = 'dppo-bridge.v1';
export const MAGIC = 'DPB1';
export const HEADER_BYTES = 32;
export const DESCRIPTOR_BYTES = 32;
export const MAX_TENSORS = 16;
/** Close codes the server uses: refused token / malformed frame. */
export const CLOSE_AUTH = 4401;
export const CLOSE_BAD_FRAME = 4400;

export const FRAME_STEP = 1;
export const FRAME_RESULT = 2;
export type FrameKind = typeof FRAME_STEP | typeof FRAME_RESULT;

export const TENSOR_IDS = {
  actions: 1,
  obs: 2,
  reward: 3,
  terminated: 4,
  truncated: 5,
  executed: 6,
  trace: 7,
  tags: 8,
  ee_pose: 9,
} as const;
export type TensorName = keyof typeof TENSOR_IDS;
const TENSOR_NAMES = Object.fromEntries(Object.entries(TENSOR_IDS).map(([k, id]) => [id, k])) as Record<number, TensorName>;

export const DTYPE_IDS = { f32: 1, u8: 2 } as const;
export type DType = keyof typeof DTYPE_IDS;
const DTYPE_SIZE: Record<DType, number> = { f32: 4, u8: 1 };

export const ERROR_CODES = ['auth', 'protocol', 'bad_frame', 'bad_request', 'unsupported', 'busy', 'limit', 'safety', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A frame or message that breaks the protocol; `code` is the protocol's error code (bad_frame, protocol …). */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface Tensor {
  name: TensorName;
  dtype: DType;
  shape: number[];
  /** A view of the frame's bytes after decoding (no copy). */
  data: Float32Array | Uint8Array;
}

export interface Frame {
  kind: FrameKind;
  /** The request id this frame answers (RESULT) or carries (STEP), u32. */
  seq: number;
  /** Sender clock in ns (0 allowed), u64. */
  tNs: bigint;
  tensors: Tensor[];
}

const align8 = (x: number): number => (x + 7) & ~7;
const prod = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Bytes of a tensor's data. */
function byteLengthOf(t: Pick<Tensor, 'dtype' | 'shape'>): number {
  return prod(t.shape) * DTYPE_SIZE[t.dtype];
}

/**
 * Encodes a binary frame: header, descriptors, then each tensor at the next 8-byte boundary (zero padding),
 * in the order given. Throws a ProtocolError('bad_frame') for what the decoder would refuse (the encoder
 * never writes a frame the other side must reject).
 */
export function encodeFrame(frame: Frame): ArrayBuffer {
  const count = frame.tensors.length;
  if (count > MAX_TENSORS) throw new ProtocolError('bad_frame', `a frame holds at most ${MAX_TENSORS} tensors, got ${count}`);
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > 0xffffffff) throw new ProtocolError('bad_frame', `seq must be a u32, got ${frame.seq}`);
  const headerBytes = HEADER_BYTES + DESCRIPTOR_BYTES * count;
  const offsets: number[] = [];
  let end = headerBytes;
  for (const t of frame.tensors) {
    checkTensorShape(t.name, t.dtype, t.shape);
    const len = byteLengthOf(t);
    if (t.data.length !== prod(t.shape)) throw new ProtocolError('bad_frame', `tensor ${t.name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const off = align8(end);
    offsets.push(off);
    end = off + len;
  }
  const total = align8(end);
  const buf = new ArrayBuffer(total);
  const dv = new DataView(buf);
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < 4; i++) bytes[i] = MAGIC.charCodeAt(i);
  dv.setUint8(4, frame.kind);
  dv.setUint16(6, count, true);
  dv.setUint32(8, frame.seq, true);
  dv.setUint32(12, headerBytes, true);
  dv.setBigUint64(16, BigInt.asUintN(64, frame.tNs), true);
  frame.tensors.forEach((t, k) => {
    const d = HEADER_BYTES + k * DESCRIPTOR_BYTES;
    dv.setUint8(d, TENSOR_IDS[t.name]);
    dv.setUint8(d + 1, DTYPE_IDS[t.dtype]);
    dv.setUint8(d + 2, t.shape.length);
    dv.setUint32(d + 4, offsets[k], true);
    dv.setUint32(d + 8, byteLengthOf(t), true);
    t.shape.forEach((s, j) => dv.setUint32(d + 16 + 4 * j, s, true));
    if (t.dtype === 'f32') {
      const src = t.data as Float32Array;
      for (let i = 0; i < src.length; i++) {
        if (!Number.isFinite(src[i])) throw new ProtocolError('bad_frame', `tensor ${t.name} holds a non-finite value at index ${i}`);
      }
      new Float32Array(buf, offsets[k], src.length).set(src);
    } else {
      bytes.set(t.data as Uint8Array, offsets[k]);
    }
  });
  return buf;
}

function checkTensorShape(name: string, dtype: string, shape: readonly number[]): void {
  if (!(name in TENSOR_IDS)) throw new ProtocolError('bad_frame', `unknown tensor name ${name}`);
  if (!(dtype in DTYPE_IDS)) throw new ProtocolError('bad_frame', `unknown dtype ${dtype}`);
  if (shape.length < 1 || shape.length > 4) throw new ProtocolError('bad_frame', `tensor ${name}: ndim must be 1..4, got ${shape.length}`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new ProtocolError('bad_frame', `tensor ${name}: bad dimension ${s}`);
  }
}

/**
 * Decodes and validates a binary frame. With an ArrayBuffer (WebSocket binaryType 'arraybuffer') the tensors
 * are views of it — no copy; a Uint8Array at an unaligned offset is copied once first. Anything malformed →
 * ProtocolError('bad_frame') saying what: magic, kind, reserved bytes, count ≤ 16, header size, offsets in
 * range and 8-aligned, no overlap, lengths = prod(shape)·sizeof(dtype), unused dims 0, no duplicate names,
 * frame length = last tensor's end padded to 8, finite floats (docs/bridge-protocol.md §3).
 */
export function decodeFrame(input: ArrayBuffer | Uint8Array): Frame {
  let buf: ArrayBuffer;
  if (input instanceof Uint8Array) {
    buf = input.byteOffset % 8 === 0 && input.byteLength === input.buffer.byteLength
      ? (input.buffer as ArrayBuffer)
      : (input.slice().buffer as ArrayBuffer);
  } else {
    buf = input;
  }
  const bad = (msg: string): never => {
    throw new ProtocolError('bad_frame', msg);
  };
  const size = buf.byteLength;
  if (size < HEADER_BYTES) bad(`frame of ${size} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const dv = new DataView(buf);
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) bad('bad magic (expected "DPB1")');
  const kind = dv.getUint8(4);
  if (kind !== FRAME_STEP && kind !== FRAME_RESULT) bad(`unknown frame kind ${kind}`);
  if (dv.getUint8(5) !== 0) bad('reserved header byte 5 is not 0');
  const count = dv.getUint16(6, true);
  if (count > MAX_TENSORS) bad(`count ${count} > ${MAX_TENSORS}`);
  const seq = dv.getUint32(8, true);
  const headerBytes = dv.getUint32(12, true);
  if (headerBytes !== HEADER_BYTES + DESCRIPTOR_BYTES * count) bad(`header_bytes ${headerBytes} ≠ 32 + 32·${count}`);
  if (headerBytes > size) bad(`header_bytes ${headerBytes} > frame size ${size}`);
  const tNs = dv.getBigUint64(16, true);
  if (dv.getBigUint64(24, true) !== 0n) bad('reserved header bytes 24..31 are not 0');
  const tensors: Tensor[] = [];
  const spans: [number, number][] = [];
  const seen = new Set<number>();
  for (let k = 0; k < count; k++) {
    const d = HEADER_BYTES + k * DESCRIPTOR_BYTES;
    const nameId = dv.getUint8(d);
    const name = TENSOR_NAMES[nameId];
    if (!name) bad(`descriptor ${k}: unknown tensor name id ${nameId}`);
    if (seen.has(nameId)) bad(`tensor ${name} appears twice`);
    seen.add(nameId);
    const dtypeId = dv.getUint8(d + 1);
    const dtype: DType | undefined = dtypeId === 1 ? 'f32' : dtypeId === 2 ? 'u8' : undefined;
    if (!dtype) bad(`tensor ${name}: unknown dtype id ${dtypeId}`);
    const ndim = dv.getUint8(d + 2);
    if (ndim < 1 || ndim > 4) bad(`tensor ${name}: ndim ${ndim} not in 1..4`);
    if (dv.getUint8(d + 3) !== 0 || dv.getUint32(d + 12, true) !== 0) bad(`tensor ${name}: reserved descriptor bytes are not 0`);
    const off = dv.getUint32(d + 4, true);
    const len = dv.getUint32(d + 8, true);
    const shape: number[] = [];
    for (let j = 0; j < 4; j++) {
      const s = dv.getUint32(d + 16 + 4 * j, true);
      if (j < ndim) shape.push(s);
      else if (s !== 0) bad(`tensor ${name}: unused dimension ${j} is ${s}, not 0`);
    }
    const expected = prod(shape) * DTYPE_SIZE[dtype!];
    if (len !== expected) bad(`tensor ${name}: byte_length ${len} ≠ ${expected} for ${dtype} [${shape.join(', ')}]`);
    if (off % 8 !== 0) bad(`tensor ${name}: byte_offset ${off} is not a multiple of 8`);
    if (off < headerBytes || off + len > size) bad(`tensor ${name}: bytes ${off}..${off + len} outside the data area ${headerBytes}..${size}`);
    spans.push([off, off + len]);
    const data = dtype === 'f32' ? new Float32Array(buf, off, len / 4) : new Uint8Array(buf, off, len);
    tensors.push({ name: name!, dtype: dtype!, shape, data });
  }
  // No overlap, and the frame ends at the last tensor's end padded to 8 (gaps may hold anything: §3).
  const sorted = [...spans].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = headerBytes;
  for (const [s, e] of sorted) {
    if (s < cursor) bad(`tensors overlap at byte ${s}`);
    cursor = e;
  }
  if (size !== align8(cursor)) bad(`frame is ${size} bytes; its tensors end at ${cursor} (padded: ${align8(cursor)})`);
  for (const t of tensors) {
    if (t.dtype !== 'f32') continue;
    const f = t.data as Float32Array;
    for (let i = 0; i < f.length; i++) if (!Number.isFinite(f[i])) bad(`tensor ${t.name} holds a non-finite value at index ${i}`);
  }
  return { kind: kind as FrameKind, seq, tNs, tensors };
}

/** The tensor `name` of a frame with exactly this dtype and shape; ProtocolError('bad_frame') otherwise. */
export function expectTensor<D extends DType>(frame: Frame, name: TensorName, dtype: D, shape: readonly number[]): D extends 'f32' ? Float32Array : Uint8Array {
  const t = frame.tensors.find((x) => x.name === name);
  if (!t) throw new ProtocolError('bad_frame', `frame ${frame.seq} has no ${name} tensor`);
  if (t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new ProtocolError('bad_frame', `tensor ${name} is ${t.dtype} [${t.shape.join(', ')}], expected ${dtype} [${shape.join(', ')}]`);
  }
  return t.data as D extends 'f32' ? Float32Array : Uint8Array;
}

/** Nanoseconds since the epoch for a frame's t_ns (ms resolution is enough for latency). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

// ------------------------------------------------------------------------------------ JSON messages

const u32 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffffff));
const finite = v.pipe(v.number(), v.finite());

export const EnvSpecWire = v.object({
  task_id: v.string(),
  obs_dim: v.pipe(v.number(), v.integer(), v.minValue(1)),
  act_dim: v.pipe(v.number(), v.integer(), v.minValue(1)),
  act_low: v.array(finite),
  act_high: v.array(finite),
  control_dt: finite,
  max_episode_steps: v.pipe(v.number(), v.integer(), v.minValue(1)),
  best_reward_threshold_for_success: finite,
});
export type EnvSpecWire = v.InferOutput<typeof EnvSpecWire>;

const Welcome = v.object({
  op: v.literal('welcome'),
  protocol: v.number(),
  session_id: v.string(),
  backend: v.string(),
  server: v.looseObject({ name: v.string(), version: v.string() }),
  capabilities: v.looseObject({
    tasks: v.array(v.string()),
    franka: v.optional(v.boolean(), false),
    ray: v.optional(v.boolean(), false),
    isaacgym: v.optional(v.boolean(), false),
  }),
  limits: v.looseObject({
    max_message_bytes: v.number(),
    max_envs: v.number(),
    heartbeat_timeout_ms: v.number(),
    command_rate_hz: v.optional(v.number()),
  }),
});
const Spec = v.object({
  op: v.literal('spec'),
  id: u32,
  spec: EnvSpecWire,
  n_envs: v.pipe(v.number(), v.integer(), v.minValue(1)),
  act_steps: v.pipe(v.number(), v.integer(), v.minValue(1)),
  trace_dim: v.pipe(v.number(), v.integer(), v.minValue(0)),
  tag_keys: v.array(v.string()),
});
const Ok = v.looseObject({ op: v.literal('ok'), id: u32 });
const HeartbeatAck = v.looseObject({ op: v.literal('heartbeat_ack'), seq: u32, t_ms: v.number(), server_t_ms: v.optional(v.number()) });
const Status = v.looseObject({
  op: v.literal('status'),
  state: v.picklist(['connected', 'armed', 'running', 'stopped']),
  controller: v.optional(v.boolean(), false),
  ee_pos: v.optional(v.array(finite)),
  ee_quat: v.optional(v.array(finite)),
  reason: v.optional(v.string()),
});
const ErrorMsg = v.looseObject({ op: v.literal('error'), id: v.optional(u32), code: v.string(), message: v.string() });

export const ServerMessage = v.variant('op', [Welcome, Spec, Ok, HeartbeatAck, Status, ErrorMsg]);
export type ServerMessage = v.InferOutput<typeof ServerMessage>;
export type WelcomeMsg = v.InferOutput<typeof Welcome>;
export type SpecMsg = v.InferOutput<typeof Spec>;
export type StatusMsg = v.InferOutput<typeof Status>;
export type ErrorMsg = v.InferOutput<typeof ErrorMsg>;

/** Parses a text frame from the server; ProtocolError('protocol') naming the problem otherwise. */
export function parseServerMessage(text: string): ServerMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProtocolError('protocol', `the bridge sent text that is not JSON: ${text.slice(0, 80)}`);
  }
  const r = v.safeParse(ServerMessage, data);
  if (!r.success) {
    const op = data && typeof data === 'object' && 'op' in data ? String((data as { op: unknown }).op) : '?';
    const issue = r.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new ProtocolError('protocol', `the bridge sent a malformed "${op}" message${path ? ` (${path})` : ''}: ${issue.message}`);
  }
  return r.output;
}

/** Client → server text messages. */
export type ClientMessage =
  | { op: 'hello'; token: string; protocol: number; client: { name: string; version: string } }
  | { op: 'make'; id: number; task: string; n_envs: number; act_steps: number; seed: number; max_episode_steps?: number }
  | { op: 'reset'; id: number }
  | { op: 'close_envs'; id: number }
  | { op: 'heartbeat'; seq: number; t_ms: number }
  | { op: 'arm'; id: number; confirm: 'ARM' }
  | { op: 'disarm'; id: number }
  | { op: 'stop' };
