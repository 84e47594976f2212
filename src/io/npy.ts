/**
 * NumPy `.npy` files on disk: the encoder/decoder of npyFormat.ts (browser-safe, re-exported here so
 * Node code keeps one import) plus reading and writing files with node:fs.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeNpy, encodeNpy, type NpyArray, type NpyFloatArray } from './npyFormat';

export { decodeNpy, encodeNpy, type NpyArray, type NpyFloatArray } from './npyFormat';

/** Write `data` with `shape` to `path` as `.npy`, creating parent directories as needed. */
export function writeNpy(path: string, data: NpyFloatArray, shape: number[]): void {
  const bytes = encodeNpy(data, shape);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Read a float32/float64 C-order `.npy` file (see `decodeNpy` for what is accepted). */
export function readNpy(path: string): NpyArray {
  const file = readFileSync(path);
  return decodeNpy(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
}
