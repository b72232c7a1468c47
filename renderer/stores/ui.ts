import { defineStore } from 'pinia';
import { ref } from 'vue';

export const TABS = ['editor', 'run', 'results', 'history', 'scan', 'files', 'environment'] as const;
export type Tab = (typeof TABS)[number];

/** A one-click way out of what the notice reports, e.g. "Open as results". */
export interface NoticeAction {
  label: string;
  run: () => void | Promise<unknown>;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  action?: NoticeAction;
}

/** How long an information notice stays; errors stay until dismissed, so they cannot be missed. */
export const INFO_NOTICE_MS = 6000;

/** Which view is shown and the messages for the user. Holds no data of the host. */
export const useUiStore = defineStore('ui', () => {
  const tab = ref<Tab>('editor');
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  /** Shows a tab; information about the tab left behind (saved, opened) does not follow to the next one. */
  function show(next: Tab): void {
    if (next !== tab.value) notices.value = notices.value.filter((n) => n.kind === 'error');
    tab.value = next;
  }

  /** Adds a message; errors stay until dismissed, information goes after INFO_NOTICE_MS. */
  function notify(kind: Notice['kind'], text: string, action?: NoticeAction): Notice {
    const notice: Notice = { id: nextId++, kind, text, ...(action ? { action } : {}) };
    // Keep the list short: the newest three.
    notices.value = [...notices.value, notice].slice(-3);
    if (kind === 'info') setTimeout(() => dismiss(notice.id), INFO_NOTICE_MS);
    return notice;
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  return { tab, notices, show, notify, dismiss };
});
