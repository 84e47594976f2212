/**
 * The control panel of live mode for nnlif: transport and steps per frame, the model selector, the
 * threshold (hard or soft), every constant of the model and of the initial Gaussian as a slider with a
 * number, the grid and the time step (applied with a button), and the span of the N(t) plot. It only
 * reports what the user asks for; liveNnlif.ts decides whether a change goes on from the running state.
 */
import { element } from './dom';
import { fieldErrors, type LiveModelChoice, labelled, modelSelect, sliderRows, transportControls } from './livePanel';
import { NNLIF_PARAMETERS, type NnlifFiringKind, type NnlifLiveSettings } from './liveNnlifSettings';

export interface NnlifControlEvents {
  /** a setting changed: `changed` is its config field (nnlif.b), or grid, window, spf */
  settings(next: NnlifLiveSettings, changed: string): void;
  /** a model of the vc family was chosen */
  otherModel(model: LiveModelChoice): void;
  play(): void;
  pause(): void;
  step(): void;
  reset(): void;
}

export interface NnlifControls {
  showError(field: string | null, message?: string): void;
  setPlaying(playing: boolean): void;
  set(s: NnlifLiveSettings): void;
}

export function nnlifControls(container: HTMLElement, initial: NnlifLiveSettings, on: NnlifControlEvents): NnlifControls {
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
  const model = modelSelect('nnlif', (m) => {
    model.value = 'nnlif';
    if (m !== 'nnlif') on.otherModel(m);
  });
  const firing = element('select', { name: 'firing' }, element('option', { value: 'hard', textContent: 'hard (absorbing at V_F)' }), element('option', { value: 'soft', textContent: 'soft (rate above V_F)' }));
  firing.addEventListener('change', () => {
    settings.firing = firing.value as NnlifFiringKind;
    sliders.enable('rate', settings.firing === 'soft');
    emit('nnlif.firing');
  });
  const sliders = sliderRows(NNLIF_PARAMETERS, () => settings.values, errors, (key, field, from) => {
    // the delay must be a whole number of steps: the slider moves in steps of dt (a typed value is the
    // user's, and the config says if it is not one)
    if (key === 'delay' && from === 'slider' && settings.dt > 0) {
      settings.values.delay = Number((Math.round(settings.values.delay / settings.dt) * settings.dt).toPrecision(12));
      sliders.set(settings.values);
    }
    emit(field);
  });

  // grid, time step and Nmax: applied with a button (nv and vmin move the grid)
  const nv = element('input', { type: 'number', name: 'nv', min: '8', step: '1' });
  const dt = element('input', { type: 'number', name: 'dt', step: 'any' });
  const vmin = element('input', { type: 'number', name: 'vmin', step: 'any' });
  const Nmax = element('input', { type: 'number', name: 'Nmax', step: 'any' });
  const apply = element('button', { type: 'button', name: 'apply-grid', textContent: 'Apply' });
  apply.addEventListener('click', () => {
    settings.nv = Number(nv.value);
    settings.dt = Number(dt.value);
    settings.vmin = Number(vmin.value);
    settings.Nmax = Number(Nmax.value);
    emit('grid');
  });
  const span = element('input', { type: 'number', name: 'window', step: 'any', min: '0' });
  span.addEventListener('change', () => {
    settings.window = Number(span.value);
    emit('window');
  });

  container.append(
    transport.fieldset,
    element('fieldset', {}, element('legend', { textContent: 'Model' }), labelled('model', model), labelled('threshold', firing, 'restarts: the soft threshold has the axis go on to VF + 1'), errors.line('model'), errors.line('nnlif.firing')),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Parameters and initial data' }), ...sliders.rows, errors.line('nnlif'), errors.line('initial')),
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Grid and time' }),
      labelled('nv', nv, 'nodes of the v axis; restarts'),
      labelled('dt', dt, 'time step (backward Euler, any size is stable); goes on from the state, restarts when d > 0'),
      labelled('v min', vmin, 'bottom of the v axis; restarts'),
      labelled('N max', Nmax, 'a step whose N would exceed it is refused: status blowup'),
      apply,
      element('p', { className: 'hint', textContent: 'nv and v min restart; dt and N max go on from the running state (dt restarts when d > 0)' }),
      errors.line('grid'),
      errors.line('nnlif.vmin'),
      errors.line('time'),
      labelled('N(t) span', span, 'the span of time the N(t) plot shows'),
    ),
  );

  const controls: NnlifControls = {
    showError: errors.show,
    setPlaying: transport.setPlaying,
    set(s) {
      settings = structuredClone(s);
      firing.value = s.firing;
      sliders.set(s.values);
      sliders.enable('rate', s.firing === 'soft');
      transport.setStepsPerFrame(s.stepsPerFrame);
      nv.value = String(s.nv);
      dt.value = String(s.dt);
      vmin.value = String(s.vmin);
      Nmax.value = String(s.Nmax);
      span.value = String(s.window);
    },
  };
  controls.set(settings);
  return controls;
}
