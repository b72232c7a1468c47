/**
 * Errors a user can cause. Each carries what is at fault — `field`, a JSON path into the input such as
 * `measure.minSamples` or `families[1].axes.groups`, and/or the file — and a message that states the
 * rule and the fix; hosts print `message` alone, never a stack trace, and hand `kind` and `field` to
 * the UI, which marks the field from `field` (never by reading the message).
 */
export type ErrorKind = 'config' | 'file' | 'backend' | 'usage';

export class FusebenchError extends Error {
  /** A JSON path into the input at fault (`measure.minSamples`, `families[0].axes.groups[2]`), when there is one. */
  readonly field?: string;

  constructor(
    message: string,
    readonly kind: ErrorKind,
    field?: string,
  ) {
    super(message);
    this.name = 'FusebenchError';
    if (field !== undefined) this.field = field;
  }
}

/** A configuration value breaks a rule; `field` is a JSON path such as `config.channels`. */
export class ConfigError extends FusebenchError {
  declare readonly field: string;

  constructor(field: string, rule: string) {
    super(`${field}: ${rule}`, 'config', field);
    this.name = 'ConfigError';
  }
}

/** A file could not be read as what it claims to be; nothing of it was loaded. `field`: where inside it. */
export class FileFormatError extends FusebenchError {
  constructor(
    readonly file: string,
    problem: string,
    field?: string,
  ) {
    super(`${file}: ${problem}`, 'file', field);
    this.name = 'FileFormatError';
  }
}

/** A backend was asked for but cannot run here; `reason` says why. */
export class BackendUnavailableError extends FusebenchError {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend ${backend} is unavailable: ${reason}`, 'backend', 'backends');
    this.name = 'BackendUnavailableError';
  }
}

/** The message to show for any thrown value: our own errors as they are, others with their name. */
export function describeError(err: unknown): string {
  if (err instanceof FusebenchError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * A JSON path from path segments, as `field` carries it: `families[1].axes.groups`, `measure.seed`;
 * `''` for the whole input.
 *
 * @example jsonPath(['families', 1, 'axes', 'groups']) // 'families[1].axes.groups'
 */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : `${out ? '.' : ''}${String(s)}`;
  return out;
}
