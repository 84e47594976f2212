/// <reference types="vite/client" />
/// <reference types="@webgpu/types" />
/**
 * WebGPU smoke page: doubles-plus-one 1000 floats on the GPU and reports the result to the
 * headless-Chromium harness (test/browser/harness.ts) via window.__kinfireResult / __kinfireDone.
 */
import { requestAdapterOrThrow, runAndReport } from '../common/report';
import shaderCode from './double.wgsl?raw';

export interface SmokeResult {
  adapter: { vendor: string; architecture: string; description: string };
  values: number[];
  sum: number;
}

const N = 1000;
const WORKGROUP_SIZE = 64;

async function run(): Promise<SmokeResult> {
  const { adapter, info: adapterInfo } = await requestAdapterOrThrow();

  const device = await adapter.requestDevice();
  device.addEventListener('uncapturederror', (ev) => {
    console.error(`uncaptured WebGPU error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
  });
  try {
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: shaderCode, label: 'double.wgsl' });
    const compilation = await module.getCompilationInfo();
    for (const m of compilation.messages) {
      console[m.type === 'error' ? 'error' : 'log'](`double.wgsl:${m.lineNum}:${m.linePos} ${m.type}: ${m.message}`);
    }
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });

    const input = new Float32Array(N);
    for (let i = 0; i < N; i++) input[i] = i * 0.5;
    const bytes = N * 4;
    const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(params, 0, new Uint32Array([N, 0, 0, 0]));
    const src = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(src, 0, input);
    const dst = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const readback = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: src } },
        { binding: 2, resource: { buffer: dst } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(N / WORKGROUP_SIZE));
    pass.end();
    encoder.copyBufferToBuffer(dst, 0, readback, 0, bytes);
    device.queue.submit([encoder.finish()]);

    const validation = await device.popErrorScope();
    if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);

    await readback.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(readback.getMappedRange().slice(0));
    readback.unmap();

    let sum = 0;
    for (let i = 0; i < N; i++) sum += out[i];
    return { adapter: adapterInfo, values: Array.from(out.subarray(0, 8)), sum };
  } finally {
    device.destroy();
  }
}

runAndReport(run);
