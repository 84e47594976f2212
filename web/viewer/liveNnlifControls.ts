/**
 * The control panel of live mode for nnlif: transport and steps per frame, the model selector, the number
 * of populations K (1 … 8), the population whose constants are shown, a config file to load (a network,
 * examples/nnlif-ei-compare.json), the threshold (hard or soft) and every constant of that population and
 * of its initial Gaussian as a slider with a number, its couplings b[α][β] and a1[α][β] to every population
 * β, the delay, the grid and the time step (applied with a button), and the span of the N(t) plot. It only
 * reports what the user asks for; liveNnlif.ts decides whether a change goes on from the running state.
 */
import { ConfigError } from '../../src/models/schema';
import { resolveNnlifRunConfig } from '../../src/models/registry';
import { NNLIF_MAX_POPULATIONS } from '../../src/host/nnlifSolver';
import { element } from './dom';
import { appliedNumbers, labelled, modelSelect, nmaxField, panelHead, type PanelControls, type PanelEvents, panelBase, type SliderSpec, sliderRows, windowInput } from './livePanel';
import { fixVmin, NNLIF_COUPLING_PARAMETERS, NNLIF_POPULATION_PARAMETERS, type NnlifFiringKind, type NnlifLiveSettings, nnlifSettingsOfConfig, withPopulationCount } from './liveNnlifSettings';

/** `settings`: a setting changed; `changed` is its config field (nnlif.b), or grid, window, spf, populations, load */
export type NnlifControlEvents = PanelEvents<NnlifLiveSettings>;

export type NnlifControls = PanelControls<NnlifLiveSettings>;

export function nnlifControls(container: HTMLElement, initial: NnlifLiveSettings, on: NnlifControlEvents): NnlifControls {
  const base = panelBase(initial, 'grid', on);
  const { errors, emit } = base;
  /** the population whose constants the sliders show */
  let shown = 0;
  const pops = () => base.settings.populations;

  const model = modelSelect('nnlif');
  const count = element('input', { type: 'number', name: 'populations', min: '1', max: String(NNLIF_MAX_POPULATIONS), step: '1' });
  count.addEventListener('change', () => {
    base.settings = withPopulationCount(base.settings, Number(count.value));
    fixVmin(base.settings);
    shown = Math.min(shown, pops().length - 1);
    show();
    emit('populations');
  });
  const which = element('select', { name: 'population' });
  which.addEventListener('change', () => {
    shown = Number(which.value);
    show();
  });
  const whichRow = labelled('population', which, 'the population whose constants and couplings are shown');
  const file = element('input', { type: 'file', name: 'config-file', accept: '.json,application/json' });
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      const config = resolveNnlifRunConfig(JSON.parse(await chosen.text()));
      base.settings = nnlifSettingsOfConfig(config, base.settings);
      shown = 0;
      errors.show(null);
      show();
      emit('load');
    } catch (err) {
      errors.show('load', `${chosen.name}: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}`);
    }
  });
  const firing = element('select', { name: 'firing' }, element('option', { value: 'hard', textContent: 'hard (absorbing at V_F)' }), element('option', { value: 'soft', textContent: 'soft (rate above V_F)' }));
  firing.addEventListener('change', () => {
    pops()[shown]!.firing = firing.value as NnlifFiringKind;
    sliders.enable('rate', firing.value === 'soft');
    emit('nnlif.firing');
  });

  // The sliders of the population shown and of its couplings, made again when K or the population changes.
  const parameters = element('fieldset', { className: 'parameters' });
  let sliders: ReturnType<typeof populationSliders>;
  let couplings: ReturnType<typeof couplingSliders>;

  function populationSliders() {
    return sliderRows(NNLIF_POPULATION_PARAMETERS, () => pops()[shown]!.values, errors, (_, field) => emit(field));
  }

  /** One population: b, a1 and the delay. A network: b[α][β] and a1[α][β] of the population α shown, for every β, and the delay. */
  function couplingSliders() {
    const K = pops().length;
    const [b, a1, delay] = NNLIF_COUPLING_PARAMETERS as [SliderSpec<'b'>, SliderSpec<'a1'>, SliderSpec<'delay'>];
    const row = (spec: SliderSpec, label: string) =>
      pops().map((p, beta) => ({ ...spec, key: K === 1 ? spec.key : `${spec.key}.${beta}`, label: K === 1 ? spec.label : `${label} ← ${p.name}`, hint: K === 1 ? spec.hint : `${spec.hint}; the effect of ${p.name} on ${pops()[shown]!.name}` }));
    const specs = [...row(b, 'b'), ...row(a1, 'a₁'), delay];
    const values: Record<string, number> = {};
    const read = () => {
      const s = base.settings;
      pops().forEach((_, beta) => {
        values[K === 1 ? 'b' : `b.${beta}`] = s.b[shown]![beta]!;
        values[K === 1 ? 'a1' : `a1.${beta}`] = s.a1[shown]![beta]!;
      });
      values.delay = s.delay;
      return values;
    };
    read();
    const rows = sliderRows(specs, () => values, errors, (key, field, from) => {
      const s = base.settings;
      if (key === 'delay') {
        // the delay must be a whole number of steps: the slider moves in steps of dt (a typed value is the
        // user's, and the config says if it is not one)
        s.delay = from === 'slider' && s.dt > 0 ? Number((Math.round(values.delay! / s.dt) * s.dt).toPrecision(12)) : values.delay!;
        values.delay = s.delay;
        rows.set(values);
      } else {
        const [matrix, beta] = key.split('.') as ['b' | 'a1', string | undefined];
        s[matrix][shown]![beta === undefined ? 0 : Number(beta)] = values[key]!;
      }
      emit(field);
    });
    return { ...rows, read };
  }

  function show(): void {
    const s = base.settings;
    const K = pops().length;
    count.value = String(K);
    which.replaceChildren(...pops().map((p, a) => element('option', { value: String(a), textContent: p.name })));
    which.value = String(shown);
    whichRow.hidden = K === 1;
    const pop = pops()[shown]!;
    firing.value = pop.firing;
    sliders = populationSliders();
    couplings = couplingSliders();
    parameters.replaceChildren(
      element('legend', { textContent: K === 1 ? 'Parameters and initial data' : `Population ${pop.name}: parameters, initial data, couplings` }),
      ...sliders.rows,
      ...couplings.rows,
      errors.line('nnlif'),
      errors.line('initial'),
    );
    sliders.set(pop.values);
    sliders.enable('rate', pop.firing === 'soft');
    couplings.set(couplings.read());
    grid.set(s);
    span.set(s);
  }

  // grid, time step and Nmax: applied with a button (nv and vmin move the grid)
  const grid = appliedNumbers(base, [
    { name: 'nv', label: 'nv', hint: 'nodes of the v axis of every population; restarts', get: (s) => s.nv, put: (s, x) => (s.nv = x) },
    { name: 'dt', label: 'dt', hint: 'time step (backward Euler, any size is stable); goes on from the state, restarts when d > 0', get: (s) => s.dt, put: (s, x) => (s.dt = x) },
    { name: 'vmin', label: 'v min', hint: 'bottom of the v axis of the population shown; restarts', get: (s) => s.populations[shown]!.vmin, put: (s, x) => (s.populations[shown]!.vmin = x) },
    nmaxField(),
  ]);
  const span = windowInput(base);

  container.append(
    ...panelHead(
      base,
      model,
      labelled('populations', count, `K, the populations of the network (1 … ${NNLIF_MAX_POPULATIONS}); a new one copies the last, coupled only to itself; restarts`),
      whichRow,
      labelled('threshold', firing, 'restarts: the soft threshold has the axis go on to VF + 1'),
      labelled('config', file, 'a kinfire config of model nnlif (JSON), e.g. examples/nnlif-ei-compare.json: its populations, couplings, delay, nv, dt and Nmax; restarts'),
      errors.line('load'),
      errors.line('model'),
      errors.line('nnlif.firing'),
      errors.line('nnlif.populations'),
    ),
    parameters,
    grid.fieldset('Grid and time', 'nv and v min restart; dt and N max go on from the running state (dt restarts when d > 0)', errors.line('nnlif.vmin'), errors.line('time'), span.row),
  );

  /**
   * A network's config names nnlif.populations.α.<key>: shown under the control of <key> when α is the
   * population shown, else under the parameters with α's name.
   */
  const showError: NnlifControls['showError'] = (field, message) => {
    const match = field?.match(/^nnlif\.populations\.(\d+)\.(.+)$/);
    if (!match) return errors.show(field, message);
    const alpha = Number(match[1]);
    const key = match[2]!;
    if (alpha === shown) errors.show(key.startsWith('initial.') ? key : `nnlif.${key}`, message);
    else errors.show('nnlif', `${pops()[alpha]?.name ?? `population ${alpha}`}: ${message ?? ''}`);
  };
  return base.controls((s) => {
    shown = Math.min(shown, s.populations.length - 1);
    show();
  }, showError);
}
