/**
 * One entry point to WebGPU for both runtimes: `navigator.gpu` in a browser, Dawn (the `webgpu` npm
 * package) in Node. In Node, Debian's SwiftShader ICD is *added* to the Vulkan loader's driver list
 * (VK_ADD_DRIVER_FILES), so a hardware adapter is still preferred where one exists and the CPU
 * implementation is used where none does.
 */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  adapterInfo: AdapterSummary;
  runtime: 'node' | 'browser';
  /** the limits granted to the device (the adapter's maxima for buffer sizes) */
  limits: GPUSupportedLimits;
  hasTimestampQuery: boolean;
  /** a CPU implementation (SwiftShader, lavapipe: the fallback adapter), whose "GPU memory" is the host's RAM */
  cpuAdapter: boolean;
  destroy(): void;
}

export class GpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuUnavailableError';
  }
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
export const INSTALL_HINT =
  'No WebGPU adapter. On Debian/Ubuntu install the Vulkan loader and SwiftShader (shipped with Chromium): ' +
  'sudo apt-get install -y chromium libvulkan1   (or run `npm test` / `npm start` as root, which does it).';

// The Dawn instance lives for the whole process: dropping it while devices exist can hang Node.
let dawnInstance: GPU | undefined;

async function nodeGpu(): Promise<GPU> {
  if (dawnInstance) return dawnInstance;
  const { existsSync } = await import(/* @vite-ignore */ 'node:fs');
  const env = process.env;
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && !env.VK_ADD_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    env.VK_ADD_DRIVER_FILES = SWIFTSHADER_ICD;
  }
  env.XDG_RUNTIME_DIR ??= '/tmp';
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import(/* @vite-ignore */ 'webgpu');
  } catch (e) {
    throw new GpuUnavailableError(`cannot load the 'webgpu' package (Dawn for Node): ${(e as Error).message}. Run npm ci.`);
  }
  Object.assign(globalThis, webgpu.globals);
  const flags = (env.KINFIRE_DAWN_FLAGS ?? '').split(/\s+/).filter(Boolean);
  dawnInstance = webgpu.create(flags);
  return dawnInstance;
}

/** Buffer-size limits the solver needs, as large as the adapter allows. */
const LIMITS_AT_ADAPTER_MAX = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

export async function openGpu(options: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext> {
  const inBrowser = typeof navigator !== 'undefined' && 'gpu' in navigator && !!navigator.gpu;
  let gpu: GPU;
  if (inBrowser) gpu = navigator.gpu;
  else if (typeof process !== 'undefined' && process.versions?.node) gpu = await nodeGpu();
  else throw new GpuUnavailableError('this browser has no WebGPU (navigator.gpu is missing); use a WebGPU-capable browser, or playback mode');

  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new GpuUnavailableError(inBrowser ? 'navigator.gpu.requestAdapter() returned null' : INSTALL_HINT);

  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_AT_ADAPTER_MAX) requiredLimits[name] = adapter.limits[name];
  const hasTimestampQuery = adapter.features.has('timestamp-query');
  const device = await adapter.requestDevice({
    requiredLimits,
    requiredFeatures: hasTimestampQuery ? ['timestamp-query'] : [],
  });
  const info = adapter.info;
  const adapterInfo: AdapterSummary = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
  };
  return {
    device,
    adapter,
    adapterInfo,
    runtime: inBrowser ? 'browser' : 'node',
    limits: device.limits,
    hasTimestampQuery,
    cpuAdapter: !!(info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(describeAdapter(adapterInfo)),
    destroy: () => device.destroy(),
  };
}

export function describeAdapter(a: AdapterSummary): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
}
