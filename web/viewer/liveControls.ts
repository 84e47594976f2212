/**
 * The control panel of live mode: transport (play, pause, one step, reset), steps per frame, model,
 * firing rate, initial condition, every model constant as a slider with a number beside it (ε on a log
 * slider), the grid, and the particle system. It only reports what the user asks for; live.ts decides
 * what a change means (new parameters on the same state, or a new solver).
 */
import { element } from './dom';
import { INITIAL_PRESETS, type InitialPreset, LIVE_MODELS, type LiveSettings, type ParameterKey, PARAMETERS, type ParameterSpec } from './liveSettings';

export interface LiveControlEvents {
  /** a model constant, the model, the firing-rate kind or the initial condition changed */
  settings(next: LiveSettings, changed: string): void;
  play(): void;
  pause(): void;
  step(): void;
  reset(): void;
}

export interface LiveControls {
  /** show a config error next to the control of `field` (null: clear every error) */
  showError(field: string | null, message?: string): void;
  setPlaying(playing: boolean): void;
  set(s: LiveSettings): void;
}

const SLIDER_STEPS = 1000;

/** Slider position (0 … SLIDER_STEPS) of a value and back; log sliders are uniform in log10. */
function toSlider(spec: Pick<ParameterSpec, 'min' | 'max' | 'log'>, x: number): number {
  const f = spec.log ? Math.log10(x / spec.min) / Math.log10(spec.max / spec.min) : (x - spec.min) / (spec.max - spec.min);
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0)) * SLIDER_STEPS);
}
function fromSlider(spec: Pick<ParameterSpec, 'min' | 'max' | 'log'>, position: number): number {
  const f = position / SLIDER_STEPS;
  const x = spec.log ? spec.min * (spec.max / spec.min) ** f : spec.min + f * (spec.max - spec.min);
  return Number(x.toPrecision(4));
}

export function liveControls(container: HTMLElement, initial: LiveSettings, on: LiveControlEvents): LiveControls {
  let settings = structuredClone(initial);
  const errors = new Map<string, HTMLElement>();
  const errorLine = (field: string) => {
    const line = element('p', { className: 'field-error', hidden: true });
    errors.set(field, line);
    return line;
  };
  const emit = (changed: string) => on.settings(structuredClone(settings), changed);

  // transport
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
    settings.stepsPerFrame = Math.max(1, Math.round(fromSlider(spfSpec, Number(spf.value))));
    spfValue.textContent = String(settings.stepsPerFrame);
    emit('spf');
  });

  // model, firing rate, initial condition
  const model = element('select', { name: 'model' }, ...LIVE_MODELS.map((m) => element('option', { value: m, textContent: m })));
  model.addEventListener('change', () => {
    settings.model = model.value as LiveSettings['model'];
    emit('model');
  });
  const firing = element('select', { name: 'phi' }, ...['step', 'constant', 'sigmoid'].map((k) => element('option', { value: k, textContent: k })));
  firing.addEventListener('change', () => {
    settings.firing = firing.value as LiveSettings['firing'];
    emit('params.phiF.kind');
  });
  const ic = element('select', { name: 'ic' }, ...Object.entries(INITIAL_PRESETS).map(([key, p]) => element('option', { value: key, textContent: p.label })));
  ic.addEventListener('change', () => {
    settings.initial = ic.value as InitialPreset;
    emit('initial');
  });

  // model constants
  const sliders = new Map<ParameterKey, { range: HTMLInputElement; number: HTMLInputElement }>();
  const parameterRows = PARAMETERS.map((spec) => {
    const title = `${spec.hint}. Slider: ${spec.min} … ${spec.max}${spec.log ? ' (log)' : ''}; allowed: ${spec.allowed}`;
    const range = element('input', { type: 'range', name: `${spec.key}-slider`, min: '0', max: String(SLIDER_STEPS), title });
    const number = element('input', { type: 'number', name: spec.key, step: 'any', title });
    sliders.set(spec.key, { range, number });
    range.addEventListener('input', () => {
      settings.values[spec.key] = fromSlider(spec, Number(range.value));
      number.value = String(settings.values[spec.key]);
      emit(spec.field);
    });
    number.addEventListener('change', () => {
      settings.values[spec.key] = number.value.trim() === '' ? Number.NaN : Number(number.value);
      range.value = String(toSlider(spec, settings.values[spec.key]));
      emit(spec.field);
    });
    return [element('label', { title }, element('span', { textContent: spec.label }), range, number), errorLine(spec.field)];
  });

  // grid and particles: applied with a button, since they rebuild the solver
  const nv = element('input', { type: 'number', name: 'nv', min: '8', step: '1' });
  const ng = element('input', { type: 'number', name: 'ng', min: '8', step: '1' });
  const gmax = element('input', { type: 'number', name: 'gmax', step: 'any' });
  const particles = element('input', { type: 'number', name: 'particles', min: '0', step: '1' });
  const apply = element('button', { type: 'button', name: 'apply-grid', textContent: 'Apply (restarts)' });
  apply.addEventListener('click', () => {
    settings.nv = Number(nv.value);
    settings.ng = Number(ng.value);
    settings.gmax = Number(gmax.value);
    settings.particles = Number(particles.value);
    emit('grid');
  });
  const labelled = (text: string, control: HTMLElement, hint = '') => element('label', { title: hint }, element('span', { textContent: text }), control);

  container.append(
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Run' }),
      element('div', { className: 'row' }, play, pause, step, reset),
      element('label', {}, element('span', { textContent: 'steps / frame' }), spf, spfValue),
      element('p', { className: 'hint', textContent: 'at most; fewer when a frame would take longer than 25 ms' }),
    ),
    element('fieldset', {}, element('legend', { textContent: 'Model' }), labelled('model', model), labelled('φF', firing), labelled('initial', ic), errorLine('model'), errorLine('initial')),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Parameters' }), ...parameterRows.flat(), errorLine('params.phiF.kind')),
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Grid and particles' }),
      labelled('nv', nv, 'cells in v'),
      labelled('ng', ng, 'cells in g'),
      labelled('g max', gmax, 'top of the g axis'),
      labelled('particles', particles, 'neurons of the particle system drawn over p (0: none)'),
      apply,
      errorLine('grid'),
      errorLine('particles.count'),
    ),
  );

  const controls: LiveControls = {
    showError(field, message) {
      for (const line of errors.values()) line.hidden = true;
      if (field === null) return;
      // the line of the field, else of the nearest enclosing key (initial.v0 → initial), else the grid's
      const parts = field.split('.');
      let line = errors.get('grid')!;
      for (let n = parts.length; n > 0; n--) {
        const found = errors.get(parts.slice(0, n).join('.'));
        if (found) {
          line = found;
          break;
        }
      }
      line.hidden = false;
      line.textContent = message ?? '';
    },
    setPlaying(playing) {
      play.disabled = playing;
      pause.disabled = !playing;
      step.disabled = playing;
    },
    set(s) {
      settings = structuredClone(s);
      model.value = s.model;
      firing.value = s.firing;
      ic.value = s.initial;
      for (const spec of PARAMETERS) {
        const { range, number } = sliders.get(spec.key)!;
        range.value = String(toSlider(spec, s.values[spec.key]));
        number.value = String(s.values[spec.key]);
      }
      spf.value = String(toSlider(spfSpec, s.stepsPerFrame));
      spfValue.textContent = String(s.stepsPerFrame);
      nv.value = String(s.nv);
      ng.value = String(s.ng);
      gmax.value = String(s.gmax);
      particles.value = String(s.particles);
    },
  };
  controls.set(settings);
  return controls;
}
