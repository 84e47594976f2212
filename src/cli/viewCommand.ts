/**
 * `kinfire view DIR`: serves the viewer (the static site `npm run build` puts in dist/) at / and the
 * results folder DIR at /data/, prints the playback URL, and serves until SIGINT or SIGTERM.
 *
 * Only regular files inside DIR are served (links are resolved, and one leading out of DIR is not served);
 * a --host that is not a loopback address is warned about, since DIR becomes readable by the network.
 * DIR must be a kinfire results folder (summary.json from run/particles, or study.json from study):
 * otherwise an OutputDirError (exit code 2) names it. A bad --port or --host is a ConfigError (exit 2).
 * Without a built viewer (dist/index.html) it says to run npm run build (exit code 1).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import sirv from 'sirv';
import { OutputDirError } from '../io/resultsFolder';
import { ConfigError } from '../models/config';

export interface ViewOptions {
  port?: string;
  host?: string;
}

/** The built viewer: index.html and assets/ beside the built CLI (dist/cli.js). */
export function viewerSiteDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** Checks DIR and the options; everything that can be rejected is rejected before a port is opened. */
export function parseViewInput(dir: string, options: ViewOptions): { dir: string; port: number; host: string } {
  const folder = resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new OutputDirError(`view ${dir}: no such folder`);
  if (!['summary.json', 'study.json'].some((name) => existsSync(join(folder, name)))) {
    throw new OutputDirError(`view ${dir}: not a kinfire results folder (it has neither summary.json, written by run and particles, nor study.json, written by study)`);
  }
  const portText = options.port ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || port > 65535) throw new ConfigError('--port', `must be an integer in [0, 65535], 0 for any free port (got ${JSON.stringify(portText)})`);
  const host = options.host ?? '127.0.0.1';
  if (host.trim() === '') throw new ConfigError('--host', 'must be a host name or address');
  return { dir: folder, port, host };
}

/** The viewer's address, with an IPv6 host in brackets. */
function viewerUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/?mode=playback&data=data/`;
}

/**
 * Whether /data/<relative> may be served: a regular file whose real path (links resolved) lies inside
 * the results folder. A link out of the folder (to /etc/passwd, say) is not served.
 */
export function servableDataFile(dataRoot: string, relative: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return false;
  }
  if (decoded.includes('\0')) return false;
  try {
    const real = realpathSync(join(dataRoot, decoded));
    return (real === dataRoot || real.startsWith(dataRoot + sep)) && statSync(real).isFile();
  } catch {
    return false;
  }
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function notFound(res: ServerResponse, url: string | undefined) {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`Not found: ${url ?? ''}`);
}

/** Serves until SIGINT/SIGTERM; resolves once the server is closed. */
export async function viewCommand(dir: string, options: ViewOptions, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const input = parseViewInput(dir, options);
  const site = viewerSiteDir();

  // dev: no cached file list, so a results folder rewritten (--force) while it is viewed is served fresh.
  const serveSite = sirv(site, { dev: true, etag: false });
  const serveData = sirv(input.dir, { dev: true, etag: false, dotfiles: false });
  const dataRoot = realpathSync(input.dir);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Cache-Control', 'no-store');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/data/')) {
      if (!servableDataFile(dataRoot, path.slice('/data/'.length))) {
        notFound(res, path);
        return;
      }
      req.url = req.url!.slice('/data'.length);
      serveData(req, res, () => notFound(res, path));
    } else if (path === '/' || path === '/index.html' || path.startsWith('/assets/')) {
      serveSite(req, res, () => notFound(res, path));
    } else notFound(res, path); // the page declares no icon (a data: URL), so browsers ask for no /favicon.ico
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      rejectListen(err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL' ? new ConfigError(err.code === 'EADDRNOTAVAIL' ? '--host' : '--port', `cannot listen on ${input.host}:${input.port} (${err.code})`) : err),
    );
    server.listen(input.port, input.host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  out(`kinfire viewer: ${viewerUrl(input.host, port)}`);
  out(`serving ${input.dir} at /data/; stop with Ctrl+C`);
  if (!isLoopback(input.host)) {
    process.stderr.write(`kinfire: warning: --host ${input.host} is not a loopback address: every machine that can reach this one on port ${port} can read ${input.dir}\n`);
  }

  await new Promise<void>((resolveClosed) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.closeAllConnections();
      server.close(() => resolveClosed());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description('serve the browser viewer on a results folder (run, particles, study) and print its URL')
    .argument('<dir>', 'results folder (with summary.json or study.json)')
    .option('-p, --port <n>', 'port; 0 takes any free one', '0')
    .option('--host <h>', 'address to listen on', '127.0.0.1')
    .action(async (dir: string, opts: ViewOptions) => {
      const index = join(viewerSiteDir(), 'index.html');
      if (!existsSync(index)) {
        process.stderr.write(`kinfire: the viewer is not built (${index} is missing): run npm run build first\n`);
        process.exitCode = 1;
        return;
      }
      await viewCommand(dir, opts);
    });
}
