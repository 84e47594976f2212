import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from '../../src/io/npy.js';

const ascii = (text: string): number[] => Array.from(text, (ch) => ch.charCodeAt(0));

/** The header bytes numpy.save writes, built independently of the implementation. */
function expectedHeader(dictText: string, totalHeaderBytes: number): Uint8Array {
  const headerLength = totalHeaderBytes - 10;
  const text = dictText.padEnd(headerLength - 1, ' ') + '\n';
  return new Uint8Array([0x93, ...ascii('NUMPY'), 1, 0, headerLength & 0xff, headerLength >> 8, ...ascii(text)]);
}

describe('encodeNpy header', () => {
  it('writes the exact bytes numpy.save writes for a (2, 3) float32 array', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const expected = expectedHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 128);
    expect(Array.from(bytes.subarray(0, 128))).toEqual(Array.from(expected));
    expect(bytes.length).toBe(128 + 6 * 4);
    // Header length field is little-endian u16: 118 = 0x76.
    expect(bytes[8]).toBe(0x76);
    expect(bytes[9]).toBe(0x00);
    expect(bytes[127]).toBe(0x0a);
  });

  it('writes the 1-D tuple repr with a trailing comma and <f8 for Float64Array', () => {
    const bytes = encodeNpy(new Float64Array([0.5, -1, 2, 3, 4]), [5]);
    const expected = expectedHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 128);
    expect(Array.from(bytes.subarray(0, 128))).toEqual(Array.from(expected));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getFloat64(128, true)).toBe(0.5);
  });

  it("reserves numpy's 21-digit growth space for the first axis (pushes this header to 192 bytes)", () => {
    // Without the reserve the header would fit in 128 bytes; numpy >= 1.23 writes 192.
    const shape = new Array<number>(15).fill(1);
    const bytes = encodeNpy(new Float32Array([7]), shape);
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
    expect(Array.from(bytes.subarray(0, 192))).toEqual(Array.from(expectedHeader(dict, 192)));
  });

  it('starts the data at a multiple of 64 bytes for many shapes', () => {
    const shapes = [[], [0], [1], [7], [3, 4], [10, 1000], [2, 3, 4], [123456789, 0], [1, 2, 3, 4, 5, 6, 7]];
    for (const shape of shapes) {
      const count = shape.reduce((p, n) => p * n, 1);
      for (const data of [new Float32Array(count), new Float64Array(count)]) {
        const bytes = encodeNpy(data, shape);
        const headerLength = bytes[8]! | (bytes[9]! << 8);
        const dataOffset = 10 + headerLength;
        expect(dataOffset % 64, `shape [${shape}]`).toBe(0);
        expect(bytes[dataOffset - 1], `shape [${shape}]`).toBe(0x0a);
        expect(bytes.length - dataOffset).toBe(data.byteLength);
      }
    }
  });

  it('rejects a shape whose product differs from data.length', () => {
    expect(() => encodeNpy(new Float32Array(6), [2, 4])).toThrow(/shape \[2, 4\] holds 8 elements but data has 6/);
    expect(() => encodeNpy(new Float32Array(6), [2, 2.5])).toThrow(/non-negative integers/);
    expect(() => encodeNpy(new Float32Array(6), [-2, -3])).toThrow(/non-negative integers/);
  });
});

describe('decodeNpy', () => {
  it('round-trips float32 and float64 data with their shapes', () => {
    const f32 = Float32Array.from({ length: 24 }, (_, k) => Math.sin(k) * 1e3);
    const back32 = decodeNpy(encodeNpy(f32, [2, 3, 4]));
    expect(back32.data).toBeInstanceOf(Float32Array);
    expect(back32.shape).toEqual([2, 3, 4]);
    expect(Array.from(back32.data)).toEqual(Array.from(f32));

    const f64 = new Float64Array([Math.PI, -0, Number.NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308]);
    const back64 = decodeNpy(encodeNpy(f64, [7]));
    expect(back64.data).toBeInstanceOf(Float64Array);
    expect(back64.shape).toEqual([7]);
    expect(Array.from(back64.data)).toEqual(Array.from(f64));
    expect(Object.is(back64.data[1], -0)).toBe(true);
  });

  it('round-trips 0-d and empty arrays', () => {
    expect(decodeNpy(encodeNpy(new Float64Array([42]), []))).toEqual({ data: new Float64Array([42]), shape: [] });
    const empty = decodeNpy(encodeNpy(new Float32Array(0), [0, 5]));
    expect(empty.shape).toEqual([0, 5]);
    expect(empty.data.length).toBe(0);
  });

  it('decodes from a subarray at an unaligned byte offset (e.g. a Node Buffer)', () => {
    const encoded = encodeNpy(new Float64Array([1, 2, 3]), [3]);
    const padded = new Uint8Array(encoded.length + 3);
    padded.set(encoded, 3);
    expect(Array.from(decodeNpy(padded.subarray(3)).data)).toEqual([1, 2, 3]);
    expect(Array.from(decodeNpy(Buffer.from(encoded)).data)).toEqual([1, 2, 3]);
  });

  it('rejects non-npy bytes, unsupported dtypes, Fortran order and truncated data', () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))).toThrow(/magic/);
    const withHeaderText = (dict: string): Uint8Array => {
      const total = 128;
      return expectedHeader(dict, total);
    };
    expect(() => decodeNpy(withHeaderText("{'descr': '<i4', 'fortran_order': False, 'shape': (0,), }"))).toThrow(
      /unsupported dtype '<i4'/,
    );
    expect(() => decodeNpy(withHeaderText("{'descr': '>f4', 'fortran_order': False, 'shape': (0,), }"))).toThrow(
      /unsupported dtype '>f4'/,
    );
    expect(() => decodeNpy(withHeaderText("{'descr': '<f4', 'fortran_order': True, 'shape': (0,), }"))).toThrow(
      /Fortran/,
    );
    expect(() => decodeNpy(withHeaderText("{'descr': '<f4', 'fortran_order': False}"))).toThrow(/malformed header/);
    const full = encodeNpy(new Float32Array(6), [2, 3]);
    expect(() => decodeNpy(full.subarray(0, full.length - 4))).toThrow(/needs 24 data bytes but the file has 20/);
    const wrongVersion = full.slice();
    wrongVersion[6] = 3;
    expect(() => decodeNpy(wrongVersion)).toThrow(/unsupported .npy format version 3.0/);
  });
});

describe('writeNpy / readNpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfire-npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a file that reads back identically, creating parent folders', () => {
    const path = join(dir, 'nested', 'field.npy');
    const data = Float32Array.from({ length: 12 }, (_, k) => k * 0.25);
    writeNpy(path, data, [3, 4]);
    expect(Array.from(readFileSync(path).subarray(0, 6))).toEqual([0x93, ...ascii('NUMPY')]);
    const back = readNpy(path);
    expect(back.shape).toEqual([3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });
});

const PYTHON = '/usr/bin/python3';
const numpyAvailable = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const numpySuiteName = numpyAvailable
  ? 'numpy interoperability'
  : `numpy interoperability (SKIPPED: ${PYTHON} cannot import numpy)`;

describe.skipIf(!numpyAvailable)(numpySuiteName, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfire-npy-numpy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('numpy.load reads shape, dtype and values written by writeNpy, and numpy.save writes identical bytes', () => {
    const path = join(dir, 'a.npy');
    const numpyPath = join(dir, 'b.npy');
    const data = Float32Array.from({ length: 2 * 3 * 5 }, (_, k) => k * 0.5 - 3);
    writeNpy(path, data, [2, 3, 5]);
    const script = [
      'import json, sys, numpy as np',
      'a = np.load(sys.argv[1])',
      'np.save(sys.argv[2], a)',
      'print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "c": bool(a.flags.c_contiguous),',
      '                  "values": a.ravel().astype(float).tolist(), "v123": float(a[1, 2, 3])}))',
    ].join('\n');
    const result = JSON.parse(execFileSync(PYTHON, ['-c', script, path, numpyPath], { encoding: 'utf8' })) as {
      shape: number[];
      dtype: string;
      c: boolean;
      values: number[];
      v123: number;
    };
    expect(result.shape).toEqual([2, 3, 5]);
    expect(result.dtype).toBe('float32');
    expect(result.c).toBe(true);
    expect(result.values).toEqual(Array.from(data));
    expect(result.v123).toBe(data[1 * 15 + 2 * 5 + 3]);
    expect(Array.from(readFileSync(numpyPath))).toEqual(Array.from(readFileSync(path)));
  });
});
