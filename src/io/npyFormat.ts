/**
 * Minimal NumPy `.npy` encoder/decoder for float32/float64 C-order arrays.
 *
 * The point is interoperability with Python analysis scripts (`np.load`), so
 * the header is written byte-for-byte the way `numpy.save` (NumPy >= 1.23)
 * writes it: format version 1.0, keys in sorted order, the spare
 * "growth" spaces NumPy reserves so the first axis can be enlarged in place,
 * and padding so the data starts on a 64-byte boundary (NumPy memory-maps the
 * data and relies on that alignment).
 *
 * Format reference: numpy/lib/format.py (`_write_array_header`, `_wrap_header`).
 *
 * Browser-safe (no node: imports): the viewer decodes snapshots with it; src/io/npy.ts adds the file
 * helpers for Node.
 */

export type NpyFloatArray = Float32Array | Float64Array;

export interface NpyArray {
  /** Backed by a fresh (non-shared) ArrayBuffer, so it can go straight to GPU buffer uploads. */
  data: Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;
  shape: number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const MAGIC_AND_VERSION_LENGTH = 8;
const V1_HEADER_LENGTH_FIELD_BYTES = 2;
const ARRAY_ALIGN = 64;
/** NumPy's reserve so the growth axis length can be rewritten in place (len(str(8*2**64-1))). */
const GROWTH_AXIS_MAX_DIGITS = 21;
const V1_MAX_HEADER_LENGTH = 0xffff;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function descrFor(data: NpyFloatArray): '<f4' | '<f8' {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  throw new Error('encodeNpy: data must be a Float32Array or Float64Array');
}

function validateShape(shape: readonly number[], context: string): void {
  if (!Array.isArray(shape)) throw new Error(`${context}: shape must be an array of integers`);
  for (const extent of shape) {
    if (!Number.isSafeInteger(extent) || extent < 0) {
      throw new Error(`${context}: shape entries must be non-negative integers, got [${shape.join(', ')}]`);
    }
  }
}

function shapeProduct(shape: readonly number[]): number {
  return shape.reduce((product, extent) => product * extent, 1);
}

/** Python's repr of a tuple of ints: `()`, `(5,)`, `(2, 3)`. */
function pythonTupleRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The full header (magic .. trailing '\n') exactly as numpy.save writes it. */
function buildHeader(descr: string, shape: readonly number[]): Uint8Array {
  let dictText = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pythonTupleRepr(shape)}, }`;
  if (shape.length > 0) {
    dictText += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  }
  const textLengthWithNewline = dictText.length + 1;
  // NumPy pads by a full ARRAY_ALIGN when already aligned (padlen is never 0); mirrored for identical bytes.
  const padding =
    ARRAY_ALIGN -
    ((MAGIC_AND_VERSION_LENGTH + V1_HEADER_LENGTH_FIELD_BYTES + textLengthWithNewline) % ARRAY_ALIGN);
  const headerLength = textLengthWithNewline + padding;
  if (headerLength > V1_MAX_HEADER_LENGTH) {
    throw new Error(`encodeNpy: header of ${headerLength} bytes does not fit .npy format 1.0`);
  }

  const header = new Uint8Array(MAGIC_AND_VERSION_LENGTH + V1_HEADER_LENGTH_FIELD_BYTES + headerLength);
  header.set(MAGIC, 0);
  header[6] = 1; // major version
  header[7] = 0; // minor version
  header[8] = headerLength & 0xff;
  header[9] = headerLength >> 8;
  let offset = MAGIC_AND_VERSION_LENGTH + V1_HEADER_LENGTH_FIELD_BYTES;
  for (let k = 0; k < dictText.length; k++) header[offset++] = dictText.charCodeAt(k);
  header.fill(0x20, offset, header.length - 1);
  header[header.length - 1] = 0x0a;
  return header;
}

/**
 * Encode a float array as a NumPy `.npy` (format 1.0, little-endian, C order).
 *
 * `data` is interpreted in C (row-major) order for `shape`; e.g. a field with
 * `ny` rows of `nx` values is `shape = [ny, nx]`. Throws if the shape is
 * invalid or its product differs from `data.length`.
 */
export function encodeNpy(data: NpyFloatArray, shape: number[]): Uint8Array {
  const descr = descrFor(data);
  validateShape(shape, 'encodeNpy');
  const expectedLength = shapeProduct(shape);
  if (expectedLength !== data.length) {
    throw new Error(
      `encodeNpy: shape [${shape.join(', ')}] holds ${expectedLength} elements but data has ${data.length}`,
    );
  }

  const header = buildHeader(descr, shape);
  const bytes = new Uint8Array(header.length + data.byteLength);
  bytes.set(header, 0);
  if (HOST_IS_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  } else {
    const view = new DataView(bytes.buffer, header.length);
    const itemSize = data.BYTES_PER_ELEMENT;
    for (let k = 0; k < data.length; k++) {
      if (itemSize === 4) view.setFloat32(k * 4, data[k]!, true);
      else view.setFloat64(k * 8, data[k]!, true);
    }
  }
  return bytes;
}

interface ParsedHeader {
  descr: '<f4' | '<f8';
  shape: number[];
  dataOffset: number;
}

function parseHeader(bytes: Uint8Array): ParsedHeader {
  if (!(bytes instanceof Uint8Array)) throw new Error('decodeNpy: expected a Uint8Array');
  if (bytes.length < MAGIC_AND_VERSION_LENGTH + V1_HEADER_LENGTH_FIELD_BYTES || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw new Error('decodeNpy: not a .npy file (missing \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  let headerLength: number;
  let textStart: number;
  if (major === 1 && minor === 0) {
    headerLength = bytes[8]! | (bytes[9]! << 8);
    textStart = 10;
  } else if (major === 2 && minor === 0) {
    // Same text header with a u32 length; NumPy switches to it only for huge headers.
    if (bytes.length < 12) throw new Error('decodeNpy: truncated .npy 2.0 header');
    headerLength = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    textStart = 12;
  } else {
    throw new Error(`decodeNpy: unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0)`);
  }
  const dataOffset = textStart + headerLength;
  if (dataOffset > bytes.length) throw new Error('decodeNpy: file is shorter than its declared header');

  let headerText = '';
  for (let k = textStart; k < dataOffset; k++) headerText += String.fromCharCode(bytes[k]!);

  const descrMatch = /'descr'\s*:\s*'([^']*)'/.exec(headerText);
  const fortranMatch = /'fortran_order'\s*:\s*(True|False)/.exec(headerText);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(headerText);
  if (!descrMatch || !fortranMatch || !shapeMatch) {
    throw new Error(`decodeNpy: malformed header ${JSON.stringify(headerText.trim())}`);
  }
  const descr = descrMatch[1]!;
  if (descr !== '<f4' && descr !== '<f8') {
    throw new Error(`decodeNpy: unsupported dtype '${descr}' (only little-endian float32 '<f4' and float64 '<f8')`);
  }
  if (fortranMatch[1] === 'True') {
    throw new Error('decodeNpy: Fortran-order arrays are not supported (only C order)');
  }
  const shapeText = shapeMatch[1]!.trim();
  const shape =
    shapeText === ''
      ? []
      : shapeText
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .map((part) => {
            if (!/^\d+$/.test(part)) throw new Error(`decodeNpy: invalid shape entry '${part}'`);
            return Number(part);
          });
  validateShape(shape, 'decodeNpy');
  return { descr, shape, dataOffset };
}

/**
 * Decode a `.npy` holding a little-endian float32/float64 C-order array (what
 * `encodeNpy` and `numpy.save` produce for such arrays). Any other dtype,
 * Fortran order, unknown version or a size mismatch throws.
 */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  const { descr, shape, dataOffset } = parseHeader(bytes);
  const itemSize = descr === '<f4' ? 4 : 8;
  const count = shapeProduct(shape);
  const payloadLength = bytes.length - dataOffset;
  if (payloadLength !== count * itemSize) {
    throw new Error(
      `decodeNpy: shape [${shape.join(', ')}] of '${descr}' needs ${count * itemSize} data bytes but the file has ${payloadLength}`,
    );
  }

  // Copy rather than view: the payload's byte offset in the caller's buffer need not be element-aligned.
  // (Buffer.slice would return a view, hence the explicit copy.)
  const payload = new Uint8Array(payloadLength);
  payload.set(bytes.subarray(dataOffset));
  if (HOST_IS_LITTLE_ENDIAN) {
    const data = itemSize === 4 ? new Float32Array(payload.buffer) : new Float64Array(payload.buffer);
    return { data, shape };
  }
  const view = new DataView(payload.buffer);
  const data = itemSize === 4 ? new Float32Array(count) : new Float64Array(count);
  for (let k = 0; k < count; k++) {
    data[k] = itemSize === 4 ? view.getFloat32(k * 4, true) : view.getFloat64(k * 8, true);
  }
  return { data, shape };
}
