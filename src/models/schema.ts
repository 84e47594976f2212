/**
 * The config machinery every model family shares: the error that names a field and its allowed range,
 * number schemas that state their range (and the f32 range the kernels impose), and parsing with the
 * first problem reported by its dotted path. Each family's blocks live beside its equations
 * (src/models/config.ts for the voltage-conductance family, src/models/nnlif/config.ts for NNLIF).
 */
import { z } from 'zod';

/** A config error names the offending field (dotted path) and the allowed range. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`config error: ${field}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface RangeSpec {
  min?: number;
  max?: number;
  /** min is excluded (a strict lower bound, e.g. ε > 0) */
  minOpen?: boolean;
  integer?: boolean;
}

function describeRange({ min, max, minOpen, integer }: RangeSpec): string {
  const kind = integer ? 'an integer' : 'a finite number';
  const lo = min === undefined ? '(-∞' : `${minOpen ? '(' : '['}${min}`;
  const hi = max === undefined ? '∞)' : `${max}]`;
  return `must be ${kind} in ${lo}, ${hi}`;
}

/** Largest finite f32: every real-valued key reaches the GPU as f32, so larger magnitudes are bad input. */
export const F32_MAX = 3.4028234663852886e38;

/**
 * A number schema whose error message states the allowed range. Real-valued keys without a bound of
 * their own are bounded by the f32 range (±3.4028235e38), since the kernels read them as f32.
 */
export function num(given: RangeSpec = {}) {
  const spec: RangeSpec = given.integer ? given : { ...given, min: given.min ?? -F32_MAX, max: given.max ?? F32_MAX };
  const message = describeRange(spec).replace(/-?3\.4028234663852886e\+38/g, (m) => (m.startsWith('-') ? '-3.4028235e38' : '3.4028235e38')) + (spec.max === F32_MAX || spec.min === -F32_MAX ? ' (the f32 range)' : '');
  return z
    .number({ error: (issue) => `${message} (got ${formatInput(issue.input)})` })
    .refine(
      (x) =>
        Number.isFinite(x) &&
        (!spec.integer || Number.isInteger(x)) &&
        (spec.min === undefined || (spec.minOpen ? x > spec.min : x >= spec.min)) &&
        (spec.max === undefined || x <= spec.max),
      { error: (issue) => `${message} (got ${formatInput(issue.input)})` },
    );
}

function formatInput(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === undefined) return 'nothing';
  try {
    return typeof x === 'number' ? String(x) : JSON.stringify(x);
  } catch {
    return String(x);
  }
}


function issuePath(path: PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(root)';
}

/** Parse `input` with `schema`; the first problem becomes a ConfigError naming its field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, hint?: (key: string, path: string) => string | undefined): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let problem = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const where = issuePath(issue.path);
      const hints = issue.keys.map((k) => hint?.(k, where)).filter((h): h is string => !!h);
      problem = `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}${hints.length ? ` (${hints.join('; ')})` : ''}`;
      // one unknown key: name the key itself
      if (issue.keys.length === 1) throw new ConfigError(issuePath([...issue.path, issue.keys[0]!]), problem);
    }
    throw new ConfigError(issuePath(issue.path), problem);
  }
  return parsed.data;
}
