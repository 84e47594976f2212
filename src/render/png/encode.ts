/**
 * PNG encoding of an RGBA bitmap as 8-bit RGB, synchronously, with node:zlib.
 * (pureimage only offers a stream-based, asynchronous encoder.)
 */

import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let k = 0; k < bytes.length; k++) c = CRC_TABLE[(c ^ bytes[k]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.write(type, 4, 'latin1');
  out.set(payload, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + payload.length)), 8 + payload.length);
  return out;
}

/**
 * PNG file of a width x height RGBA buffer (row-major, top row first); alpha
 * is dropped, the figures being opaque. Every row uses the Paeth filter,
 * which suits both the smooth fields and the flat backgrounds.
 */
export function encodePngRgb(rgba: Uint8Array, width: number, height: number): Buffer {
  const rowBytes = 3 * width;
  const filtered = Buffer.alloc((rowBytes + 1) * height);
  const previous = new Uint8Array(rowBytes);
  const current = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = 4 * y * width; x < rowBytes; x += 3, i += 4) {
      current[x] = rgba[i]!;
      current[x + 1] = rgba[i + 1]!;
      current[x + 2] = rgba[i + 2]!;
    }
    const o = y * (rowBytes + 1);
    filtered[o] = 4; // Paeth
    for (let x = 0; x < rowBytes; x++) {
      const a = x >= 3 ? current[x - 3]! : 0;
      const b = previous[x]!;
      const c = x >= 3 ? previous[x - 3]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      filtered[o + 1 + x] = (current[x]! - predictor) & 0xff;
    }
    previous.set(current);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
