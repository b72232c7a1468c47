import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { INFO_NOTICE_MS, useUiStore } from '../../../renderer/stores/ui';

describe('useUiStore notices', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
  });
  afterEach(() => vi.useRealTimers());

  it('lets information go after a few seconds and keeps errors until dismissed', () => {
    const ui = useUiStore();
    ui.notify('info', 'Saved a.profile.json');
    ui.notify('error', 'Could not open b.json');
    vi.advanceTimersByTime(INFO_NOTICE_MS + 1);
    expect(ui.notices.map((n) => n.text)).toEqual(['Could not open b.json']);
  });

  it('keeps at most three, the newest, and drops information about the tab left behind', () => {
    const ui = useUiStore();
    for (const n of [1, 2, 3, 4, 5]) ui.notify('info', `saved ${n}`);
    expect(ui.notices.map((n) => n.text)).toEqual(['saved 3', 'saved 4', 'saved 5']);
    ui.notify('error', 'Could not save');
    ui.show('results');
    expect(ui.notices.map((n) => n.text)).toEqual(['Could not save']);
    // Showing the tab already on screen drops nothing.
    ui.notify('info', 'Opened results');
    ui.show('results');
    expect(ui.notices).toHaveLength(2);
  });
});
