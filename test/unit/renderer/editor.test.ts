import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import { installApi } from '../../../renderer/api';
import { useEditorStore, VALIDATE_DELAY_MS } from '../../../renderer/stores/editor';
import { useEnvironmentStore } from '../../../renderer/stores/environment';
import { fakeApi, okCheck, PROFILE, results, settle, type FakeApi } from './fake-api';
import { useSweepStore } from '../../../renderer/stores/sweep';

describe('useEditorStore', () => {
  let api: FakeApi;

  beforeEach(async () => {
    vi.useFakeTimers();
    api = fakeApi();
    installApi(api);
    setActivePinia(createPinia());
    await useEnvironmentStore().load();
  });
  afterEach(() => vi.useRealTimers());

  async function validated(): Promise<void> {
    await nextTick();
    await vi.advanceTimersByTimeAsync(VALIDATE_DELAY_MS + 1);
    await settle();
  }

  it('estimates the plan again once a run ends (the run calibrated the host’s estimate)', async () => {
    const editor = useEditorStore();
    await validated();
    const before = vi.mocked(api.validateProfile).mock.calls.length;
    const sweep = useSweepStore();
    expect(await sweep.start(PROFILE)).toBe(true);
    api.emit({ runId: 'run-1', type: 'finished', results: results([]), resultsPath: '/w/unit.sweep.json', complete: true });
    await validated();
    expect(vi.mocked(api.validateProfile).mock.calls.length).toBe(before + 1);
    expect(editor.check?.ok).toBe(true);
  });

  it('starts a new sweep from the host’s families and asks the host about it once typing stops', async () => {
    const editor = useEditorStore();
    await nextTick();
    expect(editor.draft.families.map((f) => f.name)).toEqual(['bottleneck', 'gmp', 'class-linear']);
    // The first sweep answers the headline question: the seed's two big rewrites, groups swept.
    expect(editor.draft.families.filter((f) => f.selected).map((f) => f.name)).toEqual(['bottleneck', 'class-linear']);
    editor.draft.values.groups = '1';
    editor.draft.values.groups = '1, 2';
    await validated();
    expect(api.validateProfile).toHaveBeenCalledTimes(1);
    expect(api.validateProfile).toHaveBeenLastCalledWith(
      expect.objectContaining({ axes: { groups: [1, 2] }, families: ['bottleneck', expect.objectContaining({ family: 'class-linear' })] }),
    );
    expect(editor.check).toMatchObject({ ok: true, points: 4, estimatedMs: 1234 });
    expect(editor.canRun).toBe(true);
  });

  it('shows the host’s reasons for invalid points next to the value they are about', async () => {
    const editor = useEditorStore();
    vi.mocked(api.validateProfile).mockImplementation(async (p) =>
      okCheck(p as typeof PROFILE, 6, [
        { family: 'bottleneck', field: 'config.channels', message: 'config.channels: must be divisible by squeeze (2), got 9; try 8' },
      ]),
    );
    await nextTick();
    editor.draft.values.channels = '8, 9';
    await validated();
    // A warning with one prefix naming the family and the setting; the sweep can still run (those points are recorded as invalid).
    expect(editor.fieldWarnings['value.channels']).toEqual(['bottleneck · channels: must be divisible by squeeze (2), got 9; try 8']);
    expect(editor.fieldErrors['value.channels']).toBeUndefined();
    expect(editor.validPoints).toBe(5);
    expect(editor.canRun).toBe(true);
  });

  it('does not send a draft with errors; it explains them and cannot run', async () => {
    const editor = useEditorStore();
    await nextTick();
    await validated();
    vi.mocked(api.validateProfile).mockClear();
    editor.draft.values.groups = 'two';
    await validated();
    expect(api.validateProfile).not.toHaveBeenCalled();
    expect(editor.fieldErrors['value.groups']?.[0]).toContain('is not a list of values');
    expect(editor.canRun).toBe(false);
  });

  it('keeps only the newest answer when the host answers out of order', async () => {
    const editor = useEditorStore();
    await nextTick();
    let release: (() => void) | undefined;
    vi.mocked(api.validateProfile)
      .mockImplementationOnce(
        (p) =>
          new Promise((ok) => {
            release = () => ok(okCheck(p as typeof PROFILE, 99));
          }),
      )
      .mockImplementationOnce(async (p) => okCheck(p as typeof PROFILE, 6));
    editor.draft.values.groups = '1, 2, 3';
    await validated();
    editor.draft.values.groups = '1, 2';
    await validated();
    release?.();
    await settle();
    expect(editor.check).toMatchObject({ ok: true, points: 6 });
  });

  it('drops an answer for an older profile that arrives while the newer check still waits for typing to stop', async () => {
    const editor = useEditorStore();
    await nextTick();
    let release: (() => void) | undefined;
    vi.mocked(api.validateProfile).mockImplementationOnce(
      (p) =>
        new Promise((ok) => {
          release = () => ok(okCheck(p as typeof PROFILE, 99));
        }),
    );
    editor.draft.values.groups = '1, 2, 3';
    await validated();
    editor.draft.values.groups = '1, 2';
    await nextTick();
    release?.();
    await settle();
    expect(editor.check?.ok === true && editor.check.points).not.toBe(99);
    expect(editor.checking).toBe(true);
    await validated();
    expect(editor.check).toMatchObject({ ok: true, points: 4 });
    expect(editor.checking).toBe(false);
  });

  it('shows a profile error from the host on the field its `field` names, whatever the message says', async () => {
    const editor = useEditorStore();
    // The message mentions another field on purpose: the form follows `field`, never the text.
    vi.mocked(api.validateProfile).mockResolvedValue({ ok: false, field: 'measure.seed', message: 'too big (unlike measure.warmupMs)' });
    await nextTick();
    editor.draft.measure.seed = '5';
    await validated();
    expect(editor.fieldErrors['measure.seed']).toEqual(['measure.seed: too big (unlike measure.warmupMs)']);
    expect(editor.errorList).toEqual([{ field: 'measure.seed', text: 'measure.seed: too big (unlike measure.warmupMs)' }]);
    expect(editor.fieldErrors['measure.warmupMs']).toBeUndefined();
    expect(editor.canRun).toBe(false);
  });

  it('keeps Run disabled, with the reason, while a chosen backend cannot run on this host', async () => {
    const editor = useEditorStore();
    await nextTick();
    editor.draft.backends = ['webgpu'];
    await validated();
    expect(editor.check).toMatchObject({ ok: true });
    expect(editor.runBlockedReason).toBe('Backend webgpu is unavailable here: no adapter');
    expect(editor.canRun).toBe(false);
    editor.draft.backends = ['wasm'];
    await validated();
    expect(editor.runBlockedReason).toBeNull();
    expect(editor.canRun).toBe(true);
  });

  it('flags a plan over the host’s point limit, which may still run once confirmed', async () => {
    const editor = useEditorStore();
    vi.mocked(api.validateProfile).mockImplementation(async (p) => ({ ...okCheck(p as typeof PROFILE, 20_000), invalidPoints: 0 }));
    await nextTick();
    editor.draft.values.groups = '1, 2';
    await validated();
    expect(editor.overPointLimit).toBe(true);
    expect(editor.canRun).toBe(true);
  });

  it('names the family, not its index, once, in a host error about a family', async () => {
    const editor = useEditorStore();
    vi.mocked(api.validateProfile).mockResolvedValue({
      ok: false,
      field: 'families[1].axes.grups',
      message: "families[1].axes.grups: 'grups' is not a class-linear setting; did you mean 'groups'?",
    });
    await nextTick();
    editor.draft.measure.seed = '5';
    await validated();
    expect(editor.errorList.map((e) => e.text)).toEqual([
      "class-linear · axes.grups: 'grups' is not a class-linear setting; did you mean 'groups'?",
    ]);
    expect(editor.canRun).toBe(false);
  });

  it('asks before a plan over ten minutes, as over the point limit', async () => {
    const editor = useEditorStore();
    vi.mocked(api.validateProfile).mockImplementation(async (p) => ({ ...okCheck(p as typeof PROFILE, 40), estimatedMs: 16 * 3_600_000 }));
    await nextTick();
    editor.draft.values.groups = '1, 2';
    await validated();
    expect(editor.overTimeLimit).toBe(true);
    expect(editor.overPointLimit).toBe(false);
  });

  it('knows whether the form still holds what was saved, and offers the shipped profiles', async () => {
    const editor = useEditorStore();
    await nextTick();
    expect(editor.dirty).toBe(true);
    editor.markSaved('first-answer.profile.json');
    expect(editor.source).toBe('first-answer.profile.json');
    expect(editor.dirty).toBe(false);
    editor.draft.values.groups = '1, 2';
    await nextTick();
    expect(editor.dirty).toBe(true);
    expect(editor.starters.map((s) => s.name)).toEqual(expect.arrayContaining(['smoke', 'seed-quick']));
    editor.loadStarter('smoke');
    expect(editor.draft.name).toBe('smoke');
  });

  it('loads an opened profile into the form', async () => {
    const editor = useEditorStore();
    editor.loadProfile({ ...PROFILE, families: ['gmp'], modes: ['training'] }, 'x.profile.json');
    expect(editor.source).toBe('x.profile.json');
    expect(editor.draft.families.filter((f) => f.selected).map((f) => f.name)).toEqual(['gmp']);
    expect(editor.draft.values).toMatchObject({ groups: '2, 4', channels: '8' });
    expect(editor.profile).toMatchObject({ families: ['gmp'], modes: ['training'], axes: { groups: [2, 4] }, fixed: { channels: 8 } });
  });
});
