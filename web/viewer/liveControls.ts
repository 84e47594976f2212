/**
 * The control panel of live mode for the vc models: transport (play, pause, one step, reset), steps per
 * frame, model, firing rate, initial condition, every model constant as a slider with a number beside it
 * (ε on a log slider), the grid, and the particle system. It only reports what the user asks for;
 * live.ts decides what a change means (new parameters on the same state, or a new solver).
 */
import { element } from './dom';
import { labelled, modelSelect, type PanelControls, type PanelEvents, panelBase, panelHead, sliderRows } from './livePanel';
import { INITIAL_PRESETS, type InitialPreset, type LiveSettings, PARAMETERS } from './liveSettings';

/** `settings`: a model constant, the model, the firing-rate kind, the initial condition or the steps per frame changed */
export type LiveControlEvents = PanelEvents<LiveSettings>;

export type LiveControls = PanelControls<LiveSettings>;

export function liveControls(container: HTMLElement, initial: LiveSettings, on: LiveControlEvents): LiveControls {
  const base = panelBase(initial, 'grid', on);
  const { errors, emit } = base;

  // model (another family's model opens its page), firing rate, initial condition
  const model = modelSelect(base.settings.model, (m) => {
    base.settings.model = m as LiveSettings['model'];
    emit('model');
  });
  const firing = element('select', { name: 'phi' }, ...['step', 'constant', 'sigmoid'].map((k) => element('option', { value: k, textContent: k })));
  firing.addEventListener('change', () => {
    base.settings.firing = firing.value as LiveSettings['firing'];
    emit('params.phiF.kind');
  });
  const ic = element('select', { name: 'ic' }, ...Object.entries(INITIAL_PRESETS).map(([key, p]) => element('option', { value: key, textContent: p.label })));
  ic.addEventListener('change', () => {
    base.settings.initial = ic.value as InitialPreset;
    emit('initial');
  });

  // model constants
  const sliders = sliderRows(PARAMETERS, () => base.settings.values, errors, (_, field) => emit(field));

  // grid and particles: applied with a button, since they rebuild the solver
  const nv = element('input', { type: 'number', name: 'nv', min: '8', step: '1' });
  const ng = element('input', { type: 'number', name: 'ng', min: '8', step: '1' });
  const gmax = element('input', { type: 'number', name: 'gmax', step: 'any' });
  const particles = element('input', { type: 'number', name: 'particles', min: '0', step: '1' });
  const apply = element('button', { type: 'button', name: 'apply-grid', textContent: 'Apply (restarts)' });
  apply.addEventListener('click', () => {
    base.settings.nv = Number(nv.value);
    base.settings.ng = Number(ng.value);
    base.settings.gmax = Number(gmax.value);
    base.settings.particles = Number(particles.value);
    emit('grid');
  });

  container.append(
    ...panelHead(base, model, labelled('φF', firing), labelled('initial', ic), errors.line('model'), errors.line('initial')),
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

  return base.controls((s) => {
    model.value = s.model;
    firing.value = s.firing;
    ic.value = s.initial;
    sliders.set(s.values);
    nv.value = String(s.nv);
    ng.value = String(s.ng);
    gmax.value = String(s.gmax);
    particles.value = String(s.particles);
  });
}
