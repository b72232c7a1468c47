import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi, type MenuCommand } from '../../../renderer/api';
import { exportName, fileStem, guessKind, useFilesStore } from '../../../renderer/stores/files';
import { downloadText } from '../../../renderer/composables/download';
import { useEditorStore } from '../../../renderer/stores/editor';
import { useResultsStore } from '../../../renderer/stores/results';
import { useUiStore } from '../../../renderer/stores/ui';
import { useEnvironmentStore } from '../../../renderer/stores/environment';
import { fakeApi, PROFILE, SMALL_RESULTS, type FakeApi } from './fake-api';

// The browser download itself needs a DOM; what matters here is that saving offers one, and with what.
vi.mock('../../../renderer/composables/download', () => ({ downloadText: vi.fn(), downloadUrl: vi.fn() }));

const STAMP = /\d{8}-\d{6}-\d{3}/.source;

describe('useFilesStore', () => {
  let api: FakeApi;

  beforeEach(async () => {
    api = fakeApi();
    installApi(api, { nativeDialogs: false, browserDownloads: true });
    setActivePinia(createPinia());
    await useEnvironmentStore().load();
  });

  it('opens a profile into the editor and results into the results view', async () => {
    const files = useFilesStore();
    expect(await files.openText('u.profile.json', JSON.stringify(PROFILE))).toBe(true);
    expect(api.parseFile).toHaveBeenLastCalledWith({ kind: 'profile', name: 'u.profile.json', text: JSON.stringify(PROFILE) });
    expect(useEditorStore().draft.name).toBe('unit');
    expect(useUiStore().tab).toBe('editor');

    expect(await files.openText('u.sweep.json', JSON.stringify(SMALL_RESULTS))).toBe(true);
    expect(useResultsStore().results?.points).toHaveLength(4);
    expect(useResultsStore().source).toEqual({ kind: 'file', name: 'u.sweep.json' });
    expect(useUiStore().tab).toBe('results');
  });

  it('reports a bad file once, naming it, and leaves the editor and the results as they were', async () => {
    const files = useFilesStore();
    await files.openText('u.sweep.json', JSON.stringify(SMALL_RESULTS));
    const editor = useEditorStore();
    editor.draft.name = 'my work';
    const before = useResultsStore().results;
    expect(await files.openText('broken.sweep.json', '{"schemaVersion": 1, "po')).toBe(false);
    const notice = useUiStore().notices.at(-1);
    expect(notice).toMatchObject({ kind: 'error', text: 'Could not open broken.sweep.json: is not valid JSON (it looks truncated)' });
    expect(useResultsStore().results).toBe(before);
    expect(editor.draft.name).toBe('my work');
  });

  it('saves the profile and the results through the host, as JSON it can read back', async () => {
    const files = useFilesStore();
    useEditorStore().loadProfile({ ...PROFILE, name: 'Bottleneck groups!' });
    await files.saveProfile();
    const profileCall = vi.mocked(api.saveFile).mock.calls[0]![0];
    expect(profileCall).toMatchObject({ kind: 'profile', name: 'bottleneck-groups.profile.json' });
    expect(JSON.parse(profileCall.content)).toMatchObject({ name: 'Bottleneck groups!', axes: { groups: [2, 4] } });

    useResultsStore().show(SMALL_RESULTS, { kind: 'file', name: 'x' });
    const saved = await files.saveResults();
    expect(saved).toEqual({ name: 'unit.sweep.json', path: '/workspace/runs/unit.sweep.json' });
    const resultsCall = vi.mocked(api.saveFile).mock.calls[1]![0];
    expect(JSON.parse(resultsCall.content)).toEqual(SMALL_RESULTS);
    expect(api.recentFiles).toHaveBeenCalled();
    expect(useUiStore().notices.at(-1)?.text).toBe('Saved the results as /workspace/runs/unit.sweep.json (and downloaded)');
    // In a browser both are downloaded too (the web host keeps its copy in the workspace), and the editor knows it was saved.
    expect(vi.mocked(downloadText).mock.calls.map((c) => c[0])).toEqual(['bottleneck-groups.profile.json', 'unit.sweep.json']);
    expect(useEditorStore().source).toBe('bottleneck-groups.profile.json');
    expect(useEditorStore().dirty).toBe(false);
    expect(files.resultsSavedAs?.saved.name).toBe('unit.sweep.json');
  });

  it('offers to open a results file given as a profile as results, in one click', async () => {
    const files = useFilesStore();
    const text = JSON.stringify(SMALL_RESULTS);
    expect(await files.openText('run.sweep.json', text, 'profile')).toBe(false);
    const notice = useUiStore().notices.at(-1)!;
    expect(notice.text).toBe('run.sweep.json: This is a results file — open it as results?');
    expect(api.parseFile).not.toHaveBeenCalled();
    await notice.action!.run();
    expect(api.parseFile).toHaveBeenCalledWith({ kind: 'results', name: 'run.sweep.json', text });
    expect(useResultsStore().results?.points).toHaveLength(SMALL_RESULTS.points.length);
  });

  it('names exports <profile>-<family>-<chart>-<time>.<ext>, never twice the same', () => {
    const taken = new Set<string>();
    const at = new Date(2026, 10, 28, 10, 15, 23, 42);
    const first = exportName({ profile: 'Smoke run', family: 'bottleneck', chart: 'latency', ext: 'png' }, taken, at);
    expect(first).toBe('smoke-run-bottleneck-latency-20261128-101523-042.png');
    expect(exportName({ profile: 'Smoke run', family: 'bottleneck', chart: 'latency', ext: 'png' }, taken, at)).toBe(
      'smoke-run-bottleneck-latency-20261128-101523-042-2.png',
    );
    expect(exportName({ profile: 'Smoke run', chart: 'report', ext: 'html' }, taken, at)).toBe(
      'smoke-run-all-report-20261128-101523-042.html',
    );
  });

  it('exports a report: renders it on the host, saves it, and returns it for a browser download', async () => {
    const files = useFilesStore();
    useResultsStore().show(SMALL_RESULTS, { kind: 'file', name: 'x' });
    const report = await files.exportReport('html');
    expect(api.exportReport).toHaveBeenCalledWith({ results: SMALL_RESULTS, format: 'html' });
    const name = vi.mocked(api.saveFile).mock.calls[0]![0].name;
    expect(name).toMatch(new RegExp(`^unit-all-report-${STAMP}\\.html$`));
    expect(api.saveFile).toHaveBeenCalledWith({ kind: 'report', name, content: 'report as html' });
    expect(report).toMatchObject({ name, content: 'report as html', saved: { path: `/workspace/runs/${name}` } });
    const again = await files.exportReport('html');
    expect(again!.name).not.toBe(name);
  });

  it('saves a chart PNG as base64, and refuses what is not a PNG', async () => {
    const files = useFilesStore();
    useResultsStore().show(SMALL_RESULTS, { kind: 'file', name: 'x' });
    await files.savePng('latency', 'data:image/png;base64,iVBORw0KGgo=');
    const call = vi.mocked(api.saveFile).mock.calls[0]![0];
    expect(call).toMatchObject({ kind: 'image', content: 'iVBORw0KGgo=', encoding: 'base64' });
    expect(call.name).toMatch(new RegExp(`^unit-bottleneck-latency-${STAMP}\\.png$`));
    expect(await files.savePng('latency', 'data:image/svg+xml;base64,PHN2Zz4=')).toBeNull();
    expect(useUiStore().notices.at(-1)?.kind).toBe('error');
  });

  it('opens recent files and the host dialog; a cancelled dialog changes nothing', async () => {
    const files = useFilesStore();
    expect(await files.openRecent('/workspace/runs/r.sweep.json')).toBe(true);
    expect(useResultsStore().source).toEqual({ kind: 'file', name: 'r.sweep.json', path: '/workspace/runs/r.sweep.json' });
    expect(await files.pick('profile')).toBe(false);
    expect(useUiStore().tab).toBe('results');
    expect(files.nativeDialogs).toBe(false);
  });

  it('guesses a dropped file’s kind and makes safe file names', () => {
    expect(guessKind('a.sweep.json', '')).toBe('results');
    expect(guessKind('a.profile.json', '')).toBe('profile');
    expect(guessKind('a.json', '{"points": []}')).toBe('results');
    expect(guessKind('a.json', 'not json')).toBe('profile');
    expect(fileStem('  Bottleneck / groups: 1..16 ')).toBe('bottleneck-groups-1..16');
    expect(fileStem('!!!')).toBe('sweep');
  });

  it('acts on Electron’s native menu commands', async () => {
    let send: ((c: MenuCommand) => void) | undefined;
    installApi(api, { nativeDialogs: true, browserDownloads: false }, { onMenuCommand: (l) => ((send = l), () => (send = undefined)) });
    setActivePinia(createPinia());
    const files = useFilesStore();
    expect(files.nativeDialogs).toBe(true);
    send?.({ command: 'open-results' });
    expect(api.pickFile).toHaveBeenCalledWith('results');
    send?.({ command: 'open-recent', path: '/workspace/runs/r.sweep.json' });
    await vi.waitFor(() => expect(useResultsStore().results).toBe(SMALL_RESULTS));
    useUiStore().show('results');
    send?.({ command: 'save' });
    await vi.waitFor(() =>
      expect(api.saveFile).toHaveBeenCalledWith(expect.objectContaining({ kind: 'results', name: 'unit.sweep.json' })),
    );
    send?.({ command: 'new-profile' });
    expect(useUiStore().tab).toBe('editor');
    files.$dispose();
    expect(send).toBeUndefined();
  });
});
