/** `kinfire view DIR` (the built CLI) in a child process, as a user starts it: its URL is read from stdout. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cli';

export interface ViewServer {
  /** the playback URL printed by kinfire view: http://127.0.0.1:PORT/?mode=playback&data=data/ */
  url: string;
  /** http://127.0.0.1:PORT/ */
  origin: string;
  child: ChildProcessWithoutNullStreams;
  /** SIGTERM, then the exit code (null if it died of a signal) */
  stop(): Promise<number | null>;
  /** what it has written to stderr so far */
  stderr(): string;
}

export async function startView(dir: string, ...args: string[]): Promise<ViewServer> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/kinfire.js'), 'view', dir, ...args], { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`kinfire view printed no URL within 20 s; stdout: ${stdout}; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /kinfire viewer: (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timeout);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timeout);
      reject(new Error(`kinfire view exited (${code}) before printing its URL; stderr: ${stderr}`));
    });
  });
  return {
    url,
    origin: new URL('/', url).href,
    child,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
    stderr: () => stderr,
  };
}
