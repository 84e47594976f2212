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
import { appliedNumbers, labelled, modelSelect, nmaxField, panelHead, type PanelControls, type PanelEvents, panelBase, sliderRows, windowInput } from './livePanel';

/** `settings`: a setting changed; `changed` is its config field (elapsed.b), or grid, window, spf */
export type ElapsedControlEvents = PanelEvents<ElapsedLiveSettings>;

export type ElapsedControls = PanelControls<ElapsedLiveSettings>;

const KINDS = ['kernel', 'firing', 'thresholdAge'] as const;

export function elapsedControls(container: HTMLElement, initial: ElapsedLiveSettings, on: ElapsedControlEvents): ElapsedControls {
  const base = panelBase(initial, 'grid', on);
  const { errors, emit } = base;

  const model = modelSelect('elapsed');
  /** the kinds of the model: each a selector, a setting whose change is its config field (a kind may restart) */
  const kind = <K extends (typeof KINDS)[number]>(key: K, label: string, hint: string, values: readonly ElapsedLiveSettings[K][], labels: Record<ElapsedLiveSettings[K], string>) => {
    const select = element('select', { name: key === 'thresholdAge' ? 'age' : key }, ...values.map((v) => element('option', { value: v, textContent: labels[v] })));
    select.addEventListener('change', () => {
      base.settings[key] = select.value as ElapsedLiveSettings[K];
      // φ0 = ∞ is the threshold firing's limit
      if (key === 'firing' && select.value === 'sigmoid') base.settings.infinite = infinite.checked = false;
      enable();
      emit(`elapsed.${key}`);
    });
    return { select, row: labelled(label, select, hint) };
  };
  const infinite = element('input', { type: 'checkbox', name: 'infinite' });
  const kinds = {
    kernel: kind('kernel', 'kernel', 'the coupling kernel α of X(t) = b·∫α(u)N(t − u)du; a change of kind restarts', ELAPSED_KERNELS, { instant: 'instant: X = b·N(t)', delay: 'delay: X = b·N(t − d)', exponential: 'exponential: α(u) = e^{−u/τ}/τ' }),
    firing: kind('firing', 'firing', 'the firing rate p(s, X) above the threshold age s*(X)', ELAPSED_FIRINGS, { threshold: 'threshold: φ0·1{s > s*}', sigmoid: 'sigmoid: φ0/(1 + e^{−(s − s*)/w})' }),
    thresholdAge: kind('thresholdAge', 's*(X)', 'the threshold age', ELAPSED_AGES, { hyperbolic: 'hyperbolic: s0/(1 + kX)', linear: 'linear: max(s0 − kX, smin)' }),
  };
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
  const grid = appliedNumbers(base, [
    { name: 'dt', label: 'dt', hint: 'time step, also the width of an age cell (the transport is an exact shift by one cell a step); restarts', get: (s) => s.dt, put: (s, x) => (s.dt = x) },
    { name: 'smax', label: 's max', hint: 'the largest age resolved; the last cell holds every age beyond; restarts', get: (s) => s.smax, put: (s, x) => (s.smax = x) },
    nmaxField(),
  ]);
  const span = windowInput(base);

  container.append(
    ...panelHead(
      base,
      model,
      kinds.kernel.row,
      kinds.firing.row,
      labelled('φ₀ = ∞', infinite, 'threshold firing only: a neuron fires exactly when its age reaches s*'),
      kinds.thresholdAge.row,
      errors.line('model'),
      errors.line('elapsed.kernel'),
      errors.line('elapsed.firing'),
      errors.line('elapsed.thresholdAge'),
    ),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Parameters and initial ages' }), ...sliders.rows, errors.line('elapsed'), errors.line('initial')),
    grid.fieldset('Age cells and time', 'dt and s max restart; N max goes on from the running state', errors.line('time'), span.row),
  );

  return base.controls((s) => {
    for (const kind of KINDS) kinds[kind].select.value = s[kind];
    infinite.checked = s.infinite;
    sliders.set(s.values);
    enable();
    grid.set(s);
    span.set(s);
  });
}
