/**
 * The control panel of live mode for the elapsed-time model: transport and steps per frame, the model
 * selector, the coupling kernel (instant, delay, exponential), the firing rate (threshold, with φ0 = ∞ as an
 * option, or sigmoid) and the threshold age s*(X) (hyperbolic or linear), every constant as a slider with a
 * number (those the chosen kinds do not use are disabled), the initial Gaussian of ages, the time step and
 * smax (applied with a button), N max, and the span of the N(t) plot. It only reports what the user asks
 * for; liveElapsed.ts decides whether a change goes on from the running state.
 */
import { element } from './dom';
import { ELAPSED_AGES, ELAPSED_FIRINGS, ELAPSED_KERNELS, ELAPSED_PARAMETERS, type ElapsedLiveSettings } from './liveElapsedSettings';
import { labelled, modelSelect, type PanelControls, type PanelEvents, panelBase, sliderRows } from './livePanel';

/** `settings`: a setting changed; `changed` is its config field (elapsed.b), or grid, window, spf */
export type ElapsedControlEvents = PanelEvents<ElapsedLiveSettings>;

export type ElapsedControls = PanelControls<ElapsedLiveSettings>;

const choice = <T extends string>(name: string, values: readonly T[], labels: Record<T, string>) => element('select', { name }, ...values.map((v) => element('option', { value: v, textContent: labels[v] })));

export function elapsedControls(container: HTMLElement, initial: ElapsedLiveSettings, on: ElapsedControlEvents): ElapsedControls {
  const base = panelBase(initial, 'grid', on);
  const { errors, emit, transport } = base;

  const model = modelSelect('elapsed');
  const kernel = choice('kernel', ELAPSED_KERNELS, { instant: 'instant: X = b·N(t)', delay: 'delay: X = b·N(t − d)', exponential: 'exponential: α(u) = e^{−u/τ}/τ' });
  const firing = choice('firing', ELAPSED_FIRINGS, { threshold: 'threshold: φ0·1{s > s*}', sigmoid: 'sigmoid: φ0/(1 + e^{−(s − s*)/w})' });
  const age = choice('age', ELAPSED_AGES, { hyperbolic: 'hyperbolic: s0/(1 + kX)', linear: 'linear: max(s0 − kX, smin)' });
  const infinite = element('input', { type: 'checkbox', name: 'infinite' });
  kernel.addEventListener('change', () => {
    base.settings.kernel = kernel.value as ElapsedLiveSettings['kernel'];
    enable();
    emit('elapsed.kernel');
  });
  firing.addEventListener('change', () => {
    base.settings.firing = firing.value as ElapsedLiveSettings['firing'];
    if (base.settings.firing === 'sigmoid') base.settings.infinite = infinite.checked = false;
    enable();
    emit('elapsed.firing');
  });
  age.addEventListener('change', () => {
    base.settings.thresholdAge = age.value as ElapsedLiveSettings['thresholdAge'];
    enable();
    emit('elapsed.thresholdAge');
  });
  infinite.addEventListener('change', () => {
    base.settings.infinite = infinite.checked;
    enable();
    emit('elapsed.phi0');
  });

  const sliders = sliderRows(ELAPSED_PARAMETERS, () => base.settings.values, errors, (key, field, from) => {
    // the delay must be a whole number of steps: the slider moves in steps of dt (a typed value is the
    // user's, and the config says if it is not one)
    const s = base.settings;
    if (key === 'd' && from === 'slider' && s.dt > 0) {
      s.values.d = Number((Math.max(1, Math.round(s.values.d / s.dt)) * s.dt).toPrecision(12));
      sliders.set(s.values);
    }
    emit(field);
  });

  /** The constants the chosen kinds do not use are disabled. */
  function enable(): void {
    const s = base.settings;
    sliders.enable('phi0', !s.infinite);
    sliders.enable('w', s.firing === 'sigmoid');
    sliders.enable('smin', s.thresholdAge === 'linear');
    sliders.enable('d', s.kernel === 'delay');
    sliders.enable('tau', s.kernel === 'exponential');
    infinite.disabled = s.firing !== 'threshold';
  }

  // time step and smax: applied with a button (they move the age cells); N max
  const dt = element('input', { type: 'number', name: 'dt', step: 'any' });
  const smax = element('input', { type: 'number', name: 'smax', step: 'any' });
  const Nmax = element('input', { type: 'number', name: 'Nmax', step: 'any' });
  const apply = element('button', { type: 'button', name: 'apply-grid', textContent: 'Apply' });
  apply.addEventListener('click', () => {
    const s = base.settings;
    s.dt = Number(dt.value);
    s.smax = Number(smax.value);
    s.Nmax = Number(Nmax.value);
    emit('grid');
  });
  const span = element('input', { type: 'number', name: 'window', step: 'any', min: '0' });
  span.addEventListener('change', () => {
    base.settings.window = Number(span.value);
    emit('window');
  });

  container.append(
    transport.fieldset,
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Model' }),
      labelled('model', model),
      labelled('kernel', kernel, 'the coupling kernel α of X(t) = b·∫α(u)N(t − u)du; a change of kind restarts'),
      labelled('firing', firing, 'the firing rate p(s, X) above the threshold age s*(X)'),
      labelled('φ₀ = ∞', infinite, 'threshold firing only: a neuron fires exactly when its age reaches s*'),
      labelled('s*(X)', age, 'the threshold age'),
      errors.line('model'),
      errors.line('elapsed.kernel'),
      errors.line('elapsed.firing'),
      errors.line('elapsed.thresholdAge'),
    ),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Parameters and initial ages' }), ...sliders.rows, errors.line('elapsed'), errors.line('initial')),
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Age cells and time' }),
      labelled('dt', dt, 'time step, also the width of an age cell (the transport is an exact shift by one cell a step); restarts'),
      labelled('s max', smax, 'the largest age resolved; the last cell holds every age beyond; restarts'),
      labelled('N max', Nmax, 'a step whose N would exceed it is refused: status blowup'),
      apply,
      element('p', { className: 'hint', textContent: 'dt and s max restart; N max goes on from the running state' }),
      errors.line('grid'),
      errors.line('time'),
      labelled('N(t) span', span, 'the span of time the N(t) plot shows'),
    ),
  );

  const controls: ElapsedControls = {
    showError: errors.show,
    setPlaying: transport.setPlaying,
    set(s) {
      base.settings = structuredClone(s);
      kernel.value = s.kernel;
      firing.value = s.firing;
      age.value = s.thresholdAge;
      infinite.checked = s.infinite;
      sliders.set(s.values);
      enable();
      transport.setStepsPerFrame(s.stepsPerFrame);
      dt.value = String(s.dt);
      smax.value = String(s.smax);
      Nmax.value = String(s.Nmax);
      span.value = String(s.window);
    },
  };
  controls.set(base.settings);
  return controls;
}
