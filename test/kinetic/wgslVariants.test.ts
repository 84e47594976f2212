/**
 * The WGSL the GPU compiles. Each variant of a file with preprocessor directives is snapshotted under
 * test/kinetic/__snapshots__/wgsl/ after preprocessing, so a change to a kernel or to the variant
 * logic shows up as a reviewable diff of the exact code; every composed module is checked to keep no
 * directive or placeholder.
 */
import { describe, expect, it } from 'vitest';
import { kernelSpecs } from '../../src/host/kineticSolver';
import { composeWgsl, preprocessWgsl, shaderFiles } from '../../src/host/shaderSource';

const specs = [
  ...[false, true].flatMap((threshold) => Object.entries(kernelSpecs(threshold)).map(([name, spec]) => ({ name, threshold, limit: false, spec }))),
  ...Object.entries(kernelSpecs(false, true)).map(([name, spec]) => ({ name, threshold: false, limit: true, spec })),
];

describe('generated WGSL', () => {
  for (const { name, threshold, limit, spec } of specs) {
    it(`${name} (${limit ? 'vc-limit' : threshold ? 'vc-threshold' : 'vc'}) composes to directive-free WGSL with its entry point`, () => {
      const code = composeWgsl(spec.files, spec.defines);
      expect(code).not.toMatch(/#(if|elif|else|endif)|\$\{/);
      expect(code).toContain(`fn ${spec.entryPoint}(`);
    });
  }

  const variants = new Map<string, { file: keyof typeof shaderFiles; defines: Record<string, boolean> }>();
  for (const { spec } of specs) {
    for (const file of spec.files) {
      if (!shaderFiles[file].includes('#if')) continue;
      const used = Object.fromEntries(Object.entries(spec.defines).filter(([k]) => shaderFiles[file].includes(`\${${k}}`)));
      const key = `${file}.${Object.entries(used).map(([k, v]) => `${k}=${v ? 1 : 0}`).join('.')}`;
      variants.set(key, { file, defines: used });
    }
  }
  for (const [key, { file, defines }] of variants) {
    it(`variant ${key}`, async () => {
      await expect(preprocessWgsl(shaderFiles[file], defines, file)).toMatchFileSnapshot(`__snapshots__/wgsl/${key}.wgsl`);
    });
  }

  it('refuses a placeholder without a value rather than emitting an empty string', () => {
    expect(() => preprocessWgsl('#if ${MISSING}\nx\n#endif', {}, 'test')).toThrow(/MISSING/);
  });
});
