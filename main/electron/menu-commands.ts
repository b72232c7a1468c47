/**
 * Native menu actions sent to the renderer, which owns the state they act on (the open profile,
 * unsaved edits). Kept apart from main/api.ts until the contract adopts `onMenuCommand`; the web host
 * has no native menu, so there the listener simply never fires.
 */

import type { MenuCommand } from '../api.js';

/** The event channel from main to the preload. */
export const MENU_COMMAND_CHANNEL = 'menu:command';

export type { MenuCommand };

export type MenuCommandName = MenuCommand['command'];

const SIMPLE: readonly string[] = ['new-profile', 'open-profile', 'open-results', 'save', 'export-report'] satisfies Exclude<
  MenuCommandName,
  'open-recent'
>[];

/** The preload checks what it forwards, as every other host boundary does. */
export function isMenuCommand(value: unknown): value is MenuCommand {
  if (typeof value !== 'object' || value === null) return false;
  const { command, path } = value as { command?: unknown; path?: unknown };
  if (command === 'open-recent') return typeof path === 'string' && path.length > 0;
  return typeof command === 'string' && SIMPLE.includes(command);
}

/** What the preload adds to the bridge beside WorkbenchApi. */
export interface MenuCommandApi {
  /** Subscribes to native menu actions; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
