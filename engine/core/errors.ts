/**
 * Errors a user can cause. Each carries the thing at fault (`field`, `file` or `backend`) and a
 * message that states the rule and the fix; hosts print `message` alone, never a stack trace.
 */
export class FusebenchError extends Error {
  constructor(
    message: string,
    readonly kind: 'config' | 'file' | 'backend' | 'usage',
  ) {
    super(message);
    this.name = 'FusebenchError';
  }
}

/** A configuration value breaks a rule; `field` is a dotted path such as `config.channels`. */
export class ConfigError extends FusebenchError {
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`${field}: ${rule}`, 'config');
    this.name = 'ConfigError';
  }
}

/** A file could not be read as what it claims to be; nothing of it was loaded. */
export class FileFormatError extends FusebenchError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`, 'file');
    this.name = 'FileFormatError';
  }
}

/** A backend was asked for but cannot run here; `reason` says why. */
export class BackendUnavailableError extends FusebenchError {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend ${backend} is unavailable: ${reason}`, 'backend');
    this.name = 'BackendUnavailableError';
  }
}

/** The message to show for any thrown value: our own errors as they are, others with their name. */
export function describeError(err: unknown): string {
  if (err instanceof FusebenchError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
