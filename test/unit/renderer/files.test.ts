import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi, type MenuCommand } from '../../../renderer/api';
import { fileStem, guessKind, useFilesStore } from '../../../renderer/stores/files';
import { useEditorStore } from '../../../renderer/stores/editor';
import { useResultsStore } from '../../../renderer/stores/results';
import { useUiStore } from '../../../renderer/stores/ui';
import { useEnvironmentStore } from '../../../renderer/stores/environment';
import { fakeApi, PROFILE, SMALL_RESULTS, type FakeApi } from './fake-api';

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
    expect(useUiStore().notices.at(-1)?.text).toBe('Saved the results as /workspace/runs/unit.sweep.json');
  });

  it('exports a report: renders it on the host, saves it, and returns it for a browser download', async () => {
    const files = useFilesStore();
    useResultsStore().show(SMALL_RESULTS, { kind: 'file', name: 'x' });
    const report = await files.exportReport('html');
    expect(api.exportReport).toHaveBeenCalledWith({ results: SMALL_RESULTS, format: 'html' });
    expect(api.saveFile).toHaveBeenCalledWith({ kind: 'report', name: 'unit.html', content: 'report as html' });
    expect(report).toMatchObject({ name: 'unit.html', content: 'report as html', saved: { path: '/workspace/runs/unit.html' } });
  });

  it('saves a chart PNG as base64, and refuses what is not a PNG', async () => {
    const files = useFilesStore();
    useResultsStore().show(SMALL_RESULTS, { kind: 'file', name: 'x' });
    await files.savePng('latency', 'data:image/png;base64,iVBORw0KGgo=');
    expect(api.saveFile).toHaveBeenCalledWith({
      kind: 'image',
      name: 'unit-bottleneck-inference-wasm-groups-latency.png',
      content: 'iVBORw0KGgo=',
      encoding: 'base64',
    });
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
