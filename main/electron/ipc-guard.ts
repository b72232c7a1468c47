/**
 * Who may call the API over IPC, and the reply every call gets. Takes plain objects rather than
 * Electron's so the rules are unit-tested without the Electron binary; ipc.ts feeds it the real ones.
 */
import { checkArguments, type ApiReply, type RequestMethod, type WorkbenchApi } from '../api.js';
import { errorReply, ForbiddenError } from '../service/error-reply.js';
import { isAppUrl } from './policy.js';

/** The parts of Electron's WebFrameMain that identify a frame. */
export interface FrameIdentity {
  url: string;
  processId: number;
  routingId: number;
  /** Null for a top-level frame. */
  parent: unknown;
}

/** What an IPC event says about its sender (`event.sender.id`, `event.senderFrame`). */
export interface IpcSender {
  webContentsId: number;
  /** Null when the frame navigated away or was destroyed before the message was handled. */
  frame: FrameIdentity | null;
}

/** Our window: the only sender we answer. */
export interface TrustedWindow {
  webContentsId: number;
  mainFrame: { processId: number; routingId: number };
}

/** A message from anything but our window's main frame showing our own page. */
export class ForbiddenSenderError extends ForbiddenError {
  override name = 'ForbiddenSenderError';
}

/** Throws ForbiddenSenderError unless the sender is our window's main frame on an app:// page. */
export function assertTrustedSender(sender: IpcSender, trusted: TrustedWindow): void {
  const { frame } = sender;
  if (sender.webContentsId !== trusted.webContentsId) throw new ForbiddenSenderError('IPC refused: the message came from another window');
  if (!frame) throw new ForbiddenSenderError('IPC refused: the sending frame is gone');
  if (frame.parent !== null || frame.processId !== trusted.mainFrame.processId || frame.routingId !== trusted.mainFrame.routingId) {
    throw new ForbiddenSenderError('IPC refused: the message came from a subframe');
  }
  if (!isAppUrl(frame.url)) throw new ForbiddenSenderError(`IPC refused: the sending page ${JSON.stringify(frame.url)} is not the app`);
}

type Call<M extends RequestMethod> = (...args: Parameters<WorkbenchApi[M]>) => ReturnType<WorkbenchApi[M]>;
type Value<M extends RequestMethod> = Awaited<ReturnType<WorkbenchApi[M]>>;

/**
 * Runs one IPC call: sender check, then argument check, then the service; never throws, so no raw
 * error (with its stack and paths) crosses to the renderer.
 */
export async function guardedCall<M extends RequestMethod>(
  method: M,
  sender: IpcSender,
  trusted: TrustedWindow,
  args: unknown[],
  call: Call<M>,
): Promise<ApiReply<Value<M>>> {
  try {
    assertTrustedSender(sender, trusted);
    // The schemas accept what the contract's parameter types describe (profiles are re-validated by
    // the service), so the checked tuple is the call's argument list.
    const checked = checkArguments(method, args) as unknown as Parameters<WorkbenchApi[M]>;
    return { ok: true, value: (await call(...checked)) as Value<M> };
  } catch (err) {
    return errorReply(err);
  }
}
