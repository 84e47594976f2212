/// <reference types="vite/client" />
/// <reference types="@webgpu/types" />
/**
 * Page side of the headless-Chromium protocol used by test/browser/harness.ts (runPage):
 * a page sets window.__kinfireResult and then window.__kinfireDone = true, or sets
 * window.__kinfireError (a string) on failure. Import these helpers from any page under web/.
 */

declare global {
  interface Window {
    __kinfireDone?: boolean;
    __kinfireResult?: unknown;
    __kinfireError?: string;
  }
}

function show(text: string): void {
  const el = document.getElementById('out');
  if (el) el.textContent = text;
}

/** Publishes a JSON-serialisable result and marks the page done. */
export function reportResult(result: unknown): void {
  show(JSON.stringify(result, null, 2));
  window.__kinfireResult = result;
  window.__kinfireDone = true;
}

/** Publishes an error (message + stack) for the harness to reject with. */
export function reportError(err: unknown): void {
  const message = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
  console.error(message);
  show(`ERROR: ${message}`);
  window.__kinfireError = message;
}

/** Runs `main`, reporting its resolved value or its error. */
export function runAndReport(main: () => Promise<unknown>): void {
  main().then(reportResult, reportError);
}

/** Requests a WebGPU adapter, failing with a clear message, and logs adapter.info (to notice silent fallbacks). */
export async function requestAdapterOrThrow(
  options?: GPURequestAdapterOptions,
): Promise<{ adapter: GPUAdapter; info: { vendor: string; architecture: string; description: string } }> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    throw new Error(`navigator.gpu is missing (isSecureContext=${String(window.isSecureContext)})`);
  }
  const adapter = await navigator.gpu.requestAdapter(options);
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null');
  const info = {
    vendor: adapter.info.vendor,
    architecture: adapter.info.architecture,
    description: adapter.info.description,
  };
  console.log(`WebGPU adapter: ${JSON.stringify(info)}`);
  return { adapter, info };
}
