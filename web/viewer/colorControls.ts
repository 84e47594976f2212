/**
 * The colour controls of the density panel, shared by playback and live mode: colour map, linear or
 * log scale, and an automatic or fixed range. A fixed range that cannot be drawn (not a number,
 * min ≥ max, min ≤ 0 on a log scale) is reported next to its field and not passed on, so the view
 * keeps its last valid settings. The settings travel in the URL as `cmap`, `scale` and `range`
 * (`auto` or `min,max`).
 */
import { COLOR_MAP_NAMES, type ColorMapName } from '../../src/render/colormaps';
import { element } from './dom';

export interface ColorSettings {
  colorMap: ColorMapName;
  scale: 'linear' | 'log';
  range: 'auto' | { min: number; max: number };
}

export interface ColorControls {
  get(): ColorSettings;
  /** show `s` (without calling onChange) */
  set(s: ColorSettings): void;
  /** while the range is automatic, show its current values in the (disabled) min/max fields, so unticking "auto" starts from them */
  showAutoRange(range: { min: number; max: number }): void;
}

/** What is wrong with a fixed range on a scale, and in which field; null when it can be drawn. */
function rangeProblem(min: number, max: number, scale: 'linear' | 'log'): { field: 'min' | 'max'; message: string } | null {
  if (!Number.isFinite(min)) return { field: 'min', message: 'min must be a finite number' };
  if (!Number.isFinite(max)) return { field: 'max', message: 'max must be a finite number' };
  if (scale === 'log' && !(min > 0)) return { field: 'min', message: 'min must be > 0 on a log scale' };
  if (!(min < max)) return { field: 'max', message: 'max must be greater than min' };
  return null;
}

/** A number typed in a field; NaN for an empty or unreadable one (Number('') would be 0). */
function fieldNumber(input: HTMLInputElement): number {
  return input.value.trim() === '' ? Number.NaN : Number(input.value);
}

export function colorControls(container: HTMLElement, initial: ColorSettings, onChange: (s: ColorSettings) => void): ColorControls {
  const colorMap = element('select', { name: 'cmap' }, ...COLOR_MAP_NAMES.map((name) => element('option', { value: name, textContent: name })));
  const scale = element('select', { name: 'scale' }, element('option', { value: 'linear', textContent: 'linear' }), element('option', { value: 'log', textContent: 'log' }));
  const auto = element('input', { type: 'checkbox', name: 'range-auto' });
  const min = element('input', { type: 'number', name: 'range-min', step: 'any' });
  const max = element('input', { type: 'number', name: 'range-max', step: 'any' });
  const errors = { min: element('p', { className: 'field-error', hidden: true }), max: element('p', { className: 'field-error', hidden: true }) };
  const row = (text: string, control: HTMLElement) => element('label', {}, element('span', { textContent: text }), control);
  container.append(
    element(
      'fieldset',
      { className: 'color-controls' },
      element('legend', { textContent: 'Colour' }),
      row('colour map', colorMap),
      row('scale', scale),
      row('auto range', auto),
      row('min', min),
      errors.min,
      row('max', max),
      errors.max,
    ),
  );

  let current = initial;

  const showProblem = (problem: { field: 'min' | 'max'; message: string } | null) => {
    for (const field of ['min', 'max'] as const) {
      const error = errors[field];
      error.hidden = problem?.field !== field;
      error.textContent = problem?.field === field ? problem.message : '';
      (field === 'min' ? min : max).setAttribute('aria-invalid', String(problem?.field === field));
    }
  };

  const show = (s: ColorSettings) => {
    colorMap.value = s.colorMap;
    scale.value = s.scale;
    auto.checked = s.range === 'auto';
    min.disabled = max.disabled = s.range === 'auto';
    if (s.range !== 'auto') {
      min.value = String(s.range.min);
      max.value = String(s.range.max);
    }
    showProblem(null);
  };

  const read = () => {
    min.disabled = max.disabled = auto.checked;
    const next: ColorSettings = { colorMap: colorMap.value as ColorMapName, scale: scale.value === 'log' ? 'log' : 'linear', range: 'auto' };
    if (!auto.checked) {
      const range = { min: fieldNumber(min), max: fieldNumber(max) };
      const problem = rangeProblem(range.min, range.max, next.scale);
      showProblem(problem);
      if (problem) return;
      next.range = range;
    } else showProblem(null);
    current = next;
    onChange(next);
  };

  for (const control of [colorMap, scale, auto, min, max]) control.addEventListener('change', read);
  show(initial);

  return {
    get: () => current,
    set(s) {
      current = s;
      show(s);
    },
    showAutoRange(range) {
      if (current.range !== 'auto') return;
      min.value = String(Number(range.min.toPrecision(4)));
      max.value = String(Number(range.max.toPrecision(4)));
    },
  };
}

/** The settings in a URL; anything missing or unusable takes its default (viridis, linear, auto). */
export function colorSettingsFromUrl(params: URLSearchParams): ColorSettings {
  const name = params.get('cmap');
  const colorMap = COLOR_MAP_NAMES.find((n) => n === name) ?? 'viridis';
  const scale = params.get('scale') === 'log' ? 'log' : 'linear';
  const parts = (params.get('range') ?? 'auto').split(',');
  if (parts.length === 2 && parts.every((p) => p.trim() !== '')) {
    const [min, max] = parts.map(Number) as [number, number];
    if (!rangeProblem(min, max, scale)) return { colorMap, scale, range: { min, max } };
  }
  return { colorMap, scale, range: 'auto' };
}

export function colorSettingsToUrl(s: ColorSettings): Record<string, string> {
  return { cmap: s.colorMap, scale: s.scale, range: s.range === 'auto' ? 'auto' : `${s.range.min},${s.range.max}` };
}
