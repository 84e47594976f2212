/**
 * The control panel of live mode for the vc models: transport (play, pause, one step, reset), steps per
 * frame, model, firing rate, initial condition, every model constant as a slider with a number beside it
 * (ε on a log slider), the grid, and the particle system. It only reports what the user asks for;
 * live.ts decides what a change means (new parameters on the same state, or a new solver).
 */
import { element } from './dom';
import { fieldErrors, type LiveModelChoice, labelled, modelSelect, sliderRows, transportControls } from './livePanel';
import { INITIAL_PRESETS, type InitialPreset, type LiveSettings, PARAMETERS } from './liveSettings';

export interface LiveControlEvents {
  /** a model constant, the model, the firing-rate kind, the initial condition or the steps per frame changed */
  settings(next: LiveSettings, changed: string): void;
  /** a model the vc page does not run (nnlif) was chosen */
  otherModel(model: LiveModelChoice): void;
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

export function liveControls(container: HTMLElement, initial: LiveSettings, on: LiveControlEvents): LiveControls {
  let settings = structuredClone(initial);
  const errors = fieldErrors('grid');
  const emit = (changed: string) => on.settings(structuredClone(settings), changed);

  const transport = transportControls({
    play: on.play,
    pause: on.pause,
    step: on.step,
    reset: on.reset,
    stepsPerFrame: (n) => {
      settings.stepsPerFrame = n;
      emit('spf');
    },
  });

  // model, firing rate, initial condition
  const model = modelSelect(settings.model, (m) => {
    if (m === 'nnlif') {
      model.value = settings.model;
      on.otherModel(m);
      return;
    }
    settings.model = m;
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
  const sliders = sliderRows(PARAMETERS, () => settings.values, errors, (_, field) => emit(field));

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

  container.append(
    transport.fieldset,
    element('fieldset', {}, element('legend', { textContent: 'Model' }), labelled('model', model), labelled('φF', firing), labelled('initial', ic), errors.line('model'), errors.line('initial')),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Parameters' }), ...sliders.rows, errors.line('params.phiF.kind')),
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Grid and particles' }),
      labelled('nv', nv, 'cells in v'),
      labelled('ng', ng, 'cells in g'),
      labelled('g max', gmax, 'top of the g axis'),
      labelled('particles', particles, 'neurons of the particle system drawn over p (0: none)'),
      apply,
      errors.line('grid'),
      errors.line('particles.count'),
    ),
  );

  const controls: LiveControls = {
    showError: errors.show,
    setPlaying: transport.setPlaying,
    set(s) {
      settings = structuredClone(s);
      model.value = s.model;
      firing.value = s.firing;
      ic.value = s.initial;
      sliders.set(s.values);
      transport.setStepsPerFrame(s.stepsPerFrame);
      nv.value = String(s.nv);
      ng.value = String(s.ng);
      gmax.value = String(s.gmax);
      particles.value = String(s.particles);
    },
  };
  controls.set(settings);
  return controls;
}
