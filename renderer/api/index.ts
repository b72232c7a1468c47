import type { WorkbenchApi } from '../../main/api';

let installed: WorkbenchApi | undefined;

/** Sets the API the stores use: the Electron preload's, the web client, or a fake in tests. */
export function installApi(api: WorkbenchApi): void {
  installed = api;
}

/** The installed API. Only stores call this (STYLE.md: stores are the only code that talks to the host). */
export function useApi(): WorkbenchApi {
  if (!installed) throw new Error('no WorkbenchApi installed: call installApi() before using a store');
  return installed;
}

/** A thrown value as one line for the user. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
