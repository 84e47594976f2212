/**
 * WGSL sources and their variants. Kernels live in src/shaders, one family per file; a module is the
 * ordered list of files it needs (WGSL has no #include), each run through wgsl-preprocessor so that
 * `#if ${NAME}` blocks select the variant. The `${NAME}` placeholders are resolved from `defines`;
 * an unknown name is an error, never an empty string.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import bindings from '../shaders/bindings.wgsl?raw';
import conductanceStep from '../shaders/conductanceStep.wgsl?raw';
import densityRange from '../shaders/densityRange.wgsl?raw';
import densityRender from '../shaders/densityRender.wgsl?raw';
import diagnostics from '../shaders/diagnostics.wgsl?raw';
import elapsedBindings from '../shaders/elapsedBindings.wgsl?raw';
import elapsedStep from '../shaders/elapsedStep.wgsl?raw';
import neuronsBindings from '../shaders/neuronsBindings.wgsl?raw';
import neuronsHistogram from '../shaders/neuronsHistogram.wgsl?raw';
import neuronsStep from '../shaders/neuronsStep.wgsl?raw';
import fft from '../shaders/fft.wgsl?raw';
import fieldStep from '../shaders/fieldStep.wgsl?raw';
import nnlifBindings from '../shaders/nnlifBindings.wgsl?raw';
import nnlifStep from '../shaders/nnlifStep.wgsl?raw';
import particlesBindings from '../shaders/particlesBindings.wgsl?raw';
import particlesDiagnostics from '../shaders/particlesDiagnostics.wgsl?raw';
import particlesRender from '../shaders/particlesRender.wgsl?raw';
import particlesStep from '../shaders/particlesStep.wgsl?raw';
import random from '../shaders/random.wgsl?raw';
import randomFill from '../shaders/randomFill.wgsl?raw';
import reduce from '../shaders/reduce.wgsl?raw';
import rowStep from '../shaders/rowStep.wgsl?raw';
import vTransport from '../shaders/vTransport.wgsl?raw';

export const shaderFiles = { bindings, reduce, vTransport, rowStep, conductanceStep, diagnostics, random, randomFill, particlesBindings, particlesStep, particlesDiagnostics, densityRange, densityRender, particlesRender, nnlifBindings, nnlifStep, elapsedBindings, elapsedStep, neuronsBindings, neuronsStep, neuronsHistogram, fft, fieldStep } as const;
export type ShaderFile = keyof typeof shaderFiles;
export type Defines = Record<string, boolean | number | string>;

export function preprocessWgsl(source: string, defines: Defines, fileName = 'shader'): string {
  const parts = source.split(/\$\{(\w+)\}/);
  const strings = parts.filter((_, k) => k % 2 === 0);
  const values = parts
    .filter((_, k) => k % 2 === 1)
    .map((name) => {
      if (!(name in defines)) throw new Error(`${fileName}.wgsl uses \${${name}} but no value was given for it`);
      return defines[name];
    });
  const template = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray;
  return wgsl(template, ...values);
}

/** The WGSL of a module made of `files` (in order), with the variant chosen by `defines`. */
export function composeWgsl(files: readonly ShaderFile[], defines: Defines = {}): string {
  return files.map((f) => `// ---- ${f}.wgsl\n${preprocessWgsl(shaderFiles[f], defines, f)}`).join('\n');
}
