import { defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef } from 'vue';
import type { ExportFormat, OpenedFile, RecentFile, SavedFile, SweepResults } from '../../main/api';
import { hostCapabilities, menuCommands, messageOf, useApi, type MenuCommand } from '../api';
import { useEditorStore } from './editor';
import { useResultsStore } from './results';
import { useUiStore } from './ui';

export type OpenKind = OpenedFile['kind'];

/** A safe file stem from a sweep name: `Bottleneck groups!` → `bottleneck-groups`. */
export function fileStem(name: string): string {
  const stem = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return stem || 'sweep';
}

/** Guesses what a dropped file is from its name, then its content; the host's parse decides for good. */
export function guessKind(name: string, text: string): OpenKind {
  if (/\.sweep\.json$/i.test(name)) return 'results';
  if (/\.profile\.json$/i.test(name)) return 'profile';
  try {
    const data = JSON.parse(text) as unknown;
    if (data && typeof data === 'object' && 'points' in data) return 'results';
  } catch {
    // Not JSON: the host's parse will say so, naming the file.
  }
  return 'profile';
}

/** Opening, saving and exporting files through the host; recent files. A failure never touches the current work. */
export const useFilesStore = defineStore('files', () => {
  const api = useApi();
  const capabilities = hostCapabilities();
  const ui = useUiStore();
  const editor = useEditorStore();
  const results = useResultsStore();

  const recent = shallowRef<RecentFile[]>([]);
  const busy = ref(false);
  const lastSaved = shallowRef<SavedFile | null>(null);

  function apply(opened: OpenedFile): void {
    if (opened.kind === 'profile' && opened.profile) {
      editor.loadProfile(opened.profile, opened.name);
      ui.show('editor');
      ui.notify('info', `Opened profile ${opened.name}`);
    } else if (opened.kind === 'results' && opened.results) {
      results.show(opened.results, { kind: 'file', name: opened.name, ...(opened.path ? { path: opened.path } : {}) });
      ui.show('results');
      ui.notify('info', `Opened results ${opened.name} (${opened.results.points.length} points)`);
    } else {
      throw new Error(`${opened.name}: the host returned no ${opened.kind} content`);
    }
  }

  async function attempt<T>(what: string, action: () => Promise<T>, file?: string): Promise<T | undefined> {
    busy.value = true;
    try {
      return await action();
    } catch (e) {
      // Host messages about a file start with its name; say it once.
      const message = messageOf(e);
      ui.notify('error', `${what}: ${file && message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message}`);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  /** Opens a file's text (file input, drag-and-drop); on a bad file shows the error and keeps everything as it was. */
  async function openText(name: string, text: string, kind: OpenKind = guessKind(name, text)): Promise<boolean> {
    const opened = await attempt(`Could not open ${name}`, () => api.parseFile({ kind, name, text }), name);
    if (!opened) return false;
    apply(opened);
    return true;
  }

  /** The host's open dialog (Electron). Returns false where it has none or the user cancelled. */
  async function pick(kind: OpenKind): Promise<boolean> {
    const opened = await attempt(`Could not open the ${kind}`, () => api.pickFile(kind));
    if (!opened) return false;
    apply(opened);
    await refreshRecent();
    return true;
  }

  async function openRecent(path: string): Promise<boolean> {
    const opened = await attempt(`Could not open ${path}`, () => api.openRecent(path), path);
    if (!opened) return false;
    apply(opened);
    return true;
  }

  async function refreshRecent(): Promise<void> {
    try {
      recent.value = await api.recentFiles();
    } catch {
      // Recent files are a convenience; the list stays as it was.
    }
  }

  async function save(request: Parameters<typeof api.saveFile>[0], what: string): Promise<SavedFile | null> {
    const saved = await attempt(`Could not save ${request.name}`, () => api.saveFile(request));
    if (!saved) return null;
    lastSaved.value = saved;
    ui.notify('info', `Saved ${what} as ${saved.path}`);
    await refreshRecent();
    return saved;
  }

  async function saveProfile(): Promise<SavedFile | null> {
    const profile = editor.profile;
    if (!profile) {
      ui.notify('error', 'The sweep has errors; fix the fields marked in the editor before saving it');
      return null;
    }
    return save(
      { kind: 'profile', name: `${fileStem(profile.name)}.profile.json`, content: `${JSON.stringify(profile, null, 2)}\n` },
      'the profile',
    );
  }

  /** Saves the results on screen, or the given ones (a run's). */
  async function saveResults(which?: SweepResults | null): Promise<SavedFile | null> {
    const r = which ?? results.results;
    if (!r) return null;
    return save(
      { kind: 'results', name: `${fileStem(r.profile.name)}.sweep.json`, content: `${JSON.stringify(r, null, 2)}\n` },
      'the results',
    );
  }

  /** Renders a report and saves it; returns it too, for a browser download where the host saves elsewhere. */
  async function exportReport(format: ExportFormat): Promise<{ name: string; content: string; saved: SavedFile | null } | null> {
    const r = results.results;
    if (!r) return null;
    const report = await attempt(`Could not export the ${format.toUpperCase()} report`, () => api.exportReport({ results: r, format }));
    if (!report) return null;
    const saved = await save({ kind: 'report', name: report.name, content: report.content }, `the ${format.toUpperCase()} report`);
    return { ...report, saved };
  }

  /** Saves a chart image given as a `data:image/png;base64,` URL. */
  async function savePng(chartId: string, dataUrl: string): Promise<SavedFile | null> {
    const r = results.results;
    const view = results.view;
    const comma = dataUrl.indexOf(',');
    if (!dataUrl.startsWith('data:image/png;base64,') || comma < 0) {
      ui.notify('error', `Could not save the ${chartId} chart: it did not render as a PNG image`);
      return null;
    }
    const stem = [fileStem(r?.profile.name ?? 'chart'), view?.family, view?.mode, view?.backend, view?.axis, chartId]
      .filter(Boolean)
      .join('-');
    return save({ kind: 'image', name: `${stem}.png`, content: dataUrl.slice(comma + 1), encoding: 'base64' }, `the ${chartId} chart`);
  }

  /** File ▸ … in Electron's native menu: the same actions as the buttons. */
  function onMenu(command: MenuCommand): void {
    switch (command.command) {
      case 'new-profile':
        editor.reset();
        ui.show('editor');
        break;
      case 'open-profile':
        void pick('profile');
        break;
      case 'open-results':
        void pick('results');
        break;
      case 'save':
        void (ui.tab === 'results' || ui.tab === 'run' ? saveResults() : saveProfile());
        break;
      case 'export-report':
        void exportReport('html');
        break;
      case 'open-recent':
        void openRecent(command.path);
        break;
    }
  }
  const menu = menuCommands();
  if (menu) onScopeDispose(menu.onMenuCommand(onMenu));

  return {
    nativeDialogs: capabilities.nativeDialogs,
    browserDownloads: capabilities.browserDownloads,
    recent,
    busy,
    lastSaved,
    openText,
    pick,
    openRecent,
    refreshRecent,
    saveProfile,
    saveResults,
    exportReport,
    savePng,
  };
});
