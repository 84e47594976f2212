/**
 * The model families and their run configs: a union on `model`. Each family keeps its schema and the
 * resolution of a run next to its equations (models/vc/config.ts, models/nnlif/config.ts); this file
 * registers them, picks the family from `model` (default "vc"), parses with that family's schema, and
 * turns an unknown key that belongs to another family into an error saying where it belongs. A new model
 * family is its folder plus one entry of MODEL_FAMILIES.
 */
import { z } from 'zod';
import { type ElapsedRunConfig, elapsedRunSchema, resolveElapsedParsed } from './elapsed/config';
import { type NeuronsRunConfig, neuronsRunSchema, resolveNeuronsParsed } from './neurons/config';
import { type FieldRunConfig, fieldRunSchema, resolveFieldParsed } from './field/config';
import { type NnlifRunConfig, nnlifRunSchema, resolveNnlifParsed } from './nnlif/config';
import { ConfigError, parseWith } from './schema';
import { type KinfireConfig, resolveVcConfig, VC_MODELS, vcRunSchema } from './vc/config';

export interface ModelFamily {
  /** the family's name, as in src/models/<name>/ */
  name: 'vc' | 'nnlif' | 'elapsed' | 'neurons' | 'field';
  /** the values of `model` it takes */
  models: readonly string[];
  /** its run config (a strict object with a `model` key) */
  schema: z.ZodObject;
  /** the block of its model parameters */
  block: string;
  /** words for messages: "the vc models" */
  title: string;
}

export const MODEL_FAMILIES: readonly ModelFamily[] = [
  { name: 'vc', models: VC_MODELS, schema: vcRunSchema, block: 'params', title: 'the vc models' },
  { name: 'nnlif', models: ['nnlif'], schema: nnlifRunSchema, block: 'nnlif', title: 'the nnlif model' },
  { name: 'elapsed', models: ['elapsed'], schema: elapsedRunSchema, block: 'elapsed', title: 'the elapsed-time model' },
  { name: 'neurons', models: ['neurons'], schema: neuronsRunSchema, block: 'neurons', title: 'the single-neuron ensembles' },
  { name: 'field', models: ['field'], schema: fieldRunSchema, block: 'field', title: 'the Wilson–Cowan field' },
];

export const MODELS = MODEL_FAMILIES.flatMap((f) => f.models);

/** Every run config, the union on `model` (a missing model is "vc"). */
export const configSchema = z.preprocess(
  (x) => (typeof x === 'object' && x !== null && !Array.isArray(x) && !('model' in x) ? { ...x, model: 'vc' } : x),
  z.discriminatedUnion('model', [vcRunSchema, nnlifRunSchema, elapsedRunSchema, neuronsRunSchema, fieldRunSchema]),
);
export type ConfigInput = z.input<typeof vcRunSchema> | z.input<typeof nnlifRunSchema> | z.input<typeof elapsedRunSchema> | z.input<typeof neuronsRunSchema> | z.input<typeof fieldRunSchema>;

const quoted = (models: readonly string[]) => models.map((m) => JSON.stringify(m)).join(', ');

/** The family of a raw config, from its `model` (ConfigError naming `model` when it is none of them). */
export function familyOf(raw: unknown): ModelFamily {
  const model = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>).model : undefined;
  if (model === undefined) return MODEL_FAMILIES[0]!;
  const family = MODEL_FAMILIES.find((f) => f.models.includes(model as string));
  if (!family) throw new ConfigError('model', `must be one of ${quoted(MODELS)} (got ${JSON.stringify(model)})`);
  return family;
}

/** The object shape of a schema under its defaults and optionals, or undefined. */
function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  let t: unknown = schema;
  for (let depth = 0; depth < 8 && t; depth++) {
    if (t instanceof z.ZodObject) return t.shape as Record<string, z.ZodType>;
    if (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t.def.innerType;
    else return undefined;
  }
  return undefined;
}

/** The shape at a dotted path ("(root)", "grid", "nnlif.firing") of a family's schema. */
function shapeAt(family: ModelFamily, where: string): Record<string, z.ZodType> | undefined {
  let shape = shapeOf(family.schema);
  if (where === '(root)') return shape;
  for (const key of where.split('.')) shape = shapeOf(shape?.[key]);
  return shape;
}

/** For an unknown key of `family`'s config: which family it belongs to, and what to use instead. */
export function wrongFamilyHint(family: ModelFamily): (key: string, where: string) => string | undefined {
  return (key, where) => {
    const owner = MODEL_FAMILIES.find((f) => f !== family && shapeAt(f, where)?.[key] !== undefined);
    if (!owner) return undefined;
    if (where === '(root)' && key === owner.block) {
      return `the "${key}" block is only used with model ${quoted(owner.models)}; model ${quoted(family.models)} takes its parameters from the "${family.block}" block`;
    }
    const name = where === '(root)' ? key : `${where}.${key}`;
    return `${name} is a key of ${owner.title} (model ${quoted(owner.models)})`;
  };
}

/** Parses a raw config with its family's schema. */
export function parseConfig(
  raw: unknown,
): { family: 'vc'; parsed: z.output<typeof vcRunSchema> } | { family: 'nnlif'; parsed: z.output<typeof nnlifRunSchema> } | { family: 'elapsed'; parsed: z.output<typeof elapsedRunSchema> } | { family: 'neurons'; parsed: z.output<typeof neuronsRunSchema> } | { family: 'field'; parsed: z.output<typeof fieldRunSchema> } {
  const family = familyOf(raw);
  if (family.name === 'nnlif') return { family: 'nnlif', parsed: parseWith(nnlifRunSchema, raw, wrongFamilyHint(family)) };
  if (family.name === 'elapsed') return { family: 'elapsed', parsed: parseWith(elapsedRunSchema, raw, wrongFamilyHint(family)) };
  if (family.name === 'neurons') return { family: 'neurons', parsed: parseWith(neuronsRunSchema, raw, wrongFamilyHint(family)) };
  if (family.name === 'field') return { family: 'field', parsed: parseWith(fieldRunSchema, raw, wrongFamilyHint(family)) };
  return { family: 'vc', parsed: parseWith(vcRunSchema, raw, wrongFamilyHint(family)) };
}

/**
 * Validate and resolve a config (an object parsed from JSON) for the kinetic solver or the limit model:
 * models "vc", "vc-threshold", "vc-limit". Throws ConfigError naming the field.
 */
export function resolveConfig(input: unknown): KinfireConfig {
  const c = parseConfig(input);
  if (c.family !== 'vc') {
    throw new ConfigError('model', `model ${JSON.stringify(c.parsed.model)} is not taken by this command: \`kinfire run\` solves its Fokker–Planck PDE and \`kinfire particles\` its neurons (the models here are ${quoted(VC_MODELS)})`);
  }
  return resolveVcConfig(c.parsed);
}

/** Validate and resolve a config for the NNLIF PDE (model "nnlif"). Throws ConfigError naming the field and the range. */
export function resolveNnlifRunConfig(input: unknown): NnlifRunConfig {
  const c = parseConfig(input);
  if (c.family !== 'nnlif') throw new ConfigError('model', `must be "nnlif" for the NNLIF PDE (got ${JSON.stringify(c.parsed.model)})`);
  return resolveNnlifParsed(c.parsed, input);
}

/** Validate and resolve a config for the elapsed-time model (model "elapsed"). Throws ConfigError naming the field and the range. */
export function resolveElapsedRunConfig(input: unknown): ElapsedRunConfig {
  const c = parseConfig(input);
  if (c.family !== 'elapsed') throw new ConfigError('model', `must be "elapsed" for the elapsed-time model (got ${JSON.stringify(c.parsed.model)})`);
  return resolveElapsedParsed(c.parsed);
}

/** Validate and resolve a config for the single-neuron ensembles (model "neurons", `kinfire neurons`). Throws ConfigError naming the field and the range. */
export function resolveNeuronsRunConfig(input: unknown): NeuronsRunConfig {
  const c = parseConfig(input ?? { model: 'neurons' });
  if (c.family !== 'neurons') throw new ConfigError('model', `must be "neurons" for \`kinfire neurons\` (got ${JSON.stringify(c.parsed.model)})`);
  return resolveNeuronsParsed(c.parsed);
}

/** Validate and resolve a config for the Wilson–Cowan field (model "field"); the .npy files it names are read later (src/io/fieldInputs.ts). */
export function resolveFieldRunConfig(input: unknown): FieldRunConfig {
  const c = parseConfig(input);
  if (c.family !== 'field') throw new ConfigError('model', `must be "field" for the Wilson–Cowan field (got ${JSON.stringify(c.parsed.model)})`);
  return resolveFieldParsed(c.parsed);
}
