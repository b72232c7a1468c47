/**
 * Locks down every web contents and the session: no navigation away from app://, no new windows, no
 * webviews, no permissions. Applied app-wide (web-contents-created) so a window added later is covered.
 */
import { app, shell, type Session, type WebContents } from 'electron';
import { externalLinkTarget, isAppUrl } from './policy.js';

function openExternally(url: string): void {
  const target = externalLinkTarget(url);
  if (target) void shell.openExternal(target).catch(() => undefined);
}

function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    openExternally(event.url);
  });
  // will-navigate sees only the main frame; subframes (which the CSP already confines) are refused here too.
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && !isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Nothing in the UI needs camera, notifications, USB, etc.; refusing all shrinks what a bad page could reach. */
function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

export function hardenApp(session: Session): void {
  hardenSession(session);
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
}
