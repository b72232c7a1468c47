import type { TorchDevice } from '../../engine/node.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  BACKENDS,
  DEFAULT_BACKEND,
  FusebenchError,
  isBackendName,
  jsonBoundsProblem,
  jsonPath,
  jsonTextTooDeep,
  MAX_JSON_DEPTH,
  MODES,
  type BackendName,
  type Mode,
} from '../../engine/common.js';

/** A command's usage error: exit 2 with this one line. */
export function usage(message: string): FusebenchError {
  return new FusebenchError(message, 'usage');
}

/** parseArgs with errors turned into one-line usage errors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

/** `--config '<json>'` → an object, or a usage error naming the flag. */
export function jsonOption(flag: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  if (jsonTextTooDeep(text))
    throw usage(`${flag} nests deeper than ${MAX_JSON_DEPTH} levels; a config is a flat object like '{"groups": 12}'`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usage(`${flag} is not valid JSON (${(err as Error).message}); write it like '{"groups": 12}'`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw usage(`${flag} must be a JSON object like '{"groups": 12}'`);
  const bounds = jsonBoundsProblem(value);
  if (bounds) throw usage(`${flag}: ${jsonPath(bounds.path) || 'the value'} ${bounds.rule}`);
  return value as Record<string, unknown>;
}

export function backendOption(text: string | undefined): BackendName {
  if (text === undefined) return DEFAULT_BACKEND;
  if (!isBackendName(text)) throw usage(`--backend must be one of ${BACKENDS.join(', ')}, got '${text}'`);
  return text;
}

export function modesOption(text: string | undefined): Mode[] {
  if (text === undefined) return [...MODES];
  if (!(MODES as readonly string[]).includes(text)) throw usage(`--mode must be one of ${MODES.join(', ')}, got '${text}'`);
  return [text as Mode];
}

export function intOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw usage(`${flag} must be a whole number ≥ 0, got '${text}'`);
  return n;
}

/** `--device auto|cpu|cuda:N` for the torch backend. */
export function deviceOption(text: string | undefined): TorchDevice {
  if (text === undefined) return 'auto';
  if (text === 'auto' || text === 'cpu' || /^cuda:\d+$/.test(text)) return text as TorchDevice;
  throw usage(`--device must be auto, cpu or cuda:N (e.g. cuda:0), got '${text}'`);
}
