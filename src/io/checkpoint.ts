/**
 * The checkpoint file of an interrupted run, `checkpoint.bin` in its results folder's working area:
 *
 *   bytes 0..7    "KFCKPT01"
 *   bytes 8..11   n, the length of the JSON header (u32, little-endian)
 *   bytes 12..    the header: UTF-8 JSON {header, payload}, where every typed array of the payload is
 *                 {"$blob": k, "type": "Float32Array"} and every non-finite number {"$num": "NaN"}
 *   then, from the next multiple of 8, the blobs one after another (each padded to 8 bytes), at the offsets
 *                 and lengths the header lists
 *
 * It is written whole to a temp file and renamed over the last one, so the folder always holds one complete
 * checkpoint. JSON keeps every double exactly (shortest round-trip form), and the blobs keep the solver's
 * buffers and the f32 histories byte for byte: a run resumed from it is bitwise the uninterrupted one.
 */
import { readFileSync } from 'node:fs';

export const CHECKPOINT_FILE = 'checkpoint.bin';
const MAGIC = 'KFCKPT01';
export const CHECKPOINT_FORMAT = 1;

/** What the checkpoint says about the run, before its payload is needed. */
export interface CheckpointHeader {
  format: number;
  kinfire: string;
  /** the command that wrote it (run) */
  command: string;
  /** the model family (vc, nnlif, elapsed) */
  family: string;
  /** the config as given (file and --set applied), resolved again on resume */
  raw: Record<string, unknown>;
  /** the command's options that change the run (allowLong, checkpointEvery, batch) */
  options: Record<string, unknown>;
  /** the adapter that computed it: a resume elsewhere is valid but not bitwise the same */
  adapter: { vendor: string; architecture: string; description: string };
  step: number;
  steps: number;
  t: number;
  written: string;
}

type TypedArray = Float32Array | Float64Array | Uint8Array | Uint32Array | Int32Array;
const TYPES = { Float32Array, Float64Array, Uint8Array, Uint32Array, Int32Array } as const;
type TypeName = keyof typeof TYPES;

function typeNameOf(v: unknown): TypeName | null {
  for (const name of Object.keys(TYPES) as TypeName[]) if (v instanceof TYPES[name]) return name;
  return null;
}

export function encodeCheckpoint(header: CheckpointHeader, payload: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const entries: { offset: number; bytes: number }[] = [];
  let offset = 0;
  const json = JSON.stringify({ header, payload }, function (this: unknown, _key, value: unknown) {
    const type = typeNameOf(value);
    if (type) {
      const a = value as TypedArray;
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      blobs.push(bytes);
      entries.push({ offset, bytes: bytes.byteLength });
      offset += Math.ceil(bytes.byteLength / 8) * 8;
      return { $blob: blobs.length - 1, type };
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
    return value;
  });
  const withIndex = new TextEncoder().encode(JSON.stringify({ blobs: entries }) + '\n' + json);
  const start = Math.ceil((12 + withIndex.byteLength) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, withIndex.byteLength, true);
  out.set(withIndex, 12);
  blobs.forEach((b, k) => out.set(b, start + entries[k]!.offset));
  return out;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function decodeCheckpoint(bytes: Uint8Array, where = 'checkpoint'): { header: CheckpointHeader; payload: unknown } {
  if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new CheckpointError(`${where}: not a kinfire checkpoint`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + n > bytes.byteLength) throw new CheckpointError(`${where}: truncated (header of ${n} bytes in a file of ${bytes.byteLength})`);
  const text = new TextDecoder().decode(bytes.subarray(12, 12 + n));
  const newline = text.indexOf('\n');
  const { blobs } = JSON.parse(text.slice(0, newline)) as { blobs: { offset: number; bytes: number }[] };
  const start = Math.ceil((12 + n) / 8) * 8;
  const last = blobs[blobs.length - 1];
  if (last && start + last.offset + last.bytes > bytes.byteLength) throw new CheckpointError(`${where}: truncated (its arrays end at byte ${start + last.offset + last.bytes} of ${bytes.byteLength})`);
  const parsed = JSON.parse(text.slice(newline + 1), (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as { $blob?: number; type?: TypeName; $num?: string };
      if (typeof v.$blob === 'number' && v.type && TYPES[v.type]) {
        const { offset, bytes: length } = blobs[v.$blob]!;
        // a copy of its own (Buffer.slice would be a view into the file's pool)
        const copy = new Uint8Array(length);
        copy.set(bytes.subarray(start + offset, start + offset + length));
        const Type = TYPES[v.type];
        return new Type(copy.buffer, 0, length / Type.BYTES_PER_ELEMENT);
      }
      if (typeof v.$num === 'string' && Object.keys(v).length === 1) return Number(v.$num);
    }
    return value;
  }) as { header: CheckpointHeader; payload: unknown };
  if (parsed.header?.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${where}: format ${parsed.header?.format} is not the format ${CHECKPOINT_FORMAT} this kinfire reads`);
  return parsed;
}

export function readCheckpointFile(path: string): { header: CheckpointHeader; payload: unknown } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(bytes, path);
}
