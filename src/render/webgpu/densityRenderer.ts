/**
 * Live drawing of the kinetic density on WebGPU. Each frame is one command buffer:
 *
 *   rowRanges, totalRange   (compute)  max p, smallest positive p and min p → a 16-byte range buffer (auto range)
 *   colorDensity            (render)   a triangle over the plot rectangle; every fragment reads its cell
 *                                      of the solver's state buffer and colours it (densityRender.wgsl)
 *   particlePoint           (render)   optionally, neurons of a particle system as points, read from its
 *                                      state buffers (particlesRender.wgsl)
 *
 * so the density never leaves the GPU. The range buffer is copied to a small staging buffer now and
 * then, for the numbers on the colour bar (readRange), without stalling the frames.
 */
import { makeShaderDataDefinitions, makeStructuredView, type StructuredView } from 'webgpu-utils';
import { composeWgsl, shaderFiles } from '../../host/shaderSource';
import type { Rect } from '../canvas/layout';
import { type ColorMapName, colorMapTable } from '../colormaps';
import { type ColorRangeSetting, LOG_AUTO_FLOOR } from '../colorScale';

export interface DensityDrawSettings extends ColorRangeSetting {
  colorMap: ColorMapName;
  /** where the density goes, in CSS pixels of the canvas (src/render/canvas/layout.ts densityLayout) */
  plot: Rect;
  /** the automatic range is [min, max] of the data (a field of any sign, linear scale) rather than [0, max] */
  extent?: boolean;
}

/** Neurons to draw: per state slice its v and g buffers and neuron count; axes of the density. */
export interface ParticlePoints {
  slices: { v: GPUBuffer; g: GPUBuffer; count: number }[];
  vlo: number;
  vhi: number;
  gmax: number;
  /** at most this many points are drawn (every stride-th neuron) */
  maxPoints: number;
}

const RANGE_WORKGROUP = 64;
const PARTICLE_COLOR = [1, 0.27, 0.2, 0.55];

export class DensityRenderer {
  private source: { nv: number; ng: number; rowRange: GPUBuffer; rangeGroup: GPUBindGroup; drawGroup: GPUBindGroup } | null = null;
  private particles: { draws: { group: GPUBindGroup; points: number }[]; uniforms: GPUBuffer[] } | null = null;
  private readonly viewUniform: GPUBuffer;
  private readonly colorMapUniform: GPUBuffer;
  private readonly rangeBuffer: GPUBuffer;
  private readonly rangeStaging: GPUBuffer;
  private readonly dimsUniform: GPUBuffer;
  private colorMap: ColorMapName | null = null;
  private rangePending = false;
  private lastRange = { max: 0, smallestPositive: Number.POSITIVE_INFINITY, min: 0 };

  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: { rowRanges: GPUComputePipeline; totalRange: GPUComputePipeline; density: GPURenderPipeline; particles: GPURenderPipeline },
    private readonly views: { density: StructuredView; particle: StructuredView },
  ) {
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.viewUniform = device.createBuffer({ label: 'density view', size: views.density.arrayBuffer.byteLength, usage: uniform });
    this.colorMapUniform = device.createBuffer({ label: 'colour map', size: 256 * 16, usage: uniform });
    this.dimsUniform = device.createBuffer({ label: 'range dims', size: 16, usage: uniform });
    this.rangeBuffer = device.createBuffer({ label: 'density range', size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.rangeStaging = device.createBuffer({ label: 'density range (staging)', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Compile the pipelines for render targets of `format` (a canvas's preferred format, or rgba8unorm). */
  static async create(device: GPUDevice, format: GPUTextureFormat): Promise<DensityRenderer> {
    const rangeCode = composeWgsl(['densityRange']);
    const renderCode = composeWgsl(['densityRender']);
    const particleCode = composeWgsl(['particlesRender']);
    device.pushErrorScope('validation');
    const rangeModule = device.createShaderModule({ label: 'densityRange', code: rangeCode });
    const renderModule = device.createShaderModule({ label: 'densityRender', code: renderCode });
    const particleModule = device.createShaderModule({ label: 'particlesRender', code: particleCode });
    const constants = { WG: RANGE_WORKGROUP };
    // one explicit layout for both range kernels ('auto' would drop the bindings each does not use)
    const compute = GPUShaderStage.COMPUTE;
    const rangeLayout = device.createBindGroupLayout({
      label: 'density range',
      entries: [
        { binding: 0, visibility: compute, buffer: { type: 'uniform' } },
        { binding: 1, visibility: compute, buffer: { type: 'read-only-storage' } },
        { binding: 2, visibility: compute, buffer: { type: 'storage' } },
        { binding: 3, visibility: compute, buffer: { type: 'storage' } },
      ],
    });
    const rangePipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [rangeLayout] });
    const blend: GPUBlendState = {
      color: { srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha' },
      alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' },
    };
    const [rowRanges, totalRange, density, particles] = await Promise.all([
      device.createComputePipelineAsync({ label: 'rowRanges', layout: rangePipelineLayout, compute: { module: rangeModule, entryPoint: 'rowRanges', constants } }),
      device.createComputePipelineAsync({ label: 'totalRange', layout: rangePipelineLayout, compute: { module: rangeModule, entryPoint: 'totalRange', constants } }),
      device.createRenderPipelineAsync({
        label: 'colorDensity',
        layout: 'auto',
        vertex: { module: renderModule, entryPoint: 'coverViewport' },
        fragment: { module: renderModule, entryPoint: 'colorDensity', targets: [{ format }] },
        primitive: { topology: 'triangle-list' },
      }),
      device.createRenderPipelineAsync({
        label: 'particlePoint',
        layout: 'auto',
        vertex: { module: particleModule, entryPoint: 'particlePoint' },
        fragment: { module: particleModule, entryPoint: 'particleColor', targets: [{ format, blend }] },
        primitive: { topology: 'point-list' },
      }),
    ]);
    const error = await device.popErrorScope();
    if (error) throw new Error(`WebGPU validation failed while building the density renderer: ${error.message}`);
    const views = {
      density: makeStructuredView(makeShaderDataDefinitions(shaderFiles.densityRender).uniforms.view),
      particle: makeStructuredView(makeShaderDataDefinitions(shaderFiles.particlesRender).uniforms.particleView),
    };
    return new DensityRenderer(device, { rowRanges, totalRange, density, particles }, views);
  }

  /** Draw from this state buffer (nv·ng f32, v fastest, row 0 at the bottom); called again when the solver is rebuilt. */
  setSource(buffer: GPUBuffer, nv: number, ng: number): void {
    this.source?.rowRange.destroy();
    const { device } = this;
    const rowRange = device.createBuffer({ label: 'row ranges', size: Math.max(16, ng * 16), usage: GPUBufferUsage.STORAGE });
    device.queue.writeBuffer(this.dimsUniform, 0, new Uint32Array([nv, ng, 0, 0]));
    const rangeGroup = device.createBindGroup({
        layout: this.pipelines.rowRanges.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.dimsUniform } },
          { binding: 1, resource: { buffer } },
          { binding: 2, resource: { buffer: rowRange } },
          { binding: 3, resource: { buffer: this.rangeBuffer } },
        ],
    });
    const drawGroup = device.createBindGroup({
      layout: this.pipelines.density.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.viewUniform } },
        { binding: 1, resource: { buffer } },
        { binding: 2, resource: { buffer: this.rangeBuffer } },
        { binding: 3, resource: { buffer: this.colorMapUniform } },
      ],
    });
    this.source = { nv, ng, rowRange, rangeGroup, drawGroup };
  }

  /** Draw these neurons over the density (null: none). */
  setParticles(points: ParticlePoints | null): void {
    for (const u of this.particles?.uniforms ?? []) u.destroy();
    this.particles = null;
    if (!points) return;
    const total = points.slices.reduce((s, x) => s + x.count, 0);
    const stride = Math.max(1, Math.ceil(total / points.maxPoints));
    const draws: { group: GPUBindGroup; points: number }[] = [];
    const uniforms: GPUBuffer[] = [];
    for (const slice of points.slices) {
      const view = this.views.particle;
      view.set({ stride, vlo: points.vlo, invVSpan: 1 / (points.vhi - points.vlo), invGmax: 1 / points.gmax, color: PARTICLE_COLOR });
      const uniform = this.device.createBuffer({ label: 'particle view', size: view.arrayBuffer.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      this.device.queue.writeBuffer(uniform, 0, view.arrayBuffer);
      uniforms.push(uniform);
      const group = this.device.createBindGroup({
        layout: this.pipelines.particles.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 1, resource: { buffer: slice.v } },
          { binding: 2, resource: { buffer: slice.g } },
        ],
      });
      draws.push({ group, points: Math.ceil(slice.count / stride) });
    }
    this.particles = { draws, uniforms };
  }

  /**
   * Encode and submit one frame into `target` (a canvas's current texture, or any texture of the
   * format given to create); `settings.plot` is in units of `pixelRatio` target pixels.
   */
  draw(settings: DensityDrawSettings, target: GPUTexture, pixelRatio = 1): void {
    const source = this.source;
    if (!source) return;
    const { device } = this;
    const { width, height } = target;
    if (settings.colorMap !== this.colorMap) {
      const rgb = colorMapTable(settings.colorMap);
      const table = new Float32Array(256 * 4);
      for (let k = 0; k < 256; k++) table.set([rgb[3 * k] / 255, rgb[3 * k + 1] / 255, rgb[3 * k + 2] / 255, 1], 4 * k);
      device.queue.writeBuffer(this.colorMapUniform, 0, table);
      this.colorMap = settings.colorMap;
    }
    const fixed = settings.range === 'auto' ? { min: 0, max: 1 } : settings.range;
    this.views.density.set({
      nv: source.nv,
      ng: source.ng,
      logScale: settings.scale === 'log' ? 1 : 0,
      autoRange: settings.range === 'auto' ? (settings.extent ? 2 : 1) : 0,
      lo: fixed.min,
      hi: fixed.max,
      logFloor: LOG_AUTO_FLOOR,
    });
    device.queue.writeBuffer(this.viewUniform, 0, this.views.density.arrayBuffer);

    const encoder = device.createCommandEncoder({ label: 'density frame' });
    const autoRange = settings.range === 'auto';
    // a fixed range needs no reduction (nor its readback: the colour bar states the fixed range)
    if (autoRange) {
      const compute = encoder.beginComputePass({ label: 'density range' });
      compute.setPipeline(this.pipelines.rowRanges);
      compute.setBindGroup(0, source.rangeGroup);
      compute.dispatchWorkgroups(source.ng);
      compute.setPipeline(this.pipelines.totalRange);
      compute.dispatchWorkgroups(1);
      compute.end();
    }
    const readRange = autoRange && !this.rangePending;
    if (readRange) encoder.copyBufferToBuffer(this.rangeBuffer, 0, this.rangeStaging, 0, 16);

    const pass = encoder.beginRenderPass({
      label: 'density',
      colorAttachments: [{ view: target.createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 1, b: 1, a: 1 } }],
    });
    const x = Math.min(width - 1, Math.max(0, Math.round(settings.plot.left * pixelRatio)));
    const y = Math.min(height - 1, Math.max(0, Math.round(settings.plot.top * pixelRatio)));
    const w = Math.max(1, Math.min(width - x, Math.round(settings.plot.width * pixelRatio)));
    const h = Math.max(1, Math.min(height - y, Math.round(settings.plot.height * pixelRatio)));
    pass.setViewport(x, y, w, h, 0, 1);
    pass.setScissorRect(x, y, w, h);
    pass.setPipeline(this.pipelines.density);
    pass.setBindGroup(0, source.drawGroup);
    pass.draw(3);
    if (this.particles) {
      pass.setPipeline(this.pipelines.particles);
      for (const d of this.particles.draws) {
        pass.setBindGroup(0, d.group);
        pass.draw(d.points);
      }
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
    if (readRange) {
      this.rangePending = true;
      this.rangeStaging
        .mapAsync(GPUMapMode.READ)
        .then(() => {
          const r = new Float32Array(this.rangeStaging.getMappedRange().slice(0));
          this.rangeStaging.unmap();
          this.lastRange = { max: r[0], smallestPositive: r[1], min: r[2] };
        })
        .catch(() => {})
        .finally(() => {
          this.rangePending = false;
        });
    }
  }

  /** max p, the smallest positive p and min p of a recent frame (for the colour bar's numbers). */
  get range(): { max: number; smallestPositive: number; min: number } {
    return this.lastRange;
  }

  /** The range of the last frame, read now (waits for the GPU; for tests and one-off reads). */
  async readRange(): Promise<{ max: number; smallestPositive: number; min: number }> {
    const staging = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.rangeBuffer, 0, staging, 0, 16);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const r = new Float32Array(staging.getMappedRange().slice(0));
    staging.destroy();
    return { max: r[0], smallestPositive: r[1], min: r[2] };
  }

  destroy(): void {
    this.source?.rowRange.destroy();
    for (const u of this.particles?.uniforms ?? []) u.destroy();
    for (const b of [this.viewUniform, this.colorMapUniform, this.rangeBuffer, this.rangeStaging, this.dimsUniform]) b.destroy();
  }
}
