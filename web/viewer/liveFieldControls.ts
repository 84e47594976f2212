/**
 * The control panel of live mode for the Wilson–Cowan field: transport and steps per frame, the model selector,
 * the domain (plane or ring), the view of the plane (the cortex, or the visual field through the inverse
 * retino-cortical map), the kernel's kind with its amplitudes and widths, σ's kind, β and θ, the input s0 and
 * its noise as sliders with numbers, the grid and time step (applied with a button), the initial data
 * (applied with a button), N max, and the span of the N(t) plot. It only reports what the user asks for;
 * liveField.ts decides whether a change goes on from the running state.
 */
import { element } from './dom';
import { FIELD_DOMAIN_CHOICES, FIELD_INITIALS, FIELD_KERNELS, FIELD_PARAMETERS, FIELD_SCHEMES, FIELD_SIGMOIDS, FIELD_VIEWS, type FieldLiveSettings } from './liveFieldSettings';
import { appliedNumbers, labelled, modelSelect, nmaxField, panelHead, type PanelControls, type PanelEvents, panelBase, sliderRows, windowInput } from './livePanel';

export type FieldControls = PanelControls<FieldLiveSettings>;

type Choice = 'domain' | 'view' | 'kernel' | 'sigmoid' | 'scheme' | 'initial';

export function fieldControls(container: HTMLElement, initial: FieldLiveSettings, on: PanelEvents<FieldLiveSettings>): FieldControls {
  const base = panelBase(initial, 'grid', on);
  const { errors, emit } = base;
  const model = modelSelect('field');

  /** a selector of one of the settings' kinds; `changed` names its config field (view: a setting of the view) */
  const choice = <K extends Choice>(key: K, changed: string, values: readonly FieldLiveSettings[K][], labels: Record<FieldLiveSettings[K], string>) => {
    const select = element('select', { name: key }, ...values.map((v) => element('option', { value: v, textContent: labels[v] })));
    select.addEventListener('change', () => {
      base.settings[key] = select.value as FieldLiveSettings[K];
      // each domain has its own default grid (a 128² plane, a 256-point ring)
      if (key === 'domain') base.settings.n = select.value === 'plane' ? 128 : 256;
      enable();
      emit(changed);
    });
    return select;
  };
  const selects = {
    domain: choice('domain', 'field.domain', FIELD_DOMAIN_CHOICES, { plane: 'plane [0, L)², periodic', ring: 'ring [0, L), periodic' }),
    view: choice('view', 'view', FIELD_VIEWS, { cortex: 'cortex: N(x, y)', visual: 'visual field (hallucination): cortex = log(retina)' }),
    kernel: choice('kernel', 'field.kernel.kind', FIELD_KERNELS, { 'mexican-hat': 'difference of Gaussians', exponential: 'difference of exponentials' }),
    sigmoid: choice('sigmoid', 'field.sigmoid.kind', FIELD_SIGMOIDS, { logistic: 'logistic 1/(1 + e^{−β(N−θ)})', 'logistic-shifted': 'logistic − its value at 0', tanh: 'tanh(β(N − θ))' }),
    scheme: choice('scheme', 'time.scheme', FIELD_SCHEMES, { etdrk4: 'ETDRK4 (order 4)', etd1: 'exponential Euler (order 1)' }),
    initial: choice('initial', 'initial.kind', FIELD_INITIALS, { steady: 'a homogeneous steady state', uniform: 'uniform N0' }),
  };

  const sliders = sliderRows(FIELD_PARAMETERS, () => base.settings.values, errors, (_key, field) => emit(field));

  /** the view belongs to the plane; the index and N0 to their kind of initial data */
  function enable(): void {
    selects.view.disabled = base.settings.domain !== 'plane';
    initialFields.enable();
  }

  const grid = appliedNumbers(base, [
    { name: 'n', label: 'n', hint: 'grid points per side, a power of two (8 … 8192 for the plane); restarts', get: (s) => s.n, put: (s, x) => (s.n = x) },
    { name: 'L', label: 'L', hint: 'the period of the ring / the side of the plane [space]; restarts', get: (s) => s.L, put: (s, x) => (s.L = x) },
    { name: 'dt', label: 'dt', hint: 'the time step (the exponential integrator is exact for −N); goes on from the running state', get: (s) => s.dt, put: (s, x) => (s.dt = x) },
    nmaxField(),
  ]);
  const initialInputs = {
    index: element('input', { type: 'number', name: 'index', step: '1' }),
    N0: element('input', { type: 'number', name: 'N0', step: 'any' }),
    eps: element('input', { type: 'number', name: 'eps', step: 'any', min: '0' }),
    seed: element('input', { type: 'number', name: 'seed', step: '1', min: '0' }),
  };
  const applyInitial = element('button', { type: 'button', name: 'apply-initial', textContent: 'Apply' });
  applyInitial.addEventListener('click', () => {
    const s = base.settings;
    s.index = Number(initialInputs.index.value);
    s.N0 = Number(initialInputs.N0.value);
    s.eps = Number(initialInputs.eps.value);
    s.seed = Number(initialInputs.seed.value);
    emit('initial');
  });
  const initialFields = {
    enable(): void {
      initialInputs.index.disabled = base.settings.initial !== 'steady';
      initialInputs.N0.disabled = base.settings.initial !== 'uniform';
    },
    set(s: FieldLiveSettings): void {
      initialInputs.index.value = String(s.index);
      initialInputs.N0.value = String(s.N0);
      initialInputs.eps.value = String(s.eps);
      initialInputs.seed.value = String(s.seed);
    },
  };
  const span = windowInput(base);

  container.append(
    ...panelHead(
      base,
      model,
      labelled('domain', selects.domain, 'a change of domain restarts'),
      labelled('view', selects.view, 'the plane on the cortex, or as seen in the visual field (Ermentrout & Cowan 1979): rings, rays, spirals'),
      labelled('kernel', selects.kernel, 'w of the coupling w ∗ σ(N); its transform ŵ is recomputed at a change, the state goes on'),
      labelled('σ', selects.sigmoid, 'the firing-rate function'),
      errors.line('model'),
      errors.line('field.domain'),
      errors.line('field.kernel'),
      errors.line('field.sigmoid'),
    ),
    element('fieldset', { className: 'parameters' }, element('legend', { textContent: 'Kernel, σ and input (go on from the running state)' }), ...sliders.rows, errors.line('field'), errors.line('field.source')),
    grid.fieldset('Grid and time', 'n and L restart; dt, the scheme and N max go on from the running state', labelled('scheme', selects.scheme, 'the exponential integrator'), errors.line('time'), span.row),
    element(
      'fieldset',
      {},
      element('legend', { textContent: 'Initial data (restarts)' }),
      labelled('kind', selects.initial, 'a homogeneous level, plus a perturbation ε·U(−1, 1) at every point (Philox, the seed)'),
      labelled('index', initialInputs.index, 'the homogeneous steady state, 0 = the lowest, −1 = the highest'),
      labelled('N0', initialInputs.N0, 'the uniform level'),
      labelled('ε', initialInputs.eps, 'the amplitude of the perturbation'),
      labelled('seed', initialInputs.seed, 'the seed of the perturbation (and of the noise)'),
      applyInitial,
      errors.line('initial'),
    ),
  );

  return base.controls((s) => {
    for (const key of Object.keys(selects) as Choice[]) selects[key].value = s[key];
    sliders.set(s.values);
    grid.set(s);
    initialFields.set(s);
    span.set(s);
    enable();
  });
}
