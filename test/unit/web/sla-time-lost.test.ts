import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../../../web/src/i18n';
import { buildDwellHeatOption, buildTimeLostOption } from '../../../web/src/features/sla/chart-options';
import { causeLabel, heatCells, lostCells, lostCsv, placeLabel } from '../../../web/src/features/sla/time-lost';
import type { TimeLost, TimeLostParcel } from '../../../web/src/features/sla/types';

// Other files in the worker may leave the language at English (the unit tier does not isolate files).
beforeEach(() => setLang('zh'));
afterEach(() => setLang('zh'));
const names = { 'HGH-SC': '杭州分拣中心' };

describe('where the time was lost: labels, rows, CSV', () => {
  it('names a breach cause by its segment and responsible, in both languages', () => {
    expect(causeLabel({ code: 'hub_dwell', hub: 'HGH-SC', excessHours: 12 }, names)).toBe(
      '在 HGH-SC 杭州分拣中心 中转停留',
    );
    expect(causeLabel({ code: 'line_haul', lane: 'HGH-SC→BJS-TC', excessHours: 5 }, names)).toBe('干线 HGH-SC→BJS-TC');
    setLang('en');
    expect(causeLabel({ code: 'hub_dwell', hub: 'HGH-SC', excessHours: 12 }, names)).toBe(
      'hub dwell at HGH-SC 杭州分拣中心',
    );
    expect(placeLabel('line_haul', 'HGH-SC→BJS-TC', names)).toBe('line-haul HGH-SC→BJS-TC');
    expect(causeLabel(null, names)).toBe('—');
  });

  it('writes the drill-down rows as the table shows them', () => {
    const p: TimeLostParcel = {
      waybill: 'PW1',
      tier: 'standard',
      origin: 'HGH-O1',
      destination: 'SHA-O1',
      deliveredAt: '2026-11-09T02:00:00Z',
      deadline: '2026-11-05T10:00:00Z',
      lateHours: 88,
      cause: { code: 'hub_dwell', hub: 'HGH-SC', excessHours: 110 },
      charges: [],
      at: { kind: 'hub_dwell', responsible: 'HGH-SC', excessHours: 110 },
    };
    expect(lostCells(p, names)).toEqual([
      'PW1',
      '标准',
      'HGH-O1→SHA-O1',
      '在 HGH-SC 杭州分拣中心 中转停留',
      '110.0',
      '88.0',
      '2026-11-09 10:00',
      '在 HGH-SC 杭州分拣中心 中转停留',
    ]);
    expect(lostCsv([p], names).split('\r\n')[0]).toBe(
      '运单号,时效,线路,环节,该处超时（小时）,延误（小时）,签收时间,原因',
    );
  });
});

describe('where the time was lost: charts', () => {
  it('colours the Pareto bars by segment kind, keeps the order, and puts the cumulative share in % on the right axis', () => {
    const o = buildTimeLostOption({
      bars: [
        { kind: 'hub_dwell', axis: 'HGH-SC', tooltip: 'x', excessHours: 16, parcels: 2, cumulative: 0.64 },
        { kind: 'line_haul', axis: 'A→B', tooltip: 'y', excessHours: 9, parcels: 1, cumulative: 1 },
      ],
      kinds: [
        { kind: 'hub_dwell', label: 'Dwell' },
        { kind: 'line_haul', label: 'Haul' },
      ],
      labels: { excess: 'h', cumulative: 'Cum', parcels: 'N' },
      rotate: 30,
    });
    const series = o.series as Array<{ id: string; type: string; data: Array<number | null>; yAxisIndex?: number }>;
    expect(series.map((s) => [s.id, s.data])).toEqual([
      ['hub_dwell', [16, null]],
      ['line_haul', [null, 9]],
      ['cumulative', [64, 100]],
    ]);
    expect(series[2]).toMatchObject({ type: 'line', yAxisIndex: 1 });
    expect((o.xAxis as { data: string[] }).data).toEqual(['HGH-SC', 'A→B']);
  });

  it('lays the dwell p90 out as days (rows) by hours (columns) of one hub, leaving hours without a dwell empty', () => {
    const p90 = Array.from({ length: 168 }, () => null as number | null);
    p90[0] = 2;
    p90[24 + 22] = 9.5;
    p90[167] = 4;
    const t = { heatmap: [{ hub: 'HGH-SC', p90 }] } as unknown as TimeLost;
    const cells = heatCells(t, 'HGH-SC');
    expect(cells).toEqual([
      [0, 0, 2],
      [22, 1, 9.5],
      [23, 6, 4],
    ]);
    expect(heatCells(t, 'NKG-SC')).toEqual([]);
    const o = buildDwellHeatOption({ cells, days: ['一', '二', '三', '四', '五', '六', '日'], label: 'p90' });
    expect((o.visualMap as { max: number }).max).toBe(10);
    // One week-long hold does not flatten the scale of the ordinary hours.
    const many = [
      ...Array.from({ length: 40 }, (_, i) => [i % 24, i % 7, 2 + (i % 3)] as [number, number, number]),
      [5, 5, 170] as [number, number, number],
    ];
    const capped = buildDwellHeatOption({
      cells: many,
      days: ['一', '二', '三', '四', '五', '六', '日'],
      label: 'p90',
    });
    expect(capped.visualMap as { max: number; text: string[] }).toMatchObject({ max: 4, text: ['≥ 4 h', '0'] });
    expect((o.series as Array<{ type: string; data: unknown[] }>)[0]).toMatchObject({ type: 'heatmap', data: cells });
  });
});
