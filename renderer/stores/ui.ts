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

/** Which view is shown and the messages for the user. Holds no data of the host. */
export const useUiStore = defineStore('ui', () => {
  const tab = ref<Tab>('editor');
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  function show(next: Tab): void {
    tab.value = next;
  }

  /** Adds a message; errors stay until dismissed, information goes after a few seconds (the view decides). */
  function notify(kind: Notice['kind'], text: string, action?: NoticeAction): Notice {
    const notice: Notice = { id: nextId++, kind, text, ...(action ? { action } : {}) };
    // Keep the list short: the newest five.
    notices.value = [...notices.value, notice].slice(-5);
    return notice;
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  return { tab, notices, show, notify, dismiss };
});
