/**
 * The density image of playback, drawn with WebGL (regl), so it works in browsers without WebGPU.
 *
 * A frame p(v, g), shape (ng, nv) with v fastest, becomes one texel per cell (nearest filtering, so
 * cells stay cell-exact however far the plot is zoomed): a float texture when OES_texture_float is
 * there, and the linear/log scale and range are applied in the fragment shader; otherwise the CPU
 * maps each cell to its colour-map bin (0..255) in a UNORM8 texture, which the shader reads back as
 * the same bin, so both paths give identical colours. The colour map is a 256 × 1 RGB texture read
 * with matplotlib's binning (bin = min(255, ⌊t·256⌋)), as the PNG heatmaps. NaN/±Inf cells are white.
 * The image fills `plot` only (viewport and scissor), row 0 (g = 0) at the bottom.
 */
import createREGL from 'regl';
import type { Regl, Texture2D } from 'regl';
import { colorMapTable, type ColorMapName } from '../colormaps';
import type { Rect } from '../canvas/layout';

export interface DensityGlSettings {
  colorMap: ColorMapName;
  scale: 'linear' | 'log';
  /** the values at the ends of the colour map (min > 0 on a log scale); values outside are clamped */
  range: { min: number; max: number };
  /** where the image goes, CSS px inside the canvas */
  plot: Rect;
}

export interface DensityGl {
  /** whether frames go to the GPU as float textures (OES_texture_float), or as colour-map bins computed on the CPU */
  readonly floatTextures: boolean;
  /** `data`: shape (ng, nv), v fastest, density values */
  draw(data: Float32Array, settings: DensityGlSettings): void;
  destroy(): void;
}

const VERTEX = `
precision highp float;
attribute vec2 corner;
varying vec2 uv;
void main() {
  uv = corner;
  gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}`;

const FRAGMENT = `
#ifdef GL_FRAGMENT_PRECISION_HIGH
precision highp float;
#else
precision mediump float;
#endif
uniform sampler2D field;
uniform sampler2D colormap;
// 0: float values, linear scale; 1: float values, log scale; 2: colour-map bins computed on the CPU
uniform float mode;
// linear: the range; log: log2 of the range, and the range's min, below which values take the lowest colour
uniform float lo;
uniform float hi;
uniform float floorValue;
varying vec2 uv;
void main() {
  vec4 texel = texture2D(field, uv);
  float bin;
  if (mode > 1.5) {
    if (texel.a < 0.5) { gl_FragColor = vec4(1.0); return; }
    bin = floor(texel.r * 255.0 + 0.5);
  } else {
    float x = texel.r;
    if (!(x == x) || abs(x) > 3.0e38) { gl_FragColor = vec4(1.0); return; }
    float y = mode > 0.5 ? log2(max(x, floorValue)) : x;
    bin = min(floor(clamp((y - lo) / (hi - lo), 0.0, 1.0) * 256.0), 255.0);
  }
  gl_FragColor = vec4(texture2D(colormap, vec2((bin + 0.5) / 256.0, 0.5)).rgb, 1.0);
}`;

interface DrawProps {
  field: Texture2D;
  colormap: Texture2D;
  mode: number;
  lo: number;
  hi: number;
  floorValue: number;
  box: { x: number; y: number; width: number; height: number };
}

/** The colour-map bin of each cell (255 in the alpha byte for a finite value, 0 for NaN/±Inf), for the UNORM8 path. */
function binsOnCpu(data: Float32Array, scale: 'linear' | 'log', range: { min: number; max: number }): Uint8Array {
  const bins = new Uint8Array(2 * data.length);
  const log = scale === 'log';
  const lo = log ? Math.log2(range.min) : range.min;
  const inverseSpan = 1 / ((log ? Math.log2(range.max) : range.max) - lo);
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (!Number.isFinite(x)) continue;
    const t = ((log ? Math.log2(Math.max(x, range.min)) : x) - lo) * inverseSpan;
    bins[2 * k] = Math.min(255, Math.floor(Math.min(1, Math.max(0, t)) * 256));
    bins[2 * k + 1] = 255;
  }
  return bins;
}

/**
 * A grid wider or taller than the largest texture is shown with cells averaged in blocks (a NaN in a
 * block makes the block NaN); otherwise the data as they are.
 */
function fitTexture(data: Float32Array, nv: number, ng: number, maxSize: number): { data: Float32Array; width: number; height: number } {
  const fx = Math.ceil(nv / maxSize);
  const fy = Math.ceil(ng / maxSize);
  if (fx === 1 && fy === 1) return { data, width: nv, height: ng };
  const width = Math.ceil(nv / fx);
  const height = Math.ceil(ng / fy);
  const out = new Float32Array(width * height);
  for (let J = 0; J < height; J++) {
    for (let I = 0; I < width; I++) {
      let sum = 0;
      let count = 0;
      for (let j = J * fy; j < Math.min(ng, (J + 1) * fy); j++) {
        for (let i = I * fx; i < Math.min(nv, (I + 1) * fx); i++) {
          sum += data[j * nv + i]!;
          count++;
        }
      }
      out[J * width + I] = sum / count;
    }
  }
  return { data: out, width, height };
}

export function createDensityGl(canvas: HTMLCanvasElement, grid: { nv: number; ng: number }): DensityGl {
  let regl: Regl;
  try {
    regl = createREGL({
      canvas,
      attributes: { alpha: true, premultipliedAlpha: true, antialias: false, depth: false, stencil: false },
      optionalExtensions: ['OES_texture_float'],
    });
  } catch (err) {
    throw new Error(`WebGL is not available in this browser, so playback cannot draw the density (${err instanceof Error ? err.message : String(err)})`);
  }
  const floatTextures = regl.hasExtension('OES_texture_float');
  const maxSize = regl.limits.maxTextureSize;
  const field = regl.texture({ width: 1, height: 1, format: floatTextures ? 'luminance' : 'luminance alpha', type: floatTextures ? 'float' : 'uint8' });
  const colormap = regl.texture({ width: 256, height: 1, format: 'rgb', data: colorMapTable('viridis') });
  const clearAll = regl({ scissor: { enable: false } });
  const drawField = regl<Record<string, unknown>, Record<string, unknown>, DrawProps>({
    vert: VERTEX,
    frag: FRAGMENT,
    attributes: { corner: [[0, 0], [1, 0], [0, 1], [1, 1]] },
    primitive: 'triangle strip',
    count: 4,
    depth: { enable: false },
    uniforms: {
      field: regl.prop<DrawProps, 'field'>('field'),
      colormap: regl.prop<DrawProps, 'colormap'>('colormap'),
      mode: regl.prop<DrawProps, 'mode'>('mode'),
      lo: regl.prop<DrawProps, 'lo'>('lo'),
      hi: regl.prop<DrawProps, 'hi'>('hi'),
      floorValue: regl.prop<DrawProps, 'floorValue'>('floorValue'),
    },
    viewport: regl.prop<DrawProps, 'box'>('box'),
    scissor: { enable: true, box: regl.prop<DrawProps, 'box'>('box') },
  });

  // What the textures hold now, so that an unchanged frame or colour map is not uploaded again.
  let uploaded: { data: Float32Array; key: string } | null = null;
  let uploadedMap: ColorMapName = 'viridis';

  return {
    floatTextures,
    draw(data, settings) {
      if (data.length !== grid.nv * grid.ng) throw new Error(`densityGl: a frame of ${data.length} values for a ${grid.nv} × ${grid.ng} grid`);
      const { min, max } = settings.range;
      const log = settings.scale === 'log';
      if (!(max > min) || (log && !(min > 0))) throw new Error(`densityGl: range [${min}, ${max}] is not usable on a ${settings.scale} scale`);

      // Float textures hold the values, so only a new frame needs an upload; CPU bins also change with the scale and range.
      const key = floatTextures ? 'values' : `${settings.scale}:${min}:${max}`;
      if (!uploaded || uploaded.data !== data || uploaded.key !== key) {
        const fitted = fitTexture(data, grid.nv, grid.ng, maxSize);
        field({
          width: fitted.width,
          height: fitted.height,
          format: floatTextures ? 'luminance' : 'luminance alpha',
          type: floatTextures ? 'float' : 'uint8',
          data: floatTextures ? fitted.data : binsOnCpu(fitted.data, settings.scale, settings.range),
          min: 'nearest',
          mag: 'nearest',
          wrap: 'clamp',
          alignment: 1,
        });
        uploaded = { data, key };
      }
      if (settings.colorMap !== uploadedMap) {
        colormap({ width: 256, height: 1, format: 'rgb', data: colorMapTable(settings.colorMap) });
        uploadedMap = settings.colorMap;
      }

      const dpr = globalThis.devicePixelRatio || 1;
      const width = Math.max(1, Math.round(canvas.clientWidth * dpr));
      const height = Math.max(1, Math.round(canvas.clientHeight * dpr));
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      regl.poll();
      clearAll(() => regl.clear({ color: [0, 0, 0, 0] }));

      const { plot } = settings;
      const x0 = Math.round(plot.left * dpr);
      const x1 = Math.round((plot.left + plot.width) * dpr);
      const yTop = Math.round(plot.top * dpr);
      const yBottom = Math.round((plot.top + plot.height) * dpr);
      drawField({
        field,
        colormap,
        mode: floatTextures ? (log ? 1 : 0) : 2,
        lo: log ? Math.log2(min) : min,
        hi: log ? Math.log2(max) : max,
        floorValue: min,
        // WebGL's y axis points up from the bottom of the canvas.
        box: { x: x0, y: height - yBottom, width: Math.max(1, x1 - x0), height: Math.max(1, yBottom - yTop) },
      });
    },
    destroy() {
      regl.destroy();
    },
  };
}
