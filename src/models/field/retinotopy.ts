/**
 * The hallucination view (Ermentrout & Cowan, Biol. Cybern. 34 (1979) 137; Bressloff, Cowan, Golubitsky, Thomas &
 * Wiener, Phil. Trans. R. Soc. B 356 (2001) 299): the retino-cortical map is, away from the fovea, the complex
 * logarithm, cortex z = log(retina w) (x = ln r, y = θ for w = r·e^{iθ}); a pattern N on the cortex is seen at
 * the retinal point w = exp(x + iy). Here the periodic plane [0, L)² is scaled so that one period in y is one
 * turn, y = (L/2π)·(θ + π), and x = (L/2π)·ln r with the same scale (the map stays conformal), so the unit disk
 * of the visual field shows the pattern over one period of ln r per factor e^{2π} in eccentricity (and its
 * periodic repeats towards the centre). Stripes along x (modes (m, 0)) become concentric rings, stripes along y
 * (modes (0, m)) rays, oblique stripes spirals, spots lattices of blobs.
 */

/**
 * The visual-field image of a cortical field N (n × n, row-major: N[iy·n + ix]) on a (2P) × (2P) pixel grid over
 * the unit disk, row 0 at the bottom (as renderHeatmapPng wants it); NaN outside the disk and at the centre.
 * Bilinear interpolation on the periodic grid.
 */
export function visualFieldImage(N: ArrayLike<number>, n: number, P: number): Float32Array {
  const size = 2 * P;
  const out = new Float32Array(size * size);
  const scale = n / (2 * Math.PI); // grid cells per radian
  const wrap = (a: number) => ((a % n) + n) % n;
  const at = (ix: number, iy: number) => N[wrap(iy) * n + wrap(ix)]!;
  for (let j = 0; j < size; j++) {
    const v = -1 + (j + 0.5) / P;
    for (let i = 0; i < size; i++) {
      const u = -1 + (i + 0.5) / P;
      const r = Math.hypot(u, v);
      if (r > 1 || r === 0) {
        out[j * size + i] = Number.NaN;
        continue;
      }
      const x = wrap(scale * Math.log(r));
      const y = wrap(scale * (Math.atan2(v, u) + Math.PI));
      const [x0, y0] = [Math.floor(x), Math.floor(y)];
      const [fx, fy] = [x - x0, y - y0];
      out[j * size + i] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}
