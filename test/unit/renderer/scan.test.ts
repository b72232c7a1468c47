import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../../../renderer/api';
import { SCAN_POLL_MS, useScanStore } from '../../../renderer/stores/scan';
import { HostError } from '../../../renderer/api/reply';
import { fakeApi, SCAN_REPORT, settle, type FakeApi } from './fake-api';
import { scanAnswer } from '../../../engine/report/scan-report';

describe('useScanStore', () => {
  let api: FakeApi;

  beforeEach(() => {
    api = fakeApi();
    installApi(api);
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('lists the model files and picks the first file and its last class', async () => {
    const scan = useScanStore();
    await scan.loadModels();
    expect(scan.form.file).toBe('models/net.py');
    expect(scan.classes).toEqual(['Branch', 'Net']);
    expect(scan.form.className).toBe('Net');
  });

  it('names the field at fault before asking the host: shape, constructor arguments, trust', async () => {
    const scan = useScanStore();
    await scan.loadModels();
    await scan.start();
    expect(scan.error?.field).toBe('inputShape');
    scan.form.inputShape = '2, 8, 5, 4';
    scan.form.kwargs = '[1]';
    await scan.start();
    expect(scan.error?.field).toBe('kwargs');
    scan.form.kwargs = '{"groups": 4}';
    await scan.start();
    expect(scan.error?.field).toBe('trusted');
    expect(api.startScan).not.toHaveBeenCalled();
  });

  it('starts a scan, polls until it is done, and shows the report', async () => {
    const scan = useScanStore();
    await scan.loadModels();
    Object.assign(scan.form, { inputShape: '2,8,5,4', kwargs: '{"groups": 4}', trusted: true, measure: true });
    vi.mocked(api.scanStatus).mockResolvedValueOnce({ scanId: 'scan-1', state: 'running', step: 'pass 1/3', startedAt: 'now' });
    await scan.start();
    expect(api.startScan).toHaveBeenCalledWith({
      file: 'models/net.py',
      className: 'Net',
      inputShape: [2, 8, 5, 4],
      kwargs: { groups: 4 },
      mode: 'both',
      measure: true,
      keepSlower: false,
    });
    expect(scan.running).toBe(true);
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(scan.status).toMatchObject({ state: 'running', step: 'pass 1/3' });
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    await settle();
    expect(scan.running).toBe(false);
    expect(scan.report).toEqual(SCAN_REPORT);
    expect(scanAnswer(scan.report!)).toBe(
      'fusing 1 of 2 sites: ×1.7 [1.6–1.8] faster in training; same function, max rel. err 3e-7 (float32)',
    );
  });

  it("keeps the host's field when it refuses a scan (a file outside the workspace)", async () => {
    const scan = useScanStore();
    await scan.loadModels();
    Object.assign(scan.form, { inputShape: '2,8,5,4', trusted: true, weights: '../w.pt' });
    vi.mocked(api.startScan).mockRejectedValueOnce(new HostError('../w.pt is outside the workspace', 'file', 'weights'));
    await scan.start();
    expect(scan.error).toEqual({ message: '../w.pt is outside the workspace', field: 'weights' });
  });
});
