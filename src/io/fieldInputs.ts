/** The .npy files a field config names (kernel, W, source, initial data), read and checked; ConfigError names the key. */
import { type FieldArrays, type FieldRunConfig, checkFieldArrays } from '../models/field/config';
import { ConfigError } from '../models/schema';
import { readNpy } from './npy';

function read(field: string, path: string): { data: Float32Array | Float64Array; shape: number[] } {
  try {
    return readNpy(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(field, `cannot read ${JSON.stringify(path)} as a float32/float64 .npy: ${code ?? (e as Error).message}`);
  }
}

/** Reads every .npy the config names; returns the arrays and the config with the network's M set. */
export function readFieldInputs(config: FieldRunConfig): { config: FieldRunConfig; arrays: FieldArrays } {
  const arrays: FieldArrays = {};
  if (config.kernel.kind === 'npy') arrays.kernel = read('field.kernel.file', config.kernel.file);
  if (config.kernel.kind === 'matrix') arrays.W = read('field.W', config.kernel.file);
  if (config.source.kind === 'npy') arrays.source = read('field.source.file', config.source.file);
  if (config.initial.kind === 'npy') arrays.initial = read('initial.file', config.initial.file);
  return { config: checkFieldArrays(config, arrays), arrays };
}
