import { effectScope } from 'vue';
import { afterEach, describe, expect, it } from 'vitest';
import { kpiSnapshot } from '../../../contract/kpi.ts';
import { ApiError, fetchMe, isSessionLost, onSessionLost, request, requestAs } from '../../../web/src/api';
import { useRequest } from '../../../web/src/composables/useRequest';
import { fetchAlerts } from '../../../web/src/features/alerts/api';
import { fetchHandoffs } from '../../../web/src/features/handoffs/api';
import { fetchHandover } from '../../../web/src/features/handover/api';
import { searchParcels } from '../../../web/src/features/track/api';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  onSessionLost(() => undefined);
});

function answer(status: number, body: unknown): void {
  globalThis.fetch = async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
const refused = { error: { code: 'unauthenticated', message: 'Sign in first' } };

describe('the API helper', () => {
  it('tells the session-lost handler once about a 401, and still fails the call', async () => {
    let lost = 0;
    onSessionLost(() => {
      lost += 1;
    });
    answer(401, refused);
    const err: unknown = await request('/api/v1/alerts').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isSessionLost(err)).toBe(true);
    expect(lost).toBe(1);
    answer(403, { error: { code: 'forbidden', message: 'No' } });
    const other: unknown = await request('/api/v1/alerts').catch((e: unknown) => e);
    expect(isSessionLost(other)).toBe(false);
    expect(lost).toBe(1);
  });

  it('leaves a 401 to the callers that expect one (who am I)', async () => {
    let lost = 0;
    onSessionLost(() => {
      lost += 1;
    });
    answer(401, refused);
    expect(await fetchMe()).toBeNull();
    expect(lost).toBe(0);
  });

  it('checks an answer against its wire schema: one outside it is invalid_response', async () => {
    answer(200, { at: 'not a time' });
    const err: unknown = await requestAs(kpiSnapshot, '/api/v1/kpis?x=1').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'invalid_response' });
    expect((err as ApiError).serverMessage).toBe('Unexpected /api/v1/kpis response from server');
  });

  it("checks the features' answers the same way (alerts, hand-offs, handover, track)", async () => {
    const calls: Array<[body: unknown, call: () => Promise<unknown>]> = [
      [{ alerts: [{ id: 'bad' }] }, () => fetchAlerts('active')],
      [{ handoffs: 3 }, () => fetchHandoffs('all')],
      [{ from: 'yesterday' }, () => fetchHandover({ date: '2026-11-27', kind: 'night' })],
      [{ results: [{ waybill: 1 }] }, () => searchParcels('5678')],
    ];
    for (const [body, call] of calls) {
      answer(200, body);
      expect(await call().catch((e: unknown) => e)).toMatchObject({ status: 502, code: 'invalid_response' });
    }
  });
});

describe('useRequest', () => {
  it('keeps only the latest call: a slow earlier answer never lands over a newer one', async () => {
    const pending: Array<(v: string) => void> = [];
    const r = useRequest<string>(() => new Promise<string>((resolve) => pending.push(resolve)), '');
    const first = r.load();
    const second = r.load();
    pending[1]!('new');
    await second;
    pending[0]!('old');
    await first;
    expect(r.data.value).toBe('new');
    expect(r.loaded.value).toBe(true);
    expect(r.error.value).toBeNull();
  });

  it('shows no error for a lost session (the API helper sends the person to sign in)', async () => {
    const r = useRequest<number>(() => Promise.reject(new ApiError(401, 'unauthenticated', 'Sign in first')), 0);
    await r.load();
    expect(r.error.value).toBeNull();
    expect(r.loaded.value).toBe(true);
  });

  it('keeps the last good data and shows the latest failure', async () => {
    let fail = false;
    const r = useRequest<number>(async () => {
      if (fail) throw new Error('server away');
      return 7;
    }, 0);
    await r.load();
    fail = true;
    await r.load();
    expect(r.data.value).toBe(7);
    expect(r.error.value).toBe('server away');
  });

  it('aborts the call it supersedes, says which call landed, and is loading only while the latest runs', async () => {
    const calls: Array<{ signal: AbortSignal; arg: string; resolve: (v: string) => void }> = [];
    const r = useRequest<string, [arg: string]>(
      (signal, arg) => new Promise<string>((resolve) => calls.push({ signal, arg, resolve })),
      '',
    );
    expect(r.loading.value).toBe(false);
    const first = r.load('a');
    expect(r.loading.value).toBe(true);
    const second = r.load('b');
    expect(calls.map((c) => c.arg)).toEqual(['a', 'b']);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.signal.aborted).toBe(false);
    calls[0]!.resolve('A');
    expect(await first).toBe(false);
    expect(r.loading.value).toBe(true);
    calls[1]!.resolve('B');
    expect(await second).toBe(true);
    expect(r.loading.value).toBe(false);
    expect(r.data.value).toBe('B');
  });

  it('reset drops the running call and goes back to the start', async () => {
    let resolve: (v: number) => void = () => undefined;
    const r = useRequest<number>(() => new Promise<number>((res) => (resolve = res)), 0);
    const call = r.load();
    r.reset();
    expect(r.loading.value).toBe(false);
    resolve(5);
    expect(await call).toBe(false);
    expect(r.data.value).toBe(0);
    expect(r.loaded.value).toBe(false);
  });

  it('cancel drops the running call but keeps what is shown', async () => {
    let resolve: (v: number) => void = () => undefined;
    let n = 0;
    const r = useRequest<number>(
      () => (++n === 1 ? Promise.resolve(3) : new Promise<number>((res) => (resolve = res))),
      0,
    );
    await r.load();
    const call = r.load();
    r.cancel();
    expect(r.loading.value).toBe(false);
    resolve(5);
    expect(await call).toBe(false);
    expect(r.data.value).toBe(3);
  });

  it('clearOnError drops the answer shown before; errorMessage words the failure', async () => {
    let fail = false;
    const r = useRequest<number | null>(
      async () => {
        if (fail) throw new ApiError(0, 'network_error', 'offline');
        return 7;
      },
      null,
      { clearOnError: true, errorMessage: (err) => (err instanceof ApiError ? `no network (${err.code})` : '?') },
    );
    expect(await r.load()).toBe(true);
    expect(r.data.value).toBe(7);
    fail = true;
    expect(await r.load()).toBe(false);
    expect(r.data.value).toBeNull();
    expect(r.error.value).toBe('no network (network_error)');
  });

  it('lands nothing after the component that made it is gone', async () => {
    let call: { signal: AbortSignal; resolve: (v: string) => void } | undefined;
    const scope = effectScope();
    const r = scope.run(() =>
      useRequest<string>((signal) => new Promise<string>((resolve) => (call = { signal, resolve })), 'initial'),
    )!;
    const pending = r.load();
    scope.stop();
    expect(call!.signal.aborted).toBe(true);
    call!.resolve('late');
    expect(await pending).toBe(false);
    expect(r.data.value).toBe('initial');
  });
});
