import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import type { ModelFile, ScanStart, ScanStatus } from '../../main/api';
import { messageOf, useApi } from '../api';
import { HostError } from '../api/reply';

/** How often a running scan is asked how it stands. */
export const SCAN_POLL_MS = 1000;

/**
 * The Scan view (docs/scan.md): a model file of the workspace, its class, constructor arguments, input
 * shape and weights; the scan runs on the host (the file's code in a Python process of its own) and is
 * followed by polling until it is done, failed or cancelled.
 */
export const useScanStore = defineStore('scan', () => {
  const api = useApi();
  const models = shallowRef<ModelFile[]>([]);
  const loadingModels = ref(false);
  const form = reactive({
    file: '',
    className: '',
    kwargs: '',
    inputShape: '',
    weights: '',
    mode: 'both' as ScanStart['mode'],
    measure: false,
    keepSlower: false,
    /** The user said the file's code may run. */
    trusted: false,
  });
  const status = shallowRef<ScanStatus | null>(null);
  const error = ref<{ message: string; field?: string } | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  const classes = computed(() => models.value.find((m) => m.path === form.file)?.classes ?? []);
  const running = computed(() => status.value?.state === 'running');
  const report = computed(() => (status.value?.state === 'done' ? status.value.report : null));

  async function loadModels(): Promise<void> {
    loadingModels.value = true;
    try {
      models.value = await api.listModels();
      if (!form.file && models.value[0]) pick(models.value[0].path);
    } catch (e) {
      error.value = { message: `Could not list the workspace's model files: ${messageOf(e)}` };
    } finally {
      loadingModels.value = false;
    }
  }

  function pick(path: string): void {
    form.file = path;
    const found = models.value.find((m) => m.path === path);
    if (found && !found.classes.includes(form.className)) form.className = found.classes.at(-1) ?? '';
  }

  /** The form as the host's request, or an error naming the field. */
  function request(): { ok: true; value: ScanStart } | { ok: false; field: string; message: string } {
    if (!form.file) return { ok: false, field: 'file', message: 'Pick a model file of the workspace' };
    if (!/^[A-Za-z_]\w*$/.test(form.className))
      return { ok: false, field: 'className', message: 'Give the model class, e.g. AttributeModel' };
    const dims = form.inputShape.split(',').map((d) => Number(d.trim()));
    if (!form.inputShape.trim() || dims.some((d) => !Number.isInteger(d) || d < 1) || dims.length > 8) {
      return { ok: false, field: 'inputShape', message: 'The input shape is 1 to 8 positive integers, e.g. 2,2048,14,14' };
    }
    let kwargs: Record<string, unknown> | undefined;
    if (form.kwargs.trim()) {
      try {
        const parsed: unknown = JSON.parse(form.kwargs);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        kwargs = parsed as Record<string, unknown>;
      } catch {
        return { ok: false, field: 'kwargs', message: 'Constructor arguments are a JSON object, e.g. {"groups": 12}' };
      }
    }
    if (!form.trusted) return { ok: false, field: 'trusted', message: "Scanning runs the file's code: confirm you trust it" };
    const value: ScanStart = {
      file: form.file,
      className: form.className,
      inputShape: dims,
      ...(kwargs ? { kwargs } : {}),
      ...(form.weights.trim() ? { weights: form.weights.trim() } : {}),
      mode: form.mode,
      measure: form.measure,
      keepSlower: form.keepSlower,
    };
    return { ok: true, value };
  }

  async function start(): Promise<void> {
    const r = request();
    if (!r.ok) {
      error.value = { field: r.field, message: r.message };
      return;
    }
    error.value = null;
    try {
      const { scanId } = await api.startScan(r.value);
      status.value = { scanId, state: 'running', step: 'starting', startedAt: new Date().toISOString() };
      schedule();
    } catch (e) {
      error.value = { message: messageOf(e), ...(e instanceof HostError && e.field ? { field: e.field } : {}) };
    }
  }

  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void poll(), SCAN_POLL_MS);
  }

  async function poll(): Promise<void> {
    const current = status.value;
    if (!current || current.state !== 'running') return;
    try {
      status.value = await api.scanStatus(current.scanId);
    } catch (e) {
      error.value = { message: `Lost track of the scan: ${messageOf(e)}` };
      status.value = null;
      return;
    }
    const now = status.value;
    if (now.state === 'running') schedule();
    else if (now.state === 'failed') error.value = { message: now.message, ...(now.field ? { field: now.field } : {}) };
  }

  async function cancel(): Promise<void> {
    const current = status.value;
    if (current?.state !== 'running') return;
    try {
      await api.cancelScan(current.scanId);
    } catch (e) {
      error.value = { message: messageOf(e) };
    }
  }

  return { models, loadingModels, form, status, error, classes, running, report, loadModels, pick, start, poll, cancel };
});
