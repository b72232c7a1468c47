import { defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef } from 'vue';
import type { ExportFormat, OpenedFile, RecentFile, SavedFile, SweepResults } from '../../main/api';
import { hostCapabilities, menuCommands, messageOf, useApi, type MenuCommand } from '../api';
import { HostError } from '../api/reply';
import { downloadText } from '../composables/download';
import { useEditorStore } from './editor';
import { useResultsStore } from './results';
import { useUiStore } from './ui';
import { finishedPoints } from '../../engine/report/series';

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

/** `20261128-101523-042`: sortable, file-name-safe, to the millisecond. */
export function timeStamp(at: Date = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-` +
    `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}-${pad(at.getMilliseconds(), 3)}`
  );
}

/**
 * `<profile>-<family>-<chart>-<time>.<ext>`, e.g. `smoke-bottleneck-latency-20261128-101523-042.png`.
 * `taken` holds the names given so far: two exports in the same millisecond get `-2`, `-3`, never the same name.
 */
export function exportName(parts: { profile: string; family?: string; chart: string; ext: string }, taken: Set<string>, at?: Date): string {
  const stem = [fileStem(parts.profile), fileStem(parts.family ?? 'all'), fileStem(parts.chart), timeStamp(at)].join('-');
  let name = `${stem}.${parts.ext}`;
  for (let n = 2; taken.has(name); n++) name = `${stem}-${n}.${parts.ext}`;
  taken.add(name);
  return name;
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
  /** Where the results on screen were last saved (their source may be a run or another file). */
  const resultsSavedAs = shallowRef<{ results: SweepResults; saved: SavedFile } | null>(null);
  const exportNames = new Set<string>();

  function apply(opened: OpenedFile): void {
    if (opened.kind === 'profile' && opened.profile) {
      editor.loadProfile(opened.profile, opened.name);
      ui.show('editor');
      ui.notify('info', `Opened profile ${opened.name}`);
    } else if (opened.kind === 'results' && opened.results) {
      results.show(opened.results, { kind: 'file', name: opened.name, ...(opened.path ? { path: opened.path } : {}) });
      ui.show('results');
      ui.notify('info', `Opened results ${opened.name} (${finishedPoints(opened.results).length} points)`);
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
    // The wrong button for the file: say what it is and offer the right one, instead of schema errors.
    const looks = guessKind(name, text);
    if (looks !== kind) {
      const other = looks === 'results' ? 'a results file' : 'a profile';
      ui.notify('error', `${name}: This is ${other} — open it as ${looks}?`, {
        label: `Open as ${looks}`,
        run: () => openText(name, text, looks),
      });
      return false;
    }
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
    const saved = await attempt(`Could not save ${request.name}`, async () => {
      try {
        return await api.saveFile(request);
      } catch (e) {
        // The workspace already holds a file of that name: replace it only if the user says so.
        if (!(e instanceof HostError && e.field === 'overwrite') || !window.confirm(`${request.name} already exists. Replace it?`)) throw e;
        return api.saveFile({ ...request, overwrite: true });
      }
    });
    if (!saved) return null;
    lastSaved.value = saved;
    ui.notify('info', `Saved ${what} as ${saved.path}${capabilities.browserDownloads ? ' (and downloaded)' : ''}`);
    await refreshRecent();
    return saved;
  }

  /** The web host saves into its workspace; in a browser the same file is also downloaded, where the user keeps files. */
  function download(name: string, content: string): void {
    if (capabilities.browserDownloads) downloadText(name, content);
  }

  async function saveProfile(): Promise<SavedFile | null> {
    const profile = editor.profile;
    if (!profile) {
      ui.notify('error', 'The sweep has errors; fix the fields marked in the editor before saving it');
      return null;
    }
    const content = `${JSON.stringify(profile, null, 2)}\n`;
    const saved = await save({ kind: 'profile', name: `${fileStem(profile.name)}.profile.json`, content }, 'the profile');
    if (saved) {
      editor.markSaved(saved.name);
      download(saved.name, content);
    }
    return saved;
  }

  /** Saves the results on screen, or the given ones (a run's). */
  async function saveResults(which?: SweepResults | null): Promise<SavedFile | null> {
    const r = which ?? results.results;
    if (!r) return null;
    const content = `${JSON.stringify(r, null, 2)}\n`;
    const saved = await save({ kind: 'results', name: `${fileStem(r.profile.name)}.sweep.json`, content }, 'the results');
    if (saved) {
      resultsSavedAs.value = { results: r, saved };
      download(saved.name, content);
    }
    return saved;
  }

  /** Renders a report and saves it; returns it too, for a browser download where the host saves elsewhere. */
  async function exportReport(format: ExportFormat): Promise<{ name: string; content: string; saved: SavedFile | null } | null> {
    const r = results.results;
    if (!r) return null;
    const report = await attempt(`Could not export the ${format.toUpperCase()} report`, () => api.exportReport({ results: r, format }));
    if (!report) return null;
    const name = exportName({ profile: r.profile.name, chart: 'report', ext: format }, exportNames);
    const saved = await save({ kind: 'report', name, content: report.content }, `the ${format.toUpperCase()} report`);
    return { name, content: report.content, saved };
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
    const name = exportName(
      { profile: r?.profile.name ?? 'chart', ...(view ? { family: view.family } : {}), chart: chartId, ext: 'png' },
      exportNames,
    );
    return save({ kind: 'image', name, content: dataUrl.slice(comma + 1), encoding: 'base64' }, `the ${chartId} chart`);
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
    resultsSavedAs,
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
