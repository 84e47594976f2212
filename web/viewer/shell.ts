/**
 * The page both modes draw into (web/viewer/index.html): the density panel (a WebGPU canvas for live
 * mode, a WebGL canvas for playback, and a 2D overlay with axes, markers and the colour bar), the two
 * line plots, the control panel, the status line, and the URL, which carries the view's parameters.
 */
export type ViewerMode = 'live' | 'playback';

/** What the puppeteer tests read from the page (window.__kinfireViewer). */
export interface ViewerProbe {
  mode: ViewerMode;
  /** 'webgpu' (live) or 'webgl' (playback) once the density is drawn, null before */
  renderer: 'webgpu' | 'webgl' | null;
  /** frames the density panel has drawn */
  frames: number;
  /** simulated time of the frame drawn last (live) or of the frame shown (playback) */
  t: number;
  /** live: steps taken; playback: the index of the frame shown */
  step: number;
  playing: boolean;
  /** the latest N(t) (live; of the first population or series) or N at the frame shown (playback) */
  N: number | null;
  /** live: the latest value of every N(t) series (each population of an nnlif network; the PDE and the particles of vc); [] in playback */
  activity: number[];
  /** live: the mass after the latest step (Σ w n + R for nnlif, summed over the populations of a network; Σ cells for elapsed; ∫∫ p for vc; the mean of N for the field; for neurons the share inside the histogram's range at the last frame's histogram); null in playback */
  mass: number | null;
  /** live field: the dominant mode ≠ 0 of N's spectrum at the latest step that measured it (|k|, its mode numbers, the cosine's amplitude), null before */
  spectrum: { t: number; k: number; mode: [number, number]; amplitude: number } | null;
  /** live: why the run stopped at its last good state (status blowup, nonfinite), null while it may go on */
  stopped: { status: string; message: string } | null;
  /** live: how many times the run has stopped at a refused step */
  stops: number;
  /** errors shown to the user */
  errors: string[];
}

export interface ViewerShell {
  readonly densityGpu: HTMLCanvasElement;
  readonly densityGl: HTMLCanvasElement;
  readonly overlay: HTMLCanvasElement;
  readonly activityPlot: HTMLCanvasElement;
  readonly marginalPlot: HTMLCanvasElement;
  readonly controls: HTMLElement;
  readonly probe: ViewerProbe;
  /** the query parameters the page was opened with */
  readonly params: URLSearchParams;
  setStatus(part: 'time' | 'rate' | 'adapter', text: string): void;
  /**
   * A line above the density: information, progress of a long computation, an error of the viewer, or
   * why a live run stopped (a blow-up is a result of the model, not an error: it is not in probe.errors)
   */
  showMessage(text: string, kind?: 'info' | 'progress' | 'error' | 'stopped'): void;
  clearMessage(): void;
  /** replace the query string (history.replaceState), so the URL always reproduces the view */
  writeUrl(params: Record<string, string | number | boolean | undefined>): void;
}

export function createShell(mode: ViewerMode): ViewerShell {
  const byId = <T extends HTMLElement>(id: string) => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`viewer page lacks #${id}`);
    return element as T;
  };
  const message = byId<HTMLDivElement>('message');
  const probe: ViewerProbe = { mode, renderer: null, frames: 0, t: 0, step: 0, playing: false, N: null, activity: [], mass: null, spectrum: null, stopped: null, stops: 0, errors: [] };
  (window as unknown as { __kinfireViewer: ViewerProbe }).__kinfireViewer = probe;
  for (const m of ['live', 'playback'] as const) byId(`mode-${m}`).setAttribute('aria-pressed', String(m === mode));
  return {
    densityGpu: byId('density-gpu'),
    densityGl: byId('density-gl'),
    overlay: byId('density-overlay'),
    activityPlot: byId('plot-activity'),
    marginalPlot: byId('plot-marginal'),
    controls: byId('controls'),
    probe,
    params: new URLSearchParams(location.search),
    setStatus(part, text) {
      byId(`status-${part}`).textContent = text;
    },
    showMessage(text, kind = 'info') {
      message.hidden = false;
      message.className = kind;
      message.textContent = text;
      if (kind === 'error') probe.errors.push(text);
    },
    clearMessage() {
      message.hidden = true;
      message.textContent = '';
    },
    writeUrl(values) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') query.set(key, String(value));
      history.replaceState(null, '', `${location.pathname}?${query.toString()}`);
    },
  };
}
