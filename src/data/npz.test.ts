import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { npyArray, npyToFloat32, npyToInt32, parseNpy, writeNpy, type NpyArray } from './npy';
import { isZip, readNpz, writeNpz } from './npz';

/**
 * Written by Python's zipfile exactly as np.savez_compressed / np.savez do (zip64 local headers,
 * `force_zip64=True`), holding hand-built NumPy v1.0 arrays: states <f4 (3, 4) = 0.5·i − 1,
 * actions <f8 (3, 2), traj_lengths <i8 [1, 2], terminals |b1 [0, 0, 1].
 */
const PY_DEFLATED =
  'UEsDBC0AAAAIAAAAIQCZMCIT//////////8KABQAc3RhdGVzLm5weQEAEACwAAAAAAAAAGcAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoq6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaxjoKJpo6CrUKZAMuBoaG/QwMDCAMAvZAPhAfAGIGBwYGBSB2AOIEIG4A4gkOAFBLAwQtAAAACAAAACEAMiamS///////////CwAUAGFjdGlvbnMubnB5AQAQALAAAAAAAAAAWgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOgpGmjoKtQpkAy4GMLhgD6Ef7IfQB6D8DzAaKs7AAABQSwMELQAAAAgAAAAhAAz8HOn//////////xAAFAB0cmFqX2xlbmd0aHMubnB5AQAQAJAAAAAAAAAASgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuRgYIYILSAFBLAwQtAAAACAAAACEAIflOuv//////////DQAUAHRlcm1pbmFscy5ucHkBABAAgwAAAAAAAABHAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF6TZKiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6mjoKtQoUAC4GBkYAUEsBAi0DLQAAAAgAAAAhAJkwIhNnAAAAsAAAAAoAAAAAAAAAAAAAAIABAAAAAHN0YXRlcy5ucHlQSwECLQMtAAAACAAAACEAMiamS1oAAACwAAAACwAAAAAAAAAAAAAAgAGjAAAAYWN0aW9ucy5ucHlQSwECLQMtAAAACAAAACEADPwc6UoAAACQAAAAEAAAAAAAAAAAAAAAgAE6AQAAdHJhal9sZW5ndGhzLm5weVBLAQItAy0AAAAIAAAAIQAh+U66RwAAAIMAAAANAAAAAAAAAAAAAACAAcYBAAB0ZXJtaW5hbHMubnB5UEsFBgAAAAAEAAQA6gAAAEwCAAAAAA==';
const PY_STORED =
  'UEsDBC0AAAAAAAAAIQCZMCIT//////////8KABQAc3RhdGVzLm5weQEAEACwAAAAAAAAALAAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8AAABAAAAgQAAAQEAAAGBAAACAQAAAkEBQSwMELQAAAAAAAAAhADImpkv//////////wsAFABhY3Rpb25zLm5weQEAEACwAAAAAAAAALAAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADQPwAAAAAAAOC/AAAAAAAAwD8AAAAAAADwPwAAAAAAAPC/AAAAAAAAAABQSwMELQAAAAAAAAAhAAz8HOn//////////xAAFAB0cmFqX2xlbmd0aHMubnB5AQAQAJAAAAAAAAAAkAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8aTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgEAAAAAAAAAAgAAAAAAAABQSwMELQAAAAAAAAAhACH5Trr//////////w0AFAB0ZXJtaW5hbHMubnB5AQAQAIMAAAAAAAAAgwAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICd8YjEnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAVBLAQItAy0AAAAAAAAAIQCZMCITsAAAALAAAAAKAAAAAAAAAAAAAACAAQAAAABzdGF0ZXMubnB5UEsBAi0DLQAAAAAAAAAhADImpkuwAAAAsAAAAAsAAAAAAAAAAAAAAIAB7AAAAGFjdGlvbnMubnB5UEsBAi0DLQAAAAAAAAAhAAz8HOmQAAAAkAAAABAAAAAAAAAAAAAAAIAB2QEAAHRyYWpfbGVuZ3Rocy5ucHlQSwECLQMtAAAAAAAAACEAIflOuoMAAACDAAAADQAAAAAAAAAAAAAAgAGrAgAAdGVybWluYWxzLm5weVBLBQYAAAAABAAEAOoAAABtAwAAAAA=';

const b64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));

function expectFixture(arrays: Map<string, NpyArray>): void {
  expect([...arrays.keys()]).toEqual(['states', 'actions', 'traj_lengths', 'terminals']);
  const states = arrays.get('states')!;
  expect(states.dtype).toBe('float32');
  expect(states.shape).toEqual([3, 4]);
  expect(Array.from(states.data as Float32Array)).toEqual(Array.from({ length: 12 }, (_, i) => i * 0.5 - 1));
  const actions = arrays.get('actions')!;
  expect(actions.dtype).toBe('float64');
  expect(Array.from(actions.data as Float64Array)).toEqual([0.25, -0.5, 0.125, 1, -1, 0]);
  const lengths = arrays.get('traj_lengths')!;
  expect(lengths.dtype).toBe('int64');
  expect(Array.from(npyToInt32(lengths))).toEqual([1, 2]);
  const term = arrays.get('terminals')!;
  expect(term.dtype).toBe('bool');
  expect(Array.from(term.data as Uint8Array)).toEqual([0, 0, 1]);
}

describe('npy', () => {
  it('round-trips every supported dtype with a 64-byte aligned header', () => {
    const cases: NpyArray[] = [
      npyArray('float32', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6.5)),
      npyArray('float64', [3], Float64Array.of(Math.PI, -0, 1e300)),
      npyArray('int64', [2], BigInt64Array.of(-5n, 2n ** 40n)),
      npyArray('int32', [1, 1, 2], Int32Array.of(-7, 7)),
      npyArray('bool', [4], Uint8Array.of(1, 0, 0, 1)),
      npyArray('uint8', [], Uint8Array.of(200)),
      npyArray('float32', [0, 4], new Float32Array(0)),
    ];
    for (const a of cases) {
      const bytes = writeNpy(a);
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      const back = parseNpy(bytes);
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(a.data as ArrayLike<number | bigint>));
    }
    expect(npyToFloat32(npyArray('int64', [2], BigInt64Array.of(3n, -4n)))).toEqual(Float32Array.of(3, -4));
  });

  it('refuses big-endian, Fortran-order, truncated and non-npy input with UserErrors', () => {
    const good = writeNpy(npyArray('float64', [2, 2], Float64Array.of(1, 2, 3, 4)));
    const patch = (from: string, to: string): Uint8Array => {
      const text = new TextDecoder('latin1').decode(good);
      return Uint8Array.from(text.replace(from, to), (c) => c.charCodeAt(0));
    };
    expect(() => parseNpy(patch("'<f8'", "'>f8'"), 'x.npy')).toThrow(/big-endian/);
    expect(() => parseNpy(patch('False', 'True '), 'x.npy')).toThrow(/Fortran order/);
    expect(() => parseNpy(patch("'<f8'", "'<c8'"), 'x.npy')).toThrow(/dtype '<c8'/);
    expect(() => parseNpy(good.subarray(0, good.length - 3), 'x.npy')).toThrow(/truncated/);
    expect(() => parseNpy(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 'x.npy')).toThrow(UserError);
    expect(() => npyToInt32(npyArray('float32', [1], Float32Array.of(1.5)), 'traj_lengths')).toThrow(/32-bit integers/);
  });
});

describe('npz', () => {
  it('reads np.savez_compressed (deflated, zip64) and np.savez (stored) archives written by Python', () => {
    expectFixture(readNpz(b64(PY_DEFLATED)));
    expectFixture(readNpz(b64(PY_STORED)));
  });

  it('round-trips stored and deflated archives', () => {
    const arrays = {
      a: npyArray('float32', [2, 2], Float32Array.of(1, 2, 3, 4)),
      b: npyArray('int64', [3], BigInt64Array.of(1n, 2n, 3n)),
      c: npyArray('bool', [2], Uint8Array.of(1, 0)),
    };
    for (const compress of [false, true]) {
      const bytes = writeNpz(arrays, { compress });
      expect(isZip(bytes)).toBe(true);
      const back = readNpz(bytes);
      expect([...back.keys()]).toEqual(['a', 'b', 'c']);
      expect(Array.from(back.get('a')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
      expect(back.get('b')!.shape).toEqual([3]);
    }
    const big = { z: npyArray('float64', [1000], new Float64Array(1000)) };
    expect(writeNpz(big, { compress: true }).length).toBeLessThan(writeNpz(big).length / 4);
  });

  it('says clearly when a file is not an npz or is damaged', () => {
    expect(() => readNpz(new TextEncoder().encode('hello world'), 'data.npz')).toThrow(/data.npz is not an .npz/);
    const bytes = b64(PY_DEFLATED);
    const cut = bytes.slice(0, bytes.length - 40);
    expect(() => readNpz(cut, 'cut.npz')).toThrow(UserError);
  });
});
