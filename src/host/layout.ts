/**
 * Bind-group layouts derived from a WGSL bindings file rather than written by hand: binding numbers
 * and the uniform struct layout come from webgpu-utils' WGSL reflection, the storage access mode
 * (read vs read_write) from each declaration. Used for the kinetic step (bindings.wgsl) and the
 * particle kernels (particlesBindings.wgsl).
 */
import { makeShaderDataDefinitions, makeStructuredView, type StructuredView } from 'webgpu-utils';
import { shaderFiles } from './shaderSource';

export interface StepLayout {
  entries: GPUBindGroupLayoutEntry[];
  /** binding number of every variable, by name */
  bindingOf: Record<string, number>;
  /** a typed view of the Params uniform, laid out as WGSL lays it out */
  makeParamsView(): StructuredView;
  paramsSize: number;
}

/** The layout of the kinetic step (src/shaders/bindings.wgsl). */
export function stepLayout(): StepLayout {
  return bindingLayout(shaderFiles.bindings, 'bindings.wgsl');
}

/** The layout of a WGSL file that declares one group's bindings and a uniform struct named `params`. */
export function bindingLayout(source: string, fileName: string): StepLayout {
  const defs = makeShaderDataDefinitions(source);
  const bindingOf: Record<string, number> = {};
  const entries: GPUBindGroupLayoutEntry[] = [];
  for (const [name, def] of Object.entries(defs.uniforms)) {
    bindingOf[name] = def.binding;
    entries.push({ binding: def.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
  }
  for (const [name, def] of Object.entries(defs.storages)) {
    const declaration = new RegExp(`var<storage,\\s*(read|read_write)>\\s+${name}\\s*:`).exec(source);
    if (!declaration) throw new Error(`${fileName}: cannot find the access mode of '${name}'`);
    bindingOf[name] = def.binding;
    entries.push({
      binding: def.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: declaration[1] === 'read' ? 'read-only-storage' : 'storage' },
    });
  }
  entries.sort((x, y) => x.binding - y.binding);
  return {
    entries,
    bindingOf,
    makeParamsView: () => makeStructuredView(defs.uniforms.params),
    paramsSize: defs.uniforms.params.size,
  };
}
