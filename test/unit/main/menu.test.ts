import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { aboutText, buildMenuTemplate, type MenuContext } from '../../../main/electron/menu.js';

const recent = [{ kind: 'profile' as const, name: 'seed.profile.json', path: '/w/seed.profile.json', at: '2025-01-01T00:00:00Z' }];

function template(over: Partial<MenuContext> = {}) {
  const ctx: MenuContext = { platform: 'linux', development: false, recent, send: vi.fn(), about: vi.fn(), ...over };
  return { ctx, menus: buildMenuTemplate(ctx) };
}

const items = (m: MenuItemConstructorOptions | undefined) => (m?.submenu ?? []) as MenuItemConstructorOptions[];
const byLabel = (menus: MenuItemConstructorOptions[], label: string) => menus.find((m) => m.label === label || m.role === label);
const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as (() => void) | undefined)?.();

describe('native menu', () => {
  it('has File, View and Help with the actions of the issue', () => {
    const { menus } = template();
    expect(items(byLabel(menus, 'File')).map((i) => i.id ?? i.type)).toEqual([
      'new-profile',
      'open-profile',
      'open-results',
      'recent',
      'separator',
      'save',
      'export-report',
      'separator',
      'quit',
    ]);
    expect(items(byLabel(menus, 'View')).map((i) => i.role ?? i.type)).toEqual([
      'reload',
      'separator',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'separator',
      'togglefullscreen',
    ]);
    expect(items(byLabel(menus, 'help')).map((i) => i.label)).toEqual(['About Fusebench']);
  });

  it('sends each File action to the renderer as a command', () => {
    const { ctx, menus } = template();
    for (const item of items(byLabel(menus, 'File')).filter((i) => i.click)) click(item);
    expect(vi.mocked(ctx.send).mock.calls.map(([c]) => c.command)).toEqual([
      'new-profile',
      'open-profile',
      'open-results',
      'save',
      'export-report',
    ]);
  });

  it('lists recent files, each opening its path', () => {
    const { ctx, menus } = template();
    const sub = items(items(byLabel(menus, 'File')).find((i) => i.id === 'recent'));
    expect(sub.map((i) => i.label)).toEqual(['seed.profile.json (profile)']);
    click(sub[0]);
    expect(ctx.send).toHaveBeenCalledWith({ command: 'open-recent', path: '/w/seed.profile.json' });
    const empty = items(items(byLabel(template({ recent: [] }).menus, 'File')).find((i) => i.id === 'recent'));
    expect(empty).toEqual([{ label: 'No recent files', enabled: false }]);
  });

  it('offers devtools only in development', () => {
    const roles = (development: boolean) => items(byLabel(template({ development }).menus, 'View')).map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });

  it('follows macOS conventions there: app menu with Quit, none in File', () => {
    const { menus } = template({ platform: 'darwin' });
    expect(menus[0]!.label).toBe('Fusebench');
    expect(items(menus[0]).map((i) => i.id)).toContain('quit');
    expect(items(byLabel(menus, 'File')).map((i) => i.id)).not.toContain('quit');
  });

  it('About names every version a bug report needs', () => {
    const { message, detail } = aboutText({
      app: '0.1.0',
      tfjs: '4.22.0',
      runtime: { electron: '45.5.0', chrome: '140.0', node: '22.19.0', v8: '14.0' },
      platform: 'linux x64',
    });
    expect(message).toBe('Fusebench 0.1.0');
    for (const line of ['Electron 45.5.0', 'Chromium 140.0', 'Node.js 22.19.0', 'V8 14.0', 'TensorFlow.js 4.22.0', 'Platform linux x64']) {
      expect(detail).toContain(line);
    }
  });
});
