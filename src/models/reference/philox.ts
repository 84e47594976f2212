/**
 * Philox-4x32 (Salmon et al., SC'11; Random123's philox4x32), the plain CPU reference of
 * src/shaders/random.wgsl. Correctness first: the 32 × 32 → 64-bit products are exact BigInt products
 * (the GPU assembles them from 16-bit halves instead, so the two are independent implementations),
 * and the results must reproduce Random123's known-answer vectors (tests/kat_vectors).
 *
 * Counter convention (the same as the WGSL): key = (seed low 32 bits, seed high 32 bits),
 * counter = (neuron index, step, stream id, block), block = 0 for the standard 4 u32 per
 * (neuron, step, stream).
 */

export type Vec4u = [number, number, number, number];
export type Vec2u = [number, number];

/** Random123 PHILOX_M4x32_0, PHILOX_M4x32_1 (round multipliers) and PHILOX_W32_0, PHILOX_W32_1 (key bumps). */
export const PHILOX_M4x32 = [0xd2511f53, 0xcd9e8d57] as const;
export const PHILOX_W32 = [0x9e3779b9, 0xbb67ae85] as const;

const MASK32 = 0xffffffffn;

/** [high, low] 32-bit halves of the exact product a·b of two u32. */
export function mulhilo32(a: number, b: number): Vec2u {
  const p = BigInt(a >>> 0) * BigInt(b >>> 0);
  return [Number(p >> 32n), Number(p & MASK32)];
}

function round(c: Vec4u, k: Vec2u): Vec4u {
  const [hi0, lo0] = mulhilo32(PHILOX_M4x32[0], c[0]);
  const [hi1, lo1] = mulhilo32(PHILOX_M4x32[1], c[2]);
  return [(hi1 ^ c[1] ^ k[0]) >>> 0, lo1, (hi0 ^ c[3] ^ k[1]) >>> 0, lo0];
}

/** Philox-4x32 with `rounds` rounds (10 is the standard, and the one the GPU uses). */
export function philox4x32(counter: readonly number[], key: readonly number[], rounds = 10): Vec4u {
  if (counter.length !== 4 || key.length !== 2) throw new Error('philox4x32: counter has 4 words, key 2');
  let c = counter.map((x) => x >>> 0) as Vec4u;
  let k = key.map((x) => x >>> 0) as Vec2u;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) k = [(k[0] + PHILOX_W32[0]) >>> 0, (k[1] + PHILOX_W32[1]) >>> 0];
    c = round(c, k);
  }
  return c;
}

export function philox4x32_10(counter: readonly number[], key: readonly number[]): Vec4u {
  return philox4x32(counter, key, 10);
}

/** The key of a 64-bit seed: [low 32 bits, high 32 bits]. A number must be a non-negative safe integer. */
export function seedKey(seed: number | bigint): Vec2u {
  let s: bigint;
  if (typeof seed === 'bigint') s = seed;
  else {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer in [0, 2^53), got ${seed}`);
    s = BigInt(seed);
  }
  if (s < 0n || s > 0xffffffffffffffffn) throw new Error(`seed must be in [0, 2^64), got ${seed}`);
  return [Number(s & MASK32), Number(s >> 32n)];
}

function checkU32(name: string, x: number): void {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`${name} must be an integer in [0, 2^32), got ${x}`);
}

/** The 4 u32 of (seed, neuron, step, stream), block `block` (0: the standard draw). */
export function philoxDraw(seed: number | bigint, neuron: number, step: number, stream: number, block = 0): Vec4u {
  checkU32('neuron', neuron);
  checkU32('step', step);
  checkU32('stream', stream);
  checkU32('block', block);
  return philox4x32_10([neuron, step, stream, block], seedKey(seed));
}

/** uniform01 of the WGSL: ((bits >>> 9) + 1/2)·2^-23 in (0, 1), exact in f32 (so this f64 value is the f32). */
export function uniform01(bits: number): number {
  return ((bits >>> 9) + 0.5) * 2 ** -23;
}

/** normalPair of the WGSL in f64: r = sqrt(-2 ln u1), θ = π(2u2 − 1), r·(cos θ, sin θ). */
export function normalPair(u1: number, u2: number): Vec2u {
  const r = Math.sqrt(Math.max(-2 * Math.log(u1), 0));
  const theta = Math.PI * (2 * u2 - 1);
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** Four normals from one Philox output: normalPair of (x, y) and of (z, w). */
export function normalQuad(bits: readonly number[]): Vec4u {
  const [a, b] = normalPair(uniform01(bits[0]), uniform01(bits[1]));
  const [c, d] = normalPair(uniform01(bits[2]), uniform01(bits[3]));
  return [a, b, c, d];
}
