/** FileAccess for the desktop: native open and save dialogs, attached to our window so they are modal. */
import { app, dialog, type BrowserWindow, type FileFilter } from 'electron';
import { basename, extname, join } from 'node:path';
import type { FileKind } from '../api.js';
import type { FileAccess } from '../service/workbench-service.js';

const LABELS: Record<FileKind, string> = { profile: 'Fusebench profile', results: 'Fusebench results', report: 'Report', image: 'Image' };

// Single extensions only: macOS dialogs do not match two-part ones such as profile.json.
const ALL_FILES: FileFilter = { name: 'All files', extensions: ['*'] };

export function dialogFileAccess(window: () => BrowserWindow | null): FileAccess {
  return {
    dialogs: true,
    async pick(kind) {
      const options = {
        title: `Open ${LABELS[kind]}`,
        properties: ['openFile' as const],
        filters: [{ name: LABELS[kind], extensions: ['json'] }, ALL_FILES],
      };
      const win = window();
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      const path = r.canceled ? undefined : r.filePaths[0];
      return path ? { name: basename(path), path } : null;
    },
    async saveTarget(kind, name) {
      const ext = extname(name).slice(1);
      const options = {
        title: `Save ${LABELS[kind]}`,
        defaultPath: join(app.getPath('documents'), name),
        filters: ext ? [{ name: LABELS[kind], extensions: [ext] }] : [],
      };
      const win = window();
      const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}
