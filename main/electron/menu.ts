/**
 * The native menu as a template. Only Electron's types are imported, so the structure (which items
 * exist, what they send, devtools only in development) is unit-tested without the binary; main.ts
 * turns it into a Menu.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { RecentFile } from '../api.js';
import type { MenuCommand } from './menu-commands.js';

export interface MenuContext {
  platform: NodeJS.Platform;
  /** Unpackaged runs: adds the devtools item. */
  development: boolean;
  recent: RecentFile[];
  /** Delivers a command to the renderer. */
  send(command: MenuCommand): void;
  about(): void;
}

const sep: MenuItemConstructorOptions = { type: 'separator' };

function recentMenu(ctx: MenuContext): MenuItemConstructorOptions[] {
  if (!ctx.recent.length) return [{ label: 'No recent files', enabled: false }];
  return ctx.recent.map((r, i) => ({
    id: `recent-${i}`,
    label: `${r.name} (${r.kind})`,
    toolTip: r.path,
    click: () => ctx.send({ command: 'open-recent', path: r.path }),
  }));
}

export function buildMenuTemplate(ctx: MenuContext): MenuItemConstructorOptions[] {
  const mac = ctx.platform === 'darwin';
  const item = (id: Exclude<MenuCommand['command'], 'open-recent'>, label: string, accelerator: string): MenuItemConstructorOptions => ({
    id,
    label,
    accelerator,
    click: () => ctx.send({ command: id }),
  });
  const about: MenuItemConstructorOptions = { id: 'about', label: 'About Fusebench', click: () => ctx.about() };
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      item('new-profile', 'New profile', 'CmdOrCtrl+N'),
      item('open-profile', 'Open profile…', 'CmdOrCtrl+O'),
      item('open-results', 'Open results…', 'CmdOrCtrl+Shift+O'),
      { id: 'recent', label: 'Recent', submenu: recentMenu(ctx) },
      sep,
      item('save', 'Save', 'CmdOrCtrl+S'),
      item('export-report', 'Export report…', 'CmdOrCtrl+E'),
      // macOS keeps Quit in the application menu.
      ...(mac ? [] : [sep, { id: 'quit', role: 'quit' } as const]),
    ],
  };
  // Without the Edit roles, copy and paste shortcuts do nothing in text fields on macOS.
  const edit: MenuItemConstructorOptions = { role: 'editMenu' };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { id: 'reload', role: 'reload' },
      ...(ctx.development ? [{ id: 'devtools', role: 'toggleDevTools' } as const] : []),
      sep,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { id: 'fullscreen', role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = { role: 'help', submenu: [about] };
  const appMenu: MenuItemConstructorOptions = {
    label: 'Fusebench',
    submenu: [
      about,
      sep,
      { role: 'services' },
      sep,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      sep,
      { id: 'quit', role: 'quit' },
    ],
  };
  return [...(mac ? [appMenu] : []), file, edit, view, ...(mac ? [{ role: 'windowMenu' } as const] : []), help];
}

export interface AboutVersions {
  app: string;
  tfjs: string;
  /** process.versions of the main process. */
  runtime: Partial<Record<'electron' | 'chrome' | 'node' | 'v8', string>>;
  platform: string;
}

/** The About box: the versions a bug report needs. */
export function aboutText(v: AboutVersions): { message: string; detail: string } {
  const rows: [string, string | undefined][] = [
    ['Electron', v.runtime.electron],
    ['Chromium', v.runtime.chrome],
    ['Node.js', v.runtime.node],
    ['V8', v.runtime.v8],
    ['TensorFlow.js', v.tfjs],
    ['Platform', v.platform],
  ];
  return {
    message: `Fusebench ${v.app}`,
    detail: [
      'Tells whether fusing identical branches into one layer pays.',
      '',
      ...rows.filter((r): r is [string, string] => Boolean(r[1])).map(([k, val]) => `${k} ${val}`),
    ].join('\n'),
  };
}
