/** The main window: sandboxed, isolated, and showing only app://fusebench/. */
import { BrowserWindow, dialog } from 'electron';

export function createMainWindow(preload: string, development: boolean): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    title: 'Fusebench',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      // Dropped files are handled by the page (drag-and-drop open); a stray drop must not navigate.
      navigateOnDragDrop: false,
      devTools: development,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  // A crashed or killed renderer should cost the user a reload, not the app.
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit' || win.isDestroyed()) return;
    void dialog
      .showMessageBox(win, {
        type: 'error',
        title: 'Fusebench',
        message: `The window's page stopped (${details.reason}).`,
        detail: 'Running sweeps keep their finished points in their journals. Reload the page to continue.',
        buttons: ['Reload', 'Close'],
      })
      .then(({ response }) => (response === 0 ? win.webContents.reload() : win.close()));
  });
  return win;
}
