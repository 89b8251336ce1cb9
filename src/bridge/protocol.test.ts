/**
 * The shared protocol vectors (bridge/protocol-vectors/, docs/bridge-protocol.md §6): every valid frame
 * decodes to exactly the listed tensors as zero-copy views and re-encodes byte for byte; every invalid one
 * is refused with its error code. Plus the JSON side: server messages are checked, not trusted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  expectTensor,
  parseServerMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  SUBPROTOCOL,
  type Frame,
  type Tensor,
} from './protocol';
import { parseBridgeLine, checkBridgeUrl } from './client';

const DIR = join(__dirname, '..', '..', 'bridge', 'protocol-vectors');

interface VectorTensor {
  name: Tensor['name'];
  dtype: Tensor['dtype'];
  shape: number[];
  values: number[];
}
interface Vectors {
  protocol: number;
  subprotocol: string;
  valid: { file: string; about: string; kind: 1 | 2; seq: number; t_ns: number | string; bytes: number; tensors: VectorTensor[] }[];
  invalid: { file: string; about: string; error: string }[];
}

const vectors = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8')) as Vectors;

/** The file as its own ArrayBuffer (what a WebSocket with binaryType 'arraybuffer' hands over). */
function load(file: string): ArrayBuffer {
  const b = readFileSync(join(DIR, file));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

describe('bridge protocol vectors', () => {
  it('share the version and subprotocol with the Python side', () => {
    expect(vectors.protocol).toBe(PROTOCOL_VERSION);
    expect(vectors.subprotocol).toBe(SUBPROTOCOL);
    expect(vectors.valid.length).toBeGreaterThanOrEqual(5);
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(15);
  });

  it.each(vectors.valid.map((v) => [v.file, v] as const))('%s decodes to the listed tensors and re-encodes byte for byte', (_f, v) => {
    const buf = load(v.file);
    expect(buf.byteLength).toBe(v.bytes);
    const frame = decodeFrame(buf);
    expect(frame.kind).toBe(v.kind);
    expect(frame.seq).toBe(v.seq);
    expect(frame.tNs).toBe(BigInt(v.t_ns));
    expect(frame.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(v.tensors.map((t) => [t.name, t.dtype, t.shape]));
    frame.tensors.forEach((t, k) => {
      // Zero copy: the tensor is a view of the received buffer, 8-byte aligned.
      expect(t.data.buffer).toBe(buf);
      expect(t.data.byteOffset % 8).toBe(0);
      const want = t.dtype === 'f32' ? Float32Array.from(v.tensors[k].values) : Uint8Array.from(v.tensors[k].values);
      expect(Array.from(t.data)).toEqual(Array.from(want));
    });
    const again: Frame = {
      kind: v.kind,
      seq: v.seq,
      tNs: BigInt(v.t_ns),
      tensors: v.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.dtype === 'f32' ? Float32Array.from(t.values) : Uint8Array.from(t.values) })),
    };
    expect(new Uint8Array(encodeFrame(again))).toEqual(new Uint8Array(buf));
  });

  it.each(vectors.invalid.map((v) => [v.file, v] as const))('%s is refused with its error code', (_f, v) => {
    let caught: unknown = null;
    try {
      decodeFrame(load(v.file));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProtocolError);
    expect((caught as ProtocolError).code).toBe(v.error);
  });

  it('a Buffer slice at an unaligned offset (Node) is copied once, then decoded the same', () => {
    const buf = new Uint8Array(load('step_result_full.bin'));
    const big = new Uint8Array(buf.length + 3);
    big.set(buf, 3);
    const frame = decodeFrame(big.subarray(3));
    expect(frame.tensors.map((t) => t.name)).toEqual(['obs', 'reward', 'terminated', 'truncated', 'executed', 'trace', 'tags']);
    expect(Array.from(frame.tensors[0].data)).toEqual(Array.from(decodeFrame(load('step_result_full.bin')).tensors[0].data));
  });

  it('expectTensor checks the dtype and shape an operation needs', () => {
    const frame = decodeFrame(load('step_2x4x3.bin'));
    expect(expectTensor(frame, 'actions', 'f32', [2, 4, 3])).toHaveLength(24);
    expect(() => expectTensor(frame, 'actions', 'f32', [2, 4, 2])).toThrow(/actions is f32 \[2, 4, 3\], expected f32 \[2, 4, 2\]/);
    expect(() => expectTensor(frame, 'obs', 'f32', [2, 11])).toThrow(/no obs tensor/);
  });

  it('the encoder refuses NaN and a data length that does not fit the shape', () => {
    const t = (data: Float32Array, shape: number[]): Frame => ({ kind: 1, seq: 1, tNs: 0n, tensors: [{ name: 'actions', dtype: 'f32', shape, data }] });
    expect(() => encodeFrame(t(Float32Array.from([1, NaN]), [1, 1, 2]))).toThrow(/non-finite/);
    expect(() => encodeFrame(t(new Float32Array(3), [1, 1, 2]))).toThrow(/3 values for shape \[1, 1, 2\]/);
  });
});

describe('bridge JSON messages', () => {
  it('accepts a welcome and a spec, refuses malformed ones with the op and field', () => {
    const welcome = parseServerMessage(JSON.stringify({
      op: 'welcome', protocol: 1, session_id: 's1', backend: 'mujoco', server: { name: 'dppo-bridge', version: '0.1.0' },
      capabilities: { tasks: ['hopper'], franka: false, ray: false, isaacgym: false },
      limits: { max_message_bytes: 67108864, max_envs: 1024, heartbeat_timeout_ms: 250, command_rate_hz: 10 },
    }));
    expect(welcome.op).toBe('welcome');
    expect(() => parseServerMessage('{"op":"spec","id":1,"spec":{"task_id":"hopper"}}')).toThrow(/malformed "spec" message \(spec\.obs_dim\)/);
    expect(() => parseServerMessage('not json')).toThrow(/not JSON/);
    expect(() => parseServerMessage('{"op":"nonsense"}')).toThrow(ProtocolError);
  });
});

describe('what a user pastes', () => {
  it('the line dppo-bridge prints, a URL with ?token=, or a bare URL', () => {
    expect(parseBridgeLine('dppo-bridge: ws://127.0.0.1:8765  token: abc-DEF_123')).toEqual({ url: 'ws://127.0.0.1:8765', token: 'abc-DEF_123' });
    expect(parseBridgeLine('ws://127.0.0.1:9000/?token=xyz')).toEqual({ url: 'ws://127.0.0.1:9000', token: 'xyz' });
    expect(parseBridgeLine('ws://localhost:8765')).toEqual({ url: 'ws://localhost:8765', token: null });
    expect(parseBridgeLine('hello')).toEqual({ url: null, token: null });
    // dppo-bridge's own one-line form, inside its parenthesis.
    expect(parseBridgeLine('  (or both in one line: ws://127.0.0.1:38507#token=abc_1)')).toEqual({ url: 'ws://127.0.0.1:38507', token: 'abc_1' });
  });

  it('a URL that is not ws:// or wss:// is refused with the form it should have', () => {
    expect(checkBridgeUrl(' ws://127.0.0.1:8765/ ')).toBe('ws://127.0.0.1:8765');
    expect(() => checkBridgeUrl('http://127.0.0.1:8765')).toThrow(/must start with ws:\/\/ or wss:\/\/, not http:/);
    expect(() => checkBridgeUrl('127.0.0.1:8765')).toThrow(/not a bridge URL; it looks like ws:\/\/127\.0\.0\.1:8765/);
  });
});
