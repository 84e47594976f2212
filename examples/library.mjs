// kinfire as a library, in plain JavaScript: `node examples/library.mjs` from the kinfire folder (after
// npm run build), or `import … from 'kinfire'` in a project that depends on it. The grid is small, so it
// finishes in seconds on a CPU adapter (SwiftShader); types come with the package (dist/types).
import { KineticSolver, openGpu, resolveConfig, runSimulation } from 'kinfire';

const gpu = await openGpu(); // Dawn in Node, navigator.gpu in a browser; throws with an install hint if none
console.log(gpu.adapterInfo); // { vendor, architecture, description }
const input = { model: 'vc', params: { b: 0.7, eps: 1e-3 }, grid: { nv: 64, ng: 32, gmax: 12 }, time: { T: 0.05 } };
const config = resolveConfig(input);
const result = await runSimulation(gpu, config, {
  onProgress: (p) => console.log(`t = ${p.t.toFixed(3)}, ${p.stepsPerSecond.toFixed(0)} steps/s`),
  onSnapshot: ({ t, p }) => console.log(`snapshot at t = ${t}: p is a Float32Array of shape (ng, nv), ${p.length} values`),
});
console.log(result.status, result.N_final, result.mass_drift, result.activity.N.length);

// Lower level: many steps per submission, N(t) and the mass read back in blocks. The optional third
// argument of create is the initial state, the fourth sets the g-solve's column chunks (default: 1 on CPU
// adapters, else min(⌈65536/nv⌉, ⌊ng/32⌋); see "The scheme, in brief"), e.g. { conductanceChunks: 8 }.
const solver = await KineticSolver.create(gpu, config);
const block = await solver.advance(100); // { steps, N, mass } for the 100 steps
const n = await solver.readVoltageMarginal(); // n(v) = ∫ p dg
const { N, m } = await solver.readConductanceMarginals(); // N(t, g) and m(g) = ∫ p dv
solver.setParameters(resolveConfig({ ...input, params: { ...input.params, b: 1.2 } })); // same grid and model: steps on from the same state
await solver.advance(10);
console.log(block.N[99], n.length, N.length, m.length, solver.stepIndex);
solver.destroy();
gpu.destroy();
process.exit(0); // Dawn keeps Node's event loop alive after the device is destroyed
