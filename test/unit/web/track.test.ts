import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../../../web/src/i18n';
import {
  eventLabel,
  reasonLabel,
  statusLabel,
  TONE_COLORS,
  verdictColor,
  verdictLabel,
  verdictTone,
} from '../../../web/src/features/track/labels';
import {
  buildRouteOption,
  CURRENT_COLOR,
  labelPosition,
  paddedExtent,
  ROUTE_MIN_SPAN_DEGREES,
  routeModel,
} from '../../../web/src/features/track/route';
import {
  formatBeijingDateTime,
  formatYuan,
  timelineNewestFirst,
  timelineOldestFirst,
} from '../../../web/src/features/track/timeline';
import { parseShipmentDetail, parseTrackResponse, type TrajectoryStep } from '../../../web/src/features/track/types';

const step = (over: Partial<TrajectoryStep>): TrajectoryStep => ({
  id: 'ev',
  time: '2026-11-27T01:00:00.000Z',
  receivedAt: '2026-11-27T01:00:01.000Z',
  type: 'arrived_hub',
  hub: null,
  hubName: null,
  city: null,
  courier: null,
  latitude: null,
  longitude: null,
  signer: null,
  reason: null,
  detail: null,
  ...over,
});

// A Hangzhou → Beijing trip, given out of order (a late scan arrives last).
const HGH_O1 = { hub: 'HGH-O1', hubName: '杭州西湖网点', city: '杭州', latitude: 30.2592, longitude: 120.13 };
const HGH_SC = { hub: 'HGH-SC', hubName: '杭州分拣中心', city: '杭州', latitude: 30.3, longitude: 120.2 };
const BJS_TC = { hub: 'BJS-TC', hubName: '北京转运中心', city: '北京', latitude: 39.9, longitude: 116.4 };
const trip: TrajectoryStep[] = [
  step({ id: 'a', type: 'arrived_hub', time: '2026-11-27T05:00:00.000Z', ...BJS_TC }),
  step({ id: 'c', type: 'collected', time: '2026-11-27T01:00:00.000Z', ...HGH_O1 }),
  step({ id: 'd2', type: 'departed_hub', time: '2026-11-27T03:00:00.000Z', ...HGH_SC }),
  step({ id: 'r', type: 'arrived_hub', time: '2026-11-27T02:00:00.000Z', ...HGH_SC }),
];

afterEach(() => setLang('zh'));

describe('labels', () => {
  it('labels statuses, events, reasons and verdicts in zh and en', () => {
    setLang('zh');
    expect(statusLabel('in_transit')).toBe('运输中');
    expect(eventLabel('arrived_hub')).toBe('到达');
    expect(reasonLabel('refused')).toBe('拒收');
    expect(verdictLabel('at_risk')).toBe('有延误风险');
    setLang('en');
    expect(statusLabel('in_transit')).toBe('In transit');
    expect(statusLabel('out_for_delivery')).toBe('Out for delivery');
    expect(eventLabel('departed_hub')).toBe('Departed hub');
    expect(reasonLabel('wrong_address')).toBe('Wrong address');
    expect(verdictLabel('on_time')).toBe('On time');
  });

  it('shows unknown values as sent and missing ones as a dash', () => {
    expect(statusLabel('teleported')).toBe('teleported');
    expect(eventLabel(null)).toBe('—');
    expect(verdictLabel(undefined)).toBe('—');
  });

  it('has a label for every status and event type the server knows, in both languages', () => {
    const statuses = [
      'collected',
      'in_transit',
      'out_for_delivery',
      'delivery_failed',
      'exception',
      'delivered',
      'returned',
    ];
    const events = [
      'collected',
      'departed_hub',
      'arrived_hub',
      'out_for_delivery',
      'delivered',
      'delivery_failed',
      'exception',
      'returned',
    ];
    for (const lang of ['zh', 'en'] as const) {
      setLang(lang);
      for (const s of statuses) expect(statusLabel(s)).not.toBe(s);
      for (const e of events) expect(eventLabel(e)).not.toBe(e);
    }
  });
});

describe('verdict colours', () => {
  it('on_time / on_track green, at_risk amber, late red, excused grey', () => {
    expect(verdictTone('on_time')).toBe('good');
    expect(verdictTone('on_track')).toBe('good');
    expect(verdictTone('at_risk')).toBe('warn');
    expect(verdictTone('late')).toBe('bad');
    expect(verdictTone('excused')).toBe('muted');
    expect(verdictColor('on_time')).toBe('#2ecc71');
    expect(verdictColor('at_risk')).toBe('#f5a623');
    expect(verdictColor('late')).toBe('#ff5c5c');
    expect(verdictColor('excused')).toBe(TONE_COLORS.muted);
  });

  it('greys out a missing or unknown verdict (and does not trip on prototype keys)', () => {
    expect(verdictTone(null)).toBe('muted');
    expect(verdictTone('toString')).toBe('muted');
    expect(verdictTone('whatever')).toBe('muted');
  });
});

describe('timeline', () => {
  it('orders scans newest first by event time, whatever the arrival order', () => {
    expect(timelineNewestFirst(trip).map((s) => s.id)).toEqual(['a', 'd2', 'r', 'c']);
    expect(timelineOldestFirst(trip).map((s) => s.id)).toEqual(['c', 'r', 'd2', 'a']);
  });

  it('breaks ties of event time by the later arrival first and does not modify its input', () => {
    const same = [
      step({ id: 'x', receivedAt: '2026-11-27T01:00:01.000Z' }),
      step({ id: 'y', receivedAt: '2026-11-27T01:00:05.000Z' }),
    ];
    const copy = [...same];
    expect(timelineNewestFirst(same).map((s) => s.id)).toEqual(['y', 'x']);
    expect(same).toEqual(copy);
  });

  it('formats Beijing date and time whatever the machine zone', () => {
    expect(formatBeijingDateTime('2026-11-27T15:59:59.999Z')).toBe('2026-11-27 23:59');
    expect(formatBeijingDateTime('2026-11-27T16:05:00.000Z')).toBe('2026-11-28 00:05');
    expect(formatBeijingDateTime(null)).toBe('—');
    expect(formatBeijingDateTime('not a time')).toBe('—');
    expect(formatYuan(12.5)).toBe('¥12.50');
    expect(formatYuan(null)).toBe('—');
  });
});

describe('route chart option', () => {
  it('lists each hub once in order of first visit and marks the current one', () => {
    const { hubs, path } = routeModel(trip);
    expect(hubs.map((h) => [h.key, h.order, h.current])).toEqual([
      ['HGH-O1', 1, false],
      ['HGH-SC', 2, false],
      ['BJS-TC', 3, true],
    ]);
    // Two scans at HGH-SC make one point of the path.
    expect(path).toEqual([
      [120.13, 30.2592],
      [120.2, 30.3],
      [116.4, 39.9],
    ]);
  });

  it('skips scans without coordinates', () => {
    const { hubs, path } = routeModel([
      ...trip,
      step({ id: 'n', time: '2026-11-27T06:00:00.000Z', type: 'out_for_delivery' }),
    ]);
    expect(hubs).toHaveLength(3);
    expect(path).toHaveLength(3);
    expect(routeModel([step({})]).hubs).toEqual([]);
  });

  it('draws the path as a polyline and the hubs as points on the map of China, zoomed to the route', () => {
    const option = buildRouteOption(trip, undefined, { path: '路由', hubs: '网点' });
    const series = option.series as Array<Record<string, unknown>>;
    expect(series.map((s) => [s.type, s.name, s.coordinateSystem])).toEqual([
      ['lines', '路由', 'geo'],
      ['scatter', '网点', 'geo'],
    ]);
    expect(series[0]!.data).toEqual([{ coords: routeModel(trip).path }]);
    expect(series[0]!.polyline).toBe(true);
    const points = series[1]!.data as Array<{
      name: string;
      value: number[];
      itemStyle: { color: string };
      label: { position: string };
    }>;
    expect(points.map((p) => p.name)).toEqual(['杭州西湖网点', '杭州分拣中心', '北京转运中心']);
    expect(points[2]!.value.slice(0, 2)).toEqual([116.4, 39.9]);
    expect(points[2]!.itemStyle.color).toBe(CURRENT_COLOR);
    expect(points[0]!.itemStyle.color).not.toBe(CURRENT_COLOR);

    const geo = option.geo as Record<string, unknown>;
    expect(geo.map).toBe('china');
    const [[west, north], [east, south]] = geo.boundingCoords as number[][] as [[number, number], [number, number]];
    // Every hub inside the window, which is at least ROUTE_MIN_SPAN_DEGREES wide.
    for (const p of points) {
      expect(p.value[0]!).toBeGreaterThan(west);
      expect(p.value[0]!).toBeLessThan(east);
      expect(p.value[1]!).toBeGreaterThan(south);
      expect(p.value[1]!).toBeLessThan(north);
    }
    expect(east - west).toBeGreaterThanOrEqual(ROUTE_MIN_SPAN_DEGREES);
    expect(north - south).toBeGreaterThanOrEqual(ROUTE_MIN_SPAN_DEGREES);
    // The two Hangzhou hubs (a few km apart) put their names above and below; Beijing points inwards.
    expect(points.map((p) => p.label.position)).toEqual(['top', 'bottom', 'right']);
  });

  it('points labels of isolated hubs towards the middle of the grid', () => {
    const far = [
      step({ id: '1', time: '2026-11-27T01:00:00.000Z', ...HGH_O1 }),
      step({ id: '2', time: '2026-11-27T02:00:00.000Z', ...BJS_TC }),
    ];
    const hubs = routeModel(far).hubs;
    const lon = paddedExtent(hubs.map((h) => h.lon));
    expect([labelPosition(hubs, 0, lon), labelPosition(hubs, 1, lon)]).toEqual(['left', 'right']);
  });

  it('gives a single hub a window of at least a degree, and no window without hubs', () => {
    const e = paddedExtent([120.13])!;
    expect(e.max - e.min).toBeGreaterThanOrEqual(1);
    expect(e.min).toBeLessThan(120.13);
    expect(paddedExtent([])).toBeNull();
    const empty = buildRouteOption([]);
    expect((empty.series as Array<{ data: unknown[] }>).every((s) => s.data.length === 0)).toBe(true);
  });
});

describe('response checks', () => {
  it('accepts the look-up shapes and rejects malformed answers', () => {
    const person = { name: '李*', phone: '138****1234', address: null, city: '上海' };
    const hub = { code: 'SHA-TC', name: '上海转运中心' };
    const promise = {
      tier: 'standard',
      startDay: '2026-11-02',
      earliest: null,
      deadline: '2026-11-05T10:00:00.000Z',
      predictedArrival: null,
      verdict: 'on_track',
    };
    const hit = {
      waybill: 'PW1',
      tier: 'standard',
      status: 'in_transit',
      statusAt: null,
      masked: true,
      recipient: person,
      origin: hub,
      destination: hub,
      collectedAt: '2026-11-02T02:00:00.000Z',
      lastScan: null,
      deliveredAt: null,
      exception: null,
      promise,
      match: 'waybill',
    };
    expect(parseTrackResponse({ query: '5678', results: [hit] })?.results).toHaveLength(1);
    expect(parseTrackResponse({ results: [{ waybill: 1 }] })).toBeNull();
    expect(
      parseTrackResponse({ query: '5678', results: [{ ...hit, promise: { ...promise, verdict: 'maybe' } }] }),
    ).toBeNull();
    expect(parseTrackResponse(null)).toBeNull();
    const fee = {
      chargeableWeightKg: 1,
      zone: 2,
      parts: { base: 12, weight: 0, tier: 0, insurance: 0 },
      total: 12,
      currency: 'CNY',
      paymentState: 'unpaid',
    };
    const step = {
      id: 'e1',
      time: '2026-11-02T02:00:00.000Z',
      receivedAt: '2026-11-02T02:00:01.000Z',
      type: 'collected',
      hub: 'SHA-TC',
      hubName: null,
      city: null,
      courier: null,
      latitude: null,
      longitude: null,
      signer: null,
      reason: null,
      detail: null,
    };
    const detail = {
      ...hit,
      sender: person,
      signer: null,
      item: { name: null, weightKg: 1, volumeCm3: null, declaredValue: null },
      collectedBy: null,
      fee,
      trajectory: [step],
    };
    expect(parseShipmentDetail(detail)).not.toBeNull();
    expect(parseShipmentDetail({ ...detail, trajectory: [{ ...step, time: 'x' }] })).toBeNull();
    expect(parseShipmentDetail({ ...hit, sender: person, fee })).toBeNull();
  });
});

describe('arrival window', () => {
  it('reads p10–p90 in Beijing time with the most likely time, in Chinese and English', async () => {
    const { arrivalWindow } = await import('../../../web/src/features/track/eta');
    // 06:00Z = 14:00 Beijing; the window stays on one Beijing day.
    const a = {
      p10: '2026-12-06T06:02:00Z',
      p50: '2026-12-06T08:00:00Z',
      p90: '2026-12-06T10:00:00Z',
      overdue: false,
      basis: 'model',
    };
    expect(arrivalWindow(a, 'zh')).toBe('12月6日 14:00–18:00，最可能 16:00');
    expect(arrivalWindow(a, 'en')).toBe('6 Dec 14:00–18:00, most likely 16:00');
  });

  it('names both days when the window crosses Beijing midnight, and a dash without an estimate', async () => {
    const { arrivalWindow } = await import('../../../web/src/features/track/eta');
    const a = {
      p10: '2026-12-06T14:00:00Z',
      p50: '2026-12-07T01:00:00Z',
      p90: '2026-12-07T04:00:00Z',
      overdue: true,
      basis: 'model',
    };
    expect(arrivalWindow(a, 'zh')).toBe('12月6日 22:00 – 12月7日 12:00，最可能 12月7日 09:00');
    expect(arrivalWindow(null, 'en')).toBe('—');
  });
});
