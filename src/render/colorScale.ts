/**
 * The colour scale of a density picture: which values map to the ends of the colour map. Shared by the
 * WebGPU renderer (whose fragment shader computes the same range on the GPU, densityRender.wgsl
 * scaleRange) and the colour bars, so the bar states the range the picture uses.
 */
export type ColorScale = 'linear' | 'log';

/** A log scale with an automatic range spans at most this many decades below the maximum. */
export const LOG_AUTO_DECADES = 6;
export const LOG_AUTO_FLOOR = 10 ** -LOG_AUTO_DECADES;

export interface ColorRangeSetting {
  scale: ColorScale;
  range: 'auto' | { min: number; max: number };
}

/**
 * [lo, hi] of the colour scale. Automatic: linear [0, max p]; log [max(smallest positive p, 1e-6·max p),
 * max p]. `smallestPositive` is +∞ (or F32_MAX) when p ≡ 0.
 */
export function colorScaleRange(setting: ColorRangeSetting, data: { max: number; smallestPositive: number }): { min: number; max: number } {
  if (setting.range !== 'auto') return setting.range;
  const hi = Math.max(data.max, 1e-30);
  if (setting.scale === 'log') return { min: Math.max(Math.min(data.smallestPositive, hi), LOG_AUTO_FLOOR * hi), max: hi };
  return { min: 0, max: hi };
}
