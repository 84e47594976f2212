#!/usr/bin/env node
/**
 * Makes a fresh Debian/Ubuntu machine with Node >= 20 ready for `npm start` and `npm test`:
 *  1. system packages for WebGPU without a GPU: Chromium (its SwiftShader Vulkan driver, and the
 *     browser for the headless tests) and the Vulkan loader; NumPy for Debian's python3, with
 *     which the tests read back the .npy files kinfire writes; and Slurm with munge (slurm-wlm,
 *     munge), with which the tests run `kinfire sweep` on a real one-node cluster (they start and
 *     stop its daemons themselves; nothing is enabled or started here). As root they are installed
 *     with apt-get; otherwise the exact command is printed.
 *  2. npm dependencies (`npm ci`, which also builds dist/) when node_modules or dist/ is missing.
 * Uses only Node's standard library: it runs before any dependency is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`[setup] ${line}\n`);

function hasVulkanLoader() {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.includes('libvulkan.so.1') : existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1');
}

const wanted = [
  ['chromium', () => existsSync('/usr/lib/chromium/vk_swiftshader_icd.json') && existsSync('/usr/bin/chromium')],
  ['libvulkan1', hasVulkanLoader],
  ['python3-numpy', () => spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0],
  ['slurm-wlm', () => ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch'].every((f) => existsSync(f))],
  ['munge', () => existsSync('/usr/sbin/munged')],
];
const missing = wanted.filter(([, present]) => !present()).map(([name]) => name);

if (missing.length) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (isRoot && hasApt) {
    say(`installing system packages: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env }) : update;
    if (install.status !== 0) {
      say(`apt-get failed (exit ${install.status}); install by hand: apt-get install -y ${missing.join(' ')}`);
      process.exit(1);
    }
  } else {
    say(`missing system packages: ${missing.join(' ')}. Install them with:`);
    say(`  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
    say('continuing: a hardware WebGPU/Vulkan adapter may still work without them.');
  }
}

const npmInstalled = existsSync(join(root, 'node_modules/.package-lock.json')) && existsSync(join(root, 'node_modules/webgpu'));
if (!npmInstalled) {
  say('installing npm dependencies (npm ci)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} else if (!existsSync(join(root, 'dist/cli.js'))) {
  say('building dist/ (npm run build)');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
