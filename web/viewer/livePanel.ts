/**
 * The pieces of live mode's control panel that every model has: the transport (play, pause, one step,
 * reset, steps per frame), the model selector, a model constant as a slider with a number beside it, and
 * the line under a field that says why a value was refused; panelBase puts the first and the last
 * together with the panel's own copy of the settings. The panels of the models (liveControls.ts for the
 * vc models, liveNnlifControls.ts for nnlif, liveElapsedControls.ts for the elapsed-time model) are built
 * from them.
 */
import { element } from './dom';

/** A model constant with a slider: URL key, config path, label, slider range (log: a log slider). */
export interface SliderSpec<Key extends string = string> {
  key: Key;
  field: string;
  label: string;
  min: number;
  max: number;
  log?: boolean;
  hint: string;
  /** what the config schema accepts, shown with the control */
  allowed: string;
}

/** Every model live mode runs, in the model selector: the vc family (live.ts), nnlif (liveNnlif.ts), elapsed (liveElapsed.ts), the Wilson–Cowan field (liveField.ts) and the single-neuron ensembles (liveNeurons.ts). */
export const LIVE_MODEL_CHOICES = ['vc', 'vc-threshold', 'vc-limit', 'nnlif', 'elapsed', 'field', 'neurons'] as const;
export type LiveModelChoice = (typeof LIVE_MODEL_CHOICES)[number];

/** The page that runs a model of the selector: one per model family (a switch between pages reloads with ?model=). */
export const livePageOf = (model: string): 'vc' | 'nnlif' | 'elapsed' | 'field' | 'neurons' => (model === 'nnlif' || model === 'elapsed' || model === 'field' || model === 'neurons' ? model : 'vc');

const SLIDER_STEPS = 1000;

/** Slider position (0 … SLIDER_STEPS) of a value and back; log sliders are uniform in log10. */
function toSlider(spec: Pick<SliderSpec, 'min' | 'max' | 'log'>, x: number): number {
  const f = spec.log ? Math.log10(x / spec.min) / Math.log10(spec.max / spec.min) : (x - spec.min) / (spec.max - spec.min);
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0)) * SLIDER_STEPS);
}
function fromSlider(spec: Pick<SliderSpec, 'min' | 'max' | 'log'>, position: number): number {
  const f = position / SLIDER_STEPS;
  const x = spec.log ? spec.min * (spec.max / spec.min) ** f : spec.min + f * (spec.max - spec.min);
  return Number(x.toPrecision(4));
}

export interface TransportEvents {
  play(): void;
  pause(): void;
  step(): void;
  reset(): void;
  stepsPerFrame(n: number): void;
}

export interface Transport {
  fieldset: HTMLFieldSetElement;
  setPlaying(playing: boolean): void;
  setStepsPerFrame(n: number): void;
}

/** Play, pause, one step, reset, and the steps per frame (a log slider, 1 … 1000). */
export function transportControls(on: TransportEvents): Transport {
  const play = element('button', { type: 'button', name: 'play', textContent: 'Play' });
  const pause = element('button', { type: 'button', name: 'pause', textContent: 'Pause' });
  const step = element('button', { type: 'button', name: 'step', textContent: 'Step' });
  const reset = element('button', { type: 'button', name: 'reset', textContent: 'Reset' });
  play.addEventListener('click', () => on.play());
  pause.addEventListener('click', () => on.pause());
  step.addEventListener('click', () => on.step());
  reset.addEventListener('click', () => on.reset());
  const spfSpec = { min: 1, max: 1000, log: true };
  const spf = element('input', { type: 'range', name: 'spf', min: '0', max: String(SLIDER_STEPS) });
  const spfValue = element('output', {});
  spf.addEventListener('input', () => {
    const n = Math.max(1, Math.round(fromSlider(spfSpec, Number(spf.value))));
    spfValue.textContent = String(n);
    on.stepsPerFrame(n);
  });
  const fieldset = element(
    'fieldset',
    {},
    element('legend', { textContent: 'Run' }),
    element('div', { className: 'row' }, play, pause, step, reset),
    element('label', {}, element('span', { textContent: 'steps / frame' }), spf, spfValue),
    element('p', { className: 'hint', textContent: 'at most; fewer when a frame would take longer than 25 ms' }),
  );
  return {
    fieldset,
    setPlaying(playing) {
      play.disabled = playing;
      pause.disabled = !playing;
      step.disabled = playing;
    },
    setStepsPerFrame(n) {
      spf.value = String(toSlider(spfSpec, n));
      spfValue.textContent = String(n);
    },
  };
}

/**
 * The model selector; `model` is the one shown. A model of another page's family opens that page (with its
 * defaults); one of this page's family goes to `onChange` (the vc page switches between its three models).
 */
export function modelSelect(model: LiveModelChoice, onChange: (model: LiveModelChoice) => void = () => {}): HTMLSelectElement {
  const select = element('select', { name: 'model' }, ...LIVE_MODEL_CHOICES.map((m) => element('option', { value: m, textContent: m })));
  let shown = model;
  select.value = model;
  select.addEventListener('change', () => {
    const chosen = select.value as LiveModelChoice;
    if (livePageOf(chosen) !== livePageOf(shown)) {
      select.value = shown;
      location.assign(liveUrlOf(chosen));
      return;
    }
    shown = chosen;
    onChange(chosen);
  });
  return select;
}

/** The URL of live mode for a model of the other family: its page, with that model's defaults. */
export function liveUrlOf(model: LiveModelChoice): string {
  return `${location.pathname}?mode=live&model=${model}`;
}

/**
 * The lines under the fields that show why a value was refused. A config error names a field path
 * (nnlif.firing.rate); it goes to the line of that path, else of its nearest enclosing path, else to
 * the fallback line.
 */
export function fieldErrors(fallback: string) {
  const lines = new Map<string, HTMLElement>();
  return {
    /** the (hidden) error line of `field`, to place under its control */
    line(field: string): HTMLElement {
      const line = element('p', { className: 'field-error', hidden: true });
      lines.set(field, line);
      return line;
    },
    /** show `message` under `field` (null: clear every error) */
    show(field: string | null, message?: string): void {
      for (const line of lines.values()) line.hidden = true;
      if (field === null) return;
      const parts = field.split('.');
      let line = lines.get(fallback);
      for (let n = parts.length; n > 0; n--) {
        const found = lines.get(parts.slice(0, n).join('.'));
        if (found) {
          line = found;
          break;
        }
      }
      if (!line) return;
      line.hidden = false;
      line.textContent = message ?? '';
    },
  };
}

export type FieldErrors = ReturnType<typeof fieldErrors>;

/**
 * A slider and a number for each spec; `onChange(key, field, from)` after the user moved one (the new value is
 * written into `values()`, the settings' record of the moment). The number accepts any value; the config
 * schema decides.
 */
export function sliderRows<Key extends string>(specs: readonly SliderSpec<Key>[], values: () => Record<Key, number>, errors: FieldErrors, onChange: (key: Key, field: string, from: 'slider' | 'number') => void) {
  const inputs = new Map<Key, { range: HTMLInputElement; number: HTMLInputElement }>();
  const rows = specs.flatMap((spec) => {
    const title = `${spec.hint}. Slider: ${spec.min} … ${spec.max}${spec.log ? ' (log)' : ''}; allowed: ${spec.allowed}`;
    const range = element('input', { type: 'range', name: `${spec.key}-slider`, min: '0', max: String(SLIDER_STEPS), title });
    const number = element('input', { type: 'number', name: spec.key, step: 'any', title });
    inputs.set(spec.key, { range, number });
    range.addEventListener('input', () => {
      const x = fromSlider(spec, Number(range.value));
      values()[spec.key] = x;
      number.value = String(x);
      onChange(spec.key, spec.field, 'slider');
    });
    number.addEventListener('change', () => {
      const x = number.value.trim() === '' ? Number.NaN : Number(number.value);
      values()[spec.key] = x;
      range.value = String(toSlider(spec, x));
      onChange(spec.key, spec.field, 'number');
    });
    return [element('label', { title }, element('span', { textContent: spec.label }), range, number), errors.line(spec.field)];
  });
  return {
    rows,
    /** enable or disable the row of `key` (a constant the model does not use now) */
    enable(key: Key, on: boolean): void {
      const { range, number } = inputs.get(key)!;
      range.disabled = !on;
      number.disabled = !on;
    },
    /** show these values (without events) */
    set(next: Record<Key, number>): void {
      for (const spec of specs) {
        const { range, number } = inputs.get(spec.key)!;
        range.value = String(toSlider(spec, next[spec.key]));
        number.value = String(next[spec.key]);
      }
    },
  };
}

/** What a model's panel reports: a setting changed (`changed`: its config field, or grid, spf, …), and the transport. */
export interface PanelEvents<S> {
  settings(next: S, changed: string): void;
  play(): void;
  pause(): void;
  step(): void;
  reset(): void;
}

/** What a model's panel lets its page do: show a config error under the control of `field` (null: clear every error), the play state, new settings. */
export interface PanelControls<S> {
  showError(field: string | null, message?: string): void;
  setPlaying(playing: boolean): void;
  set(s: S): void;
}

/**
 * The start of every model's panel: its own copy of the settings (replaced by `set`), the lines under the
 * fields for the config's refusals (`fallback` takes those of a field without a line), `emit` (a copy of
 * the settings to `on.settings`), the transport fieldset, whose steps per frame is a setting ('spf'), and
 * `controls`, the panel's PanelControls once `show` puts settings into its own fields (shown at once).
 */
export interface PanelBase<S> {
  settings: S;
  readonly errors: FieldErrors;
  emit(changed: string): void;
  readonly transport: Transport;
  controls(show: (s: S) => void, showError?: PanelControls<S>['showError']): PanelControls<S>;
}

export function panelBase<S extends { stepsPerFrame: number }>(initial: S, fallback: string, on: PanelEvents<S>): PanelBase<S> {
  const base: PanelBase<S> = {
    settings: structuredClone(initial),
    errors: fieldErrors(fallback),
    emit(changed: string): void {
      on.settings(structuredClone(base.settings), changed);
    },
    transport: transportControls({
      play: on.play,
      pause: on.pause,
      step: on.step,
      reset: on.reset,
      stepsPerFrame: (n) => {
        base.settings.stepsPerFrame = n;
        base.emit('spf');
      },
    }),
    controls(show: (s: S) => void, showError: PanelControls<S>['showError'] = base.errors.show): PanelControls<S> {
      const controls: PanelControls<S> = {
        showError,
        setPlaying: base.transport.setPlaying,
        set(s) {
          base.settings = structuredClone(s);
          show(base.settings);
          base.transport.setStepsPerFrame(s.stepsPerFrame);
        },
      };
      controls.set(base.settings);
      return controls;
    },
  };
  return base;
}

/** A number field of the panel that goes into the settings with the others of its button (the grid: it may restart). */
export interface AppliedNumber<S> {
  name: string;
  label: string;
  hint: string;
  get(s: S): number;
  put(s: S, x: number): void;
}

/**
 * Number fields applied together with one button (`changed`: 'grid'): their fieldset (the rows, the button,
 * a hint, the error line of 'grid', then `after`), and `set` to show settings in them.
 */
export function appliedNumbers<S>(base: PanelBase<S>, fields: readonly AppliedNumber<S>[]) {
  const inputs = fields.map((f) => element('input', { type: 'number', name: f.name, step: 'any' }));
  const button = element('button', { type: 'button', name: 'apply-grid', textContent: 'Apply' });
  button.addEventListener('click', () => {
    fields.forEach((f, k) => f.put(base.settings, Number(inputs[k]!.value)));
    base.emit('grid');
  });
  return {
    fieldset: (legend: string, hint: string, ...after: HTMLElement[]) =>
      element('fieldset', {}, element('legend', { textContent: legend }), ...fields.map((f, k) => labelled(f.label, inputs[k]!, f.hint)), button, element('p', { className: 'hint', textContent: hint }), base.errors.line('grid'), ...after),
    set(s: S): void {
      fields.forEach((f, k) => (inputs[k]!.value = String(f.get(s))));
    },
  };
}

/** N max among the applied numbers: a step whose N would exceed it is refused (status blowup). */
export function nmaxField<S extends { Nmax: number }>(): AppliedNumber<S> {
  return { name: 'Nmax', label: 'N max', hint: 'a step whose N would exceed it is refused: status blowup', get: (s) => s.Nmax, put: (s, x) => (s.Nmax = x) };
}

/** The panel's first two fieldsets: the transport, and the model (its selector, then `rows`). */
export function panelHead<S>(base: PanelBase<S>, model: HTMLSelectElement, ...rows: HTMLElement[]): HTMLElement[] {
  return [base.transport.fieldset, element('fieldset', {}, element('legend', { textContent: 'Model' }), labelled('model', model), ...rows)];
}

/** The span of time of the N(t) plot, a setting of the view ('window'). */
export function windowInput<S extends { window: number }>(base: PanelBase<S>) {
  const span = element('input', { type: 'number', name: 'window', step: 'any', min: '0' });
  span.addEventListener('change', () => {
    base.settings.window = Number(span.value);
    base.emit('window');
  });
  return {
    row: labelled('N(t) span', span, 'the span of time the N(t) plot shows'),
    set(s: S): void {
      span.value = String(s.window);
    },
  };
}

/** A control with its label. */
export const labelled = (text: string, control: HTMLElement, hint = '') => element('label', { title: hint }, element('span', { textContent: text }), control);
