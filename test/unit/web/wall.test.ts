import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../web/src/features/alerts/types';
import type { KpiSnapshot, MapHub, OnTimeCount, PerMinutePoint, Tier } from '../../../web/src/contract';
import { countHealth, hubHealth } from '../../../web/src/features/wall/health';
import { enrolRetryDelay, nextView, rotateSeconds, wallLang } from '../../../web/src/features/wall/query';
import { sparklinePath } from '../../../web/src/features/wall/sparkline';
import {
  applyAlertChanges,
  orderTicker,
  seedTicker,
  tickerPage,
  type TickerItem,
} from '../../../web/src/features/wall/ticker';
import { createTickerFeed } from '../../../web/src/features/wall/tickerFeed';
import { buildWallTiles } from '../../../web/src/features/wall/tiles';
import {
  formatDelta,
  formatPercent,
  onTimePercent,
  percent,
  trendArrow,
  trendOf,
} from '../../../web/src/features/wall/trend';

/** A title in a person's words (no message key), as the server sends an incident's. */
const words = (title: string) => ({ title, titleKey: null, titleParams: null });

function hub(over: Partial<MapHub> = {}): MapHub {
  return {
    code: 'SHA-TC',
    name: '上海转运中心',
    city: '上海',
    kind: 'transfer_centre',
    lat: 31.15,
    lon: 121.12,
    volume: 100,
    delivered: 0,
    onTime: 0,
    openAlerts: { critical: 0, warning: 0, info: 0 },
    ...over,
  };
}

const tiers = (e: OnTimeCount, s: OnTimeCount, c: OnTimeCount): Record<Tier, OnTimeCount> => ({
  express: e,
  standard: s,
  economy: c,
});
const AT = '2025-03-03T06:30:20.000Z';
const minute = (ago: number, total: number, delivered = 0, exceptions = 0): PerMinutePoint => ({
  t: new Date(Date.parse('2025-03-03T06:30:00.000Z') - ago * 60_000).toISOString(),
  total,
  delivered,
  exceptions,
});

function snapshot(over: Partial<KpiSnapshot> = {}): KpiSnapshot {
  return {
    at: AT,
    inFlight: 1200,
    collectedToday: 5000,
    deliveredToday: 3000,
    exceptionsToday: 12,
    eventsPerMinute: 80,
    perMinute: [minute(2, 70, 30, 1), minute(0, 80, 35, 0)],
    ...over,
  };
}

describe('hubHealth', () => {
  it('is ok without alerts and with too few deliveries to judge on-time', () => {
    expect(hubHealth(hub())).toBe('ok');
    expect(hubHealth(hub({ delivered: 9, onTime: 0 }))).toBe('ok');
    expect(hubHealth(hub({ delivered: 100, onTime: 95 }))).toBe('ok');
  });

  it('is bad with an open critical alert whatever the on-time share', () => {
    expect(hubHealth(hub({ delivered: 100, onTime: 100, openAlerts: { critical: 1, warning: 0, info: 0 } }))).toBe(
      'bad',
    );
  });

  it('is bad below 85 % on time over at least 10 deliveries, warn below 95 %', () => {
    expect(hubHealth(hub({ delivered: 10, onTime: 8 }))).toBe('bad');
    expect(hubHealth(hub({ delivered: 100, onTime: 85 }))).toBe('warn');
    expect(hubHealth(hub({ delivered: 100, onTime: 94 }))).toBe('warn');
  });

  it('is warn with an open warning alert; info alerts do not colour a hub', () => {
    expect(hubHealth(hub({ openAlerts: { critical: 0, warning: 2, info: 0 } }))).toBe('warn');
    expect(hubHealth(hub({ openAlerts: { critical: 0, warning: 0, info: 5 } }))).toBe('ok');
  });

  it('counts hubs per health', () => {
    const hubs = [hub(), hub({ openAlerts: { critical: 1, warning: 0, info: 0 } }), hub({ delivered: 20, onTime: 18 })];
    expect(countHealth(hubs)).toEqual({ ok: 1, warn: 1, bad: 1 });
  });
});

describe('trend and percent', () => {
  it('gives direction, delta and a tone that depends on whether higher is better', () => {
    expect(trendOf(120, 100, 'higher-better')).toEqual({ direction: 'up', delta: 20, tone: 'good' });
    expect(trendOf(120, 100, 'lower-better')).toEqual({ direction: 'up', delta: 20, tone: 'bad' });
    expect(trendOf(80, 100, 'lower-better')).toEqual({ direction: 'down', delta: -20, tone: 'good' });
    expect(trendOf(80, 100)).toEqual({ direction: 'down', delta: -20, tone: 'neutral' });
    expect(trendOf(100, 100, 'higher-better')).toEqual({ direction: 'flat', delta: 0, tone: 'neutral' });
  });

  it('treats changes within epsilon as flat and has no trend without a previous figure', () => {
    expect(trendOf(95.04, 95, 'higher-better', 0.05)?.direction).toBe('flat');
    expect(trendOf(95.2, 95, 'higher-better', 0.05)?.direction).toBe('up');
    expect(trendOf(5, undefined)).toBeNull();
    expect(trendOf(null, 5)).toBeNull();
  });

  it('computes percentages and says nothing when nothing was delivered', () => {
    expect(percent(1, 4)).toBe(25);
    expect(percent(3, 0)).toBeNull();
    expect(onTimePercent({ delivered: 200, onTime: 190 })).toBe(95);
    expect(onTimePercent({ delivered: 0, onTime: 0 })).toBeNull();
    expect(onTimePercent(undefined)).toBeNull();
  });

  it('formats percentages, deltas and arrows for the wall', () => {
    expect(formatPercent(96.44)).toBe('96.4 %');
    expect(formatPercent(100)).toBe('100 %');
    expect(formatPercent(null)).toBe('—');
    expect(formatDelta(1204)).toBe('+1,204');
    expect(formatDelta(-37)).toBe('−37');
    expect(formatDelta(0)).toBe('±0');
    expect(formatDelta(1.26, 'pp')).toBe('+1.3 pp');
    expect(formatDelta(-0.01, 'pp')).toBe('±0.0 pp');
    expect(trendArrow('up')).toBe('▲');
    expect(trendArrow('down')).toBe('▼');
  });
});

describe('buildWallTiles', () => {
  it('shows counts with trends against the previous figures, exceptions rising as bad news', () => {
    const tiles = buildWallTiles(
      snapshot({
        previous: {
          inFlight: 1000,
          collectedToday: 4000,
          deliveredToday: 3500,
          exceptionsToday: 10,
          onTimeToday: tiers(
            { delivered: 100, onTime: 90 },
            { delivered: 0, onTime: 0 },
            { delivered: 50, onTime: 50 },
          ),
          openAlerts: { critical: 0, warning: 3, info: 1 },
        },
      }),
    );
    const byKey = Object.fromEntries(tiles.counts.map((c) => [c.key, c]));
    expect(byKey.inFlight?.trend).toEqual({ direction: 'up', delta: 200, tone: 'neutral' });
    expect(byKey.inFlight?.basis).toBe('hourAgo');
    expect(byKey.collectedToday?.trend).toEqual({ direction: 'up', delta: 1000, tone: 'good' });
    expect(byKey.collectedToday?.basis).toBe('yesterday');
    expect(byKey.deliveredToday?.trend?.tone).toBe('bad');
    expect(byKey.exceptionsToday?.trend).toEqual({ direction: 'up', delta: 2, tone: 'bad' });
    expect(byKey.eventsPerMinute?.trend).toBeNull();
  });

  it('shows "—" (null) for the counters read from aggregates until a complete snapshot has been seen', () => {
    const s = snapshot({
      complete: false,
      onTimeToday: tiers({ delivered: 200, onTime: 196 }, { delivered: 100, onTime: 80 }, { delivered: 0, onTime: 0 }),
    });
    const early = buildWallTiles(s, false);
    const value = (t: typeof early, key: string) => t.counts.find((c) => c.key === key)?.value;
    for (const key of ['collectedToday', 'deliveredToday', 'exceptionsToday', 'eventsPerMinute'])
      expect(value(early, key), key).toBeNull();
    expect(value(early, 'inFlight')).toBe(s.inFlight); // a kept count: exact from the start
    expect(early.onTime?.all.percent).toBeNull();
    expect(early.onTime?.tiers.every((r) => r.percent === null && r.trend === null)).toBe(true);
    const settled = buildWallTiles(s, true);
    expect(value(settled, 'collectedToday')).toBe(s.collectedToday);
    expect(settled.onTime?.all.percent).not.toBeNull();
  });

  it('has no trends when the server sends no previous figures', () => {
    const tiles = buildWallTiles(snapshot());
    expect(tiles.counts.every((c) => c.trend === null && c.basis === null)).toBe(true);
    expect(tiles.onTime).toBeNull();
    expect(tiles.alerts).toBeNull();
  });

  it('draws sparklines over the 60 minutes ending at the snapshot, missing minutes as 0', () => {
    const tiles = buildWallTiles(snapshot());
    const spark = (key: string) => tiles.counts.find((c) => c.key === key)?.spark;
    expect(spark('eventsPerMinute')).toHaveLength(60);
    expect(spark('eventsPerMinute')?.slice(-3)).toEqual([70, 0, 80]);
    expect(spark('deliveredToday')?.slice(-3)).toEqual([30, 0, 35]);
    expect(spark('exceptionsToday')?.slice(-3)).toEqual([1, 0, 0]);
    expect(spark('inFlight')).toBeNull();
  });

  it('gives on-time per tier and overall, in percent, with trends in points against yesterday', () => {
    const tiles = buildWallTiles(
      snapshot({
        onTimeToday: tiers(
          { delivered: 200, onTime: 196 },
          { delivered: 100, onTime: 80 },
          { delivered: 0, onTime: 0 },
        ),
        previous: {
          inFlight: 0,
          collectedToday: 0,
          deliveredToday: 0,
          exceptionsToday: 0,
          onTimeToday: tiers(
            { delivered: 100, onTime: 99 },
            { delivered: 100, onTime: 80 },
            { delivered: 10, onTime: 9 },
          ),
          openAlerts: { critical: 2, warning: 0, info: 0 },
        },
        openAlerts: { critical: 1, warning: 4, info: 0 },
      }),
    );
    const [express, standard, economy] = tiles.onTime!.tiers;
    expect(express).toMatchObject({ tier: 'express', percent: 98, delivered: 200 });
    expect(express?.trend?.direction).toBe('down');
    expect(express?.trend?.delta).toBeCloseTo(-1, 6);
    expect(standard?.trend?.direction).toBe('flat');
    expect(economy).toMatchObject({ percent: null, trend: null });
    expect(tiles.onTime!.all.percent).toBeCloseTo((276 / 300) * 100, 6);
    expect(tiles.alerts).toEqual([
      { severity: 'critical', count: 1, trend: { direction: 'down', delta: -1, tone: 'good' } },
      { severity: 'warning', count: 4, trend: { direction: 'up', delta: 4, tone: 'bad' } },
      { severity: 'info', count: 0, trend: { direction: 'flat', delta: 0, tone: 'neutral' } },
    ]);
  });
});

describe('sparklinePath', () => {
  it('spans the box, highest value at the top and lowest at the bottom', () => {
    expect(sparklinePath([0, 10, 5], 100, 20, 0)).toBe('M0,20L50,0L100,10');
  });

  it('breaks the line at gaps and draws a flat series through the middle', () => {
    expect(sparklinePath([1, null, 3, 5], 30, 10, 0)).toBe('M0,10 M20,5L30,0');
    expect(sparklinePath([4, 4, 4], 10, 10)).toBe('M0,5L5,5L10,5');
  });

  it('returns nothing when there are fewer than two known values', () => {
    expect(sparklinePath([], 10, 10)).toBe('');
    expect(sparklinePath([3, null], 10, 10)).toBe('');
  });
});

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 1,
    rule: 'hub_silent',
    subject: 'hub:NKG-SC',
    hubCode: 'NKG-SC',
    severity: 'critical',
    state: 'open',
    title: words('南京分拣中心 30 分钟无扫描'),
    itemCount: 1,
    openedAt: '2025-03-03T06:00:00.000Z',
    lastSeenAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    escalationLevel: 0,
    muted: false,
    ...over,
  };
}

describe('alert ticker', () => {
  it('seeds with the active, unmuted critical and warning alerts, critical first then newest', () => {
    const items = seedTicker([
      alert({ id: 1, severity: 'warning', openedAt: '2025-03-03T06:10:00.000Z' }),
      alert({ id: 2, severity: 'critical', openedAt: '2025-03-03T05:00:00.000Z' }),
      alert({ id: 3, severity: 'info' }),
      alert({ id: 4, muted: true }),
      alert({ id: 5, state: 'resolved' }),
      alert({ id: 6, severity: 'warning', state: 'acknowledged', openedAt: '2025-03-03T06:20:00.000Z' }),
    ]);
    expect(items.map((i) => i.id)).toEqual([2, 6, 1]);
  });

  it('puts a many-parcel alert above newer one-parcel alerts of the same severity, as the console does', () => {
    const items = seedTicker([
      alert({ id: 1, severity: 'warning', itemCount: 350, openedAt: '2025-03-03T05:00:00.000Z' }),
      alert({ id: 2, severity: 'warning', itemCount: 1, openedAt: '2025-03-03T06:00:00.000Z' }),
      alert({ id: 3, severity: 'critical', itemCount: 2, openedAt: '2025-03-03T04:00:00.000Z' }),
    ]);
    expect(items.map((i) => i.id)).toEqual([3, 1, 2]);
    const next = applyAlertChanges(items, {
      at: '2025-03-03T06:30:00.000Z',
      changes: [{ id: 2, action: 'updated', severity: 'warning', itemCount: 400 }],
    });
    expect(next.map((i) => i.id)).toEqual([3, 2, 1]);
  });

  it('adds opened alerts, refreshes updated ones and drops resolved, auto-resolved and muted ones', () => {
    const seeded = seedTicker([
      alert({ id: 1 }),
      alert({ id: 2, severity: 'warning' }),
      alert({ id: 3, severity: 'warning' }),
    ]);
    const next = applyAlertChanges(seeded, {
      at: '2025-03-03T06:31:00.000Z',
      changes: [
        {
          id: 9,
          action: 'opened',
          severity: 'warning',
          rule: 'parcel_late',
          hubCode: 'SHA-TC',
          title: words('上海 5 件超时'),
        },
        { id: 1, action: 'resolved' },
        { id: 2, action: 'auto_resolved', severity: 'warning' },
        { id: 3, action: 'updated', severity: 'warning', muted: true },
        { id: 10, action: 'opened', severity: 'info', title: words('info only') },
      ],
    });
    expect(next.map((i) => i.id)).toEqual([9]);
    expect(next[0]).toMatchObject({
      severity: 'warning',
      hubCode: 'SHA-TC',
      title: words('上海 5 件超时'),
      openedAt: '2025-03-03T06:31:00.000Z',
    });
  });

  it('keeps acknowledged alerts, ignores bare changes about unknown alerts, and re-grades', () => {
    const seeded = seedTicker([alert({ id: 1, severity: 'warning' }), alert({ id: 2, severity: 'warning' })]);
    const next = applyAlertChanges(seeded, {
      at: null,
      changes: [
        { id: 1, action: 'acknowledged' },
        { id: 77, action: 'escalated' },
        { id: 2, action: 'updated', severity: 'critical', title: words('worse') },
      ],
    });
    expect(next.map((i) => [i.id, i.severity])).toEqual([
      [2, 'critical'],
      [1, 'warning'],
    ]);
    expect(next[0]?.title).toEqual(words('worse'));
    expect(
      applyAlertChanges(next, { at: null, changes: [{ id: 2, action: 'updated', severity: 'info' }] }).map((i) => i.id),
    ).toEqual([1]);
  });

  it('keeps at most the limit and pages through the items, wrapping around', () => {
    const items: TickerItem[] = Array.from({ length: 7 }, (_, i) => ({
      id: i + 1,
      severity: 'warning',
      rule: 'r',
      hubCode: null,
      title: words(`t${i + 1}`),
      openedAt: new Date(Date.UTC(2025, 2, 3, 6, i)).toISOString(),
    }));
    expect(orderTicker(items, 5).map((i) => i.id)).toEqual([7, 6, 5, 4, 3]);
    expect(tickerPage(items, 0, 3)).toMatchObject({ page: 0, pages: 3 });
    expect(tickerPage(items, 2, 3).items.map((i) => i.id)).toEqual([7]);
    expect(tickerPage(items, 3, 3).page).toBe(0);
    expect(tickerPage([], 5, 3)).toEqual({ items: [], page: 0, pages: 1 });
  });
});

describe('wall URL options', () => {
  it('rotates only when asked, within 10 s to 1 h', () => {
    expect(rotateSeconds({})).toBeNull();
    expect(rotateSeconds({ rotate: '30' })).toBe(30);
    expect(rotateSeconds({ rotate: '0' })).toBeNull();
    expect(rotateSeconds({ rotate: 'abc' })).toBeNull();
    expect(rotateSeconds({ rotate: '-5' })).toBeNull();
    expect(rotateSeconds({ rotate: '2' })).toBe(10);
    expect(rotateSeconds({ rotate: '99999' })).toBe(3600);
    expect(rotateSeconds({ rotate: ['45', '10'] })).toBe(45);
  });

  it('speaks Chinese unless ?lang=en', () => {
    expect(wallLang({})).toBe('zh');
    expect(wallLang({ lang: 'en' })).toBe('en');
    expect(wallLang({ lang: 'fr' })).toBe('zh');
  });

  it('alternates the views and retries enrolment after 30 to 60 seconds', () => {
    expect(nextView('map')).toBe('trends');
    expect(nextView('trends')).toBe('map');
    expect(enrolRetryDelay(() => 0)).toBe(30_000);
    expect(enrolRetryDelay(() => 0.999999)).toBe(60_000);
    expect(enrolRetryDelay(() => 0.5)).toBe(45_000);
  });
});

describe('ticker feed', () => {
  function deferred<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  function harness() {
    const calls: Array<ReturnType<typeof deferred<Alert[]>>> = [];
    const published: number[][] = [];
    const errors: unknown[] = [];
    const feed = createTickerFeed({
      fetchList: () => {
        const d = deferred<Alert[]>();
        calls.push(d);
        return d.promise;
      },
      publish: (items) => published.push(items.map((i) => i.id)),
      onError: (err) => errors.push(err),
    });
    return { feed, calls, published, errors, last: () => published[published.length - 1] };
  }

  it('applies changes that arrive while the list is on its way on top of the list', async () => {
    const h = harness();
    const done = h.feed.seed();
    expect(h.feed.seeding).toBe(true);
    h.feed.onChanges({
      at: AT,
      changes: [{ id: 9, action: 'opened', severity: 'critical', title: words('new'), rule: 'incident' }],
    });
    h.feed.onChanges({ at: AT, changes: [{ id: 1, action: 'resolved' }] });
    expect(h.last()).toEqual([9]);
    h.calls[0]!.resolve([alert({ id: 1 }), alert({ id: 2, severity: 'warning' })]);
    await done;
    expect(h.last()).toEqual([9, 2]);
    expect(h.feed.seeded).toBe(true);
    expect(h.feed.seeding).toBe(false);
  });

  it('fetches once more when asked again while a list is in flight, not twice at once', async () => {
    const h = harness();
    const first = h.feed.seed();
    const second = h.feed.seed();
    expect(h.calls).toHaveLength(1);
    h.calls[0]!.resolve([alert({ id: 1 })]);
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(h.calls).toHaveLength(2);
    h.calls[1]!.resolve([alert({ id: 5 })]);
    await Promise.all([first, second]);
    expect(h.last()).toEqual([5]);
  });

  it('reports a failed list and stays unseeded; publishes nothing once disposed', async () => {
    const h = harness();
    const failed = h.feed.seed();
    h.calls[0]!.reject(new Error('401'));
    await failed;
    expect(h.errors).toHaveLength(1);
    expect(h.feed.seeded).toBe(false);
    const later = h.feed.seed();
    h.feed.dispose();
    h.calls[1]!.resolve([alert({ id: 3 })]);
    await later;
    h.feed.onChanges({ at: AT, changes: [{ id: 4, action: 'opened', severity: 'warning', title: words('x') }] });
    expect(h.published).toEqual([]);
  });
});
