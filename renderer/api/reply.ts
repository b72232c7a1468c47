import type { ApiReply } from '../../main/api';

/**
 * An error the host reported: `kind` as the host gives it (config, file, backend, usage, input,
 * forbidden, internal; the web client adds network and protocol) and `field`, a JSON path into the
 * input at fault, which the editor marks (never by reading the message).
 */
export class HostError extends Error {
  override name = 'HostError';
  constructor(
    message: string,
    readonly kind: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Whether a value has the shape of a host reply. */
export function isReply(value: unknown): value is ApiReply<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  // `{ok: true}` alone is a reply too: JSON drops the undefined value of a void method (cancelSweep).
  if (v.ok === true) return true;
  if (v.ok !== false || v.error === null || typeof v.error !== 'object') return false;
  const e = v.error as Record<string, unknown>;
  return typeof e.message === 'string' && typeof e.kind === 'string' && (e.field === undefined || typeof e.field === 'string');
}

/**
 * The value of a reply, or its error thrown as a HostError: the same for both hosts, so a mistake
 * reads and marks the same in the desktop app and in a browser.
 */
export function unwrapReply<T>(reply: ApiReply<T>): T {
  if (reply.ok) return reply.value;
  throw new HostError(reply.error.message, reply.error.kind, reply.error.field);
}
