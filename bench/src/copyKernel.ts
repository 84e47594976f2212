/**
 * The bandwidth reference: a plain copy kernel, dst[i] = src[i] over vec4f elements, grid-stride so one
 * dispatch covers any size. It moves 2 × the buffer's bytes per run (one read, one write per element).
 */
const COPY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;
override WG: u32 = 256u;
@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = arrayLength(&src);
  let stride = nwg.x * WG;
  for (var i = gid.x; i < n; i = i + stride) {
    dst[i] = src[i];
  }
}
`;

export const COPY_WORKGROUP = 256;

export interface CopyKernel {
  bytes: number;
  encode(pass: GPUComputePassEncoder): void;
  destroy(): void;
}

/** Two buffers of `bytes` (a multiple of 16) and the pipeline that copies one into the other. */
export async function createCopyKernel(device: GPUDevice, bytes: number): Promise<CopyKernel> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: COPY_WGSL, label: 'copy' });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'copy', constants: { WG: COPY_WORKGROUP } }, label: 'copy' });
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ size: bytes, usage, label: 'copy src' });
  const dst = device.createBuffer({ size: bytes, usage, label: 'copy dst' });
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: src } },
      { binding: 1, resource: { buffer: dst } },
    ],
  });
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (validation || oom) {
    src.destroy();
    dst.destroy();
    throw new Error(`copy kernel of ${bytes} bytes: ${(oom ?? validation)!.message.split('\n')[0]}`);
  }
  // A few workgroups per 256 elements, at most the dispatch limit: every invocation streams several vec4s.
  const elements = bytes / 16;
  const workgroups = Math.max(1, Math.min(65535, Math.ceil(elements / (COPY_WORKGROUP * 4))));
  return {
    bytes,
    encode(pass) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(workgroups);
    },
    destroy() {
      src.destroy();
      dst.destroy();
    },
  };
}
