/**
 * The one mapping from a thrown value to the reply a UI gets, used by both hosts (IPC and HTTP), so a
 * mistake reads the same — message, kind and field — in the desktop app and in a browser.
 */
import { describeError, FusebenchError } from '../../engine/common.js';
import { ApiInputError, type ApiError, type ApiReply } from '../api.js';

/** A caller the host does not serve (another window or frame, another origin). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** The reply for a thrown value: users see the message; `kind` tells their mistake from our bug; `field` says where. */
export function errorReply(err: unknown): ApiReply<never> {
  let error: ApiError;
  if (err instanceof ForbiddenError) error = { message: err.message, kind: 'forbidden' };
  else if (err instanceof ApiInputError) error = { message: err.message, kind: 'input', ...(err.field ? { field: err.field } : {}) };
  else if (err instanceof FusebenchError)
    error = { message: err.message, kind: err.kind, ...(err.field !== undefined ? { field: err.field } : {}) };
  else error = { message: describeError(err), kind: 'internal' };
  return { ok: false, error };
}

/**
 * The HTTP status of an error reply. A user's mistake (a bad file or profile, a busy folder) is a
 * normal answer, 200 with ok:false; 4xx are for calls that break the contract or are not ours to
 * serve, 5xx for bugs.
 */
export function httpStatusOf(reply: ApiReply<unknown>): number {
  if (reply.ok) return 200;
  return reply.error.kind === 'input' ? 400 : reply.error.kind === 'forbidden' ? 403 : reply.error.kind === 'internal' ? 500 : 200;
}
