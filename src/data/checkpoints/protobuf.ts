/**
 * A minimal protocol-buffers wire-format writer and reader (developers.google.com/protocol-buffers/docs/
 * encoding): varints, length-delimited fields and fixed32, enough for ONNX's ModelProto (onnx/onnx.proto3).
 */
import { UserError } from '../../core/errors';

export class PbWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: PbWriter): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated int64 (proto3 default for repeated scalars). */
  packedInts(field: number, vs: (number | bigint)[]): this {
    const inner = new PbWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const c of this.chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}

/** One decoded field: varint value, fixed value bytes or a length-delimited payload. */
export interface PbField {
  field: number;
  wire: number;
  /** wire 0 */
  int?: bigint;
  /** wire 1, 2, 5 */
  bytes?: Uint8Array;
}

function corrupt(what: string, pos: number): UserError {
  return new UserError(`This ONNX file is corrupt: ${what} at byte ${pos} (the protobuf does not parse). Export it again.`);
}

/** Splits one message into its fields (no schema; callers interpret them). */
export function pbFields(b: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= b.length) throw corrupt('a varint runs past the end', pos);
      const byte = b[pos++];
      x |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return x;
      shift += 7n;
      if (shift > 63n) throw corrupt('a varint longer than 10 bytes', pos);
    }
  };
  while (pos < b.length) {
    const at = pos;
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 0) throw corrupt('field number 0', at);
    if (wire === 0) out.push({ field, wire, int: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > b.length) throw corrupt('a fixed-width value runs past the end', at);
      out.push({ field, wire, bytes: b.subarray(pos, pos + n) });
      pos += n;
    } else if (wire === 2) {
      const n = Number(varint());
      if (pos + n > b.length) throw corrupt(`a ${n}-byte field runs past the end`, at);
      out.push({ field, wire, bytes: b.subarray(pos, pos + n) });
      pos += n;
    } else throw corrupt(`wire type ${wire}`, at);
  }
  return out;
}

/** Packed (or repeated unpacked) varints of `field`. */
export function pbInts(fields: PbField[], field: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0 && f.int !== undefined) out.push(f.int);
    else if (f.wire === 2 && f.bytes) {
      let pos = 0;
      const b = f.bytes;
      while (pos < b.length) {
        let x = 0n;
        let shift = 0n;
        for (;;) {
          if (pos >= b.length) throw corrupt('a packed varint runs past the end', pos);
          const byte = b[pos++];
          x |= BigInt(byte & 0x7f) << shift;
          if (!(byte & 0x80)) break;
          shift += 7n;
        }
        out.push(x);
      }
    }
  }
  return out;
}

export function pbString(f: PbField | undefined): string {
  return f?.bytes ? new TextDecoder().decode(f.bytes) : '';
}
