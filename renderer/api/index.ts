import type { MenuCommand, WorkbenchApi } from '../../main/api';

export type { MenuCommand };

/** What the host can do beyond the contract's methods. */
export interface HostCapabilities {
  /** Native open/save dialogs (Electron): pickFile opens one. Without them (web host) the UI uses a file input. */
  nativeDialogs: boolean;
  /** Files saved by the host land in a folder of the host's (web host); the UI also offers a browser download. */
  browserDownloads: boolean;
}

/** What the Electron preload adds beside WorkbenchApi; the web host has no native menu. */
export interface MenuCommandSource {
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

let installed: { api: WorkbenchApi; capabilities: HostCapabilities; menu: MenuCommandSource | undefined } | undefined;

/** Sets the API the stores use: the Electron preload's, the web client, or a fake in tests. */
export function installApi(
  api: WorkbenchApi,
  capabilities: HostCapabilities = { nativeDialogs: false, browserDownloads: true },
  menu?: MenuCommandSource,
): void {
  installed = { api, capabilities, menu };
}

/** The host's native menu, where it has one. */
export function menuCommands(): MenuCommandSource | undefined {
  return installed?.menu;
}

/** The installed API. Only stores call this: they are the only code that talks to the host. */
export function useApi(): WorkbenchApi {
  if (!installed) throw new Error('no WorkbenchApi installed: call installApi() before using a store');
  return installed.api;
}

export function hostCapabilities(): HostCapabilities {
  return installed?.capabilities ?? { nativeDialogs: false, browserDownloads: true };
}

/** A thrown value as one line for the user. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
