import { afterEach, describe, expect, it } from 'vitest';
import {
  buildCsv,
  csvCell,
  filterAlerts,
  filtersFromQuery,
  filtersToQuery,
  formatBeijingDateTime,
  formatBeijingShort,
  pagingChanges,
  parcelStatusLabel,
  parcelsCsv,
  ruleLabel,
  severityLabel,
  sortAlerts,
  DEFAULT_FILTERS,
} from '../../../web/src/features/alerts/logic';
import {
  KNOWN_RULES,
  parseAlertDetail,
  parseAlertEnvelope,
  parseAlertList,
  type Alert,
} from '../../../web/src/features/alerts/types';
import { parseServerMessage, subscribeMessage, SUBSCRIBE_MESSAGE } from '../../../web/src/composables/liveProtocol';
import { setLang } from '../../../web/src/i18n';

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 1,
    rule: 'parcel_late',
    subject: 'hub:SHA-TC',
    hubCode: 'SHA-TC',
    severity: 'warning',
    state: 'open',
    title: { title: '上海转运中心 3 件超时', titleKey: null, titleParams: null },
    itemCount: 3,
    openedAt: '2026-11-20T02:00:00.000Z',
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

afterEach(() => setLang('zh'));

describe('alert filters in the URL', () => {
  it('reads valid filters and drops invalid ones', () => {
    expect(filtersFromQuery({ severity: 'critical', rule: 'parcel_late', hub: 'SHA-TC', state: 'open' })).toEqual({
      severity: 'critical',
      rule: 'parcel_late',
      hub: 'SHA-TC',
      state: 'open',
    });
    expect(filtersFromQuery({ severity: 'panic', rule: 'DROP TABLE', hub: 'sha tc', state: 'everything' })).toEqual(
      DEFAULT_FILTERS,
    );
    expect(filtersFromQuery({ hub: ['CAN-TC', 'SHA-TC'] }).hub).toBe('CAN-TC');
    expect(filtersFromQuery({})).toEqual(DEFAULT_FILTERS);
  });

  it('round-trips and leaves defaults out of the query', () => {
    expect(filtersToQuery(DEFAULT_FILTERS)).toEqual({});
    const f = { severity: 'info' as const, rule: 'hub_silent', hub: 'PEK-SC', state: 'resolved' as const };
    expect(filtersFromQuery(filtersToQuery(f))).toEqual(f);
  });
});

describe('filterAlerts', () => {
  const list = [
    alert({ id: 1, hubCode: 'SHA-TC', state: 'open' }),
    alert({ id: 2, hubCode: 'CAN-TC', state: 'acknowledged', severity: 'critical' }),
    alert({ id: 3, hubCode: 'CAN-TC', state: 'resolved', rule: 'parcel_stalled' }),
  ];
  const ids = (a: Alert[]) => a.map((x) => x.id);

  it('treats active as open or acknowledged', () => {
    expect(ids(filterAlerts(list, DEFAULT_FILTERS))).toEqual([1, 2]);
    expect(ids(filterAlerts(list, { ...DEFAULT_FILTERS, state: 'open' }))).toEqual([1]);
    expect(ids(filterAlerts(list, { ...DEFAULT_FILTERS, state: 'resolved' }))).toEqual([3]);
  });

  it('combines hub, severity and rule', () => {
    expect(ids(filterAlerts(list, { ...DEFAULT_FILTERS, hub: 'CAN-TC' }))).toEqual([2]);
    expect(ids(filterAlerts(list, { ...DEFAULT_FILTERS, severity: 'critical' }))).toEqual([2]);
    expect(ids(filterAlerts(list, { ...DEFAULT_FILTERS, state: 'resolved', rule: 'parcel_late' }))).toEqual([]);
  });
});

describe('sortAlerts', () => {
  it('orders by severity, then newest first, then id, without mutating', () => {
    const list = [
      alert({ id: 1, severity: 'info', openedAt: '2026-11-20T05:00:00Z' }),
      alert({ id: 2, severity: 'warning', openedAt: '2026-11-20T01:00:00Z' }),
      alert({ id: 3, severity: 'critical', openedAt: '2026-11-20T00:00:00Z' }),
      alert({ id: 4, severity: 'warning', openedAt: '2026-11-20T03:00:00Z' }),
      alert({ id: 5, severity: 'mystery' as Alert['severity'], openedAt: '2026-11-21T00:00:00Z' }),
      alert({ id: 6, severity: 'warning', openedAt: '2026-11-20T03:00:00Z' }),
    ];
    expect(sortAlerts(list).map((a) => a.id)).toEqual([3, 6, 4, 2, 1, 5]);
    expect(list.map((a) => a.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('puts a 350-parcel alert above ten newer one-parcel alerts of the same severity', () => {
    const ones = Array.from({ length: 10 }, (_, i) =>
      alert({ id: 10 + i, severity: 'warning', itemCount: 1, openedAt: `2026-11-20T0${i}:00:00Z` }),
    );
    const big = alert({ id: 99, severity: 'warning', itemCount: 350, openedAt: '2026-11-19T00:00:00Z' });
    expect(sortAlerts([...ones, big])[0]!.id).toBe(99);
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-3)).toBe('-3');
  });

  it('neutralises spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@cmd')).toBe("'@cmd");
  });

  it('builds CRLF rows with a header', () => {
    expect(
      buildCsv(
        ['a', 'b'],
        [
          ['1', 'x,y'],
          [null, '中文'],
        ],
      ),
    ).toBe('a,b\r\n1,"x,y"\r\n,中文\r\n');
  });

  it('exports the parcel list with Beijing times', () => {
    const csv = parcelsCsv([
      {
        waybill: 'PW1',
        tier: 'standard',
        status: 'in_transit',
        lastScanAt: '2026-11-20T16:30:00Z',
        lastScanHub: 'SHA-TC',
        deadline: null,
      },
    ]);
    const [header, row] = csv.split('\r\n');
    expect(header).toBe('waybill,status,tier,last_scan_hub,last_scan_beijing,deadline_beijing,last_scan_at,deadline');
    expect(row).toBe('PW1,in_transit,standard,SHA-TC,2026-11-21 00:30,,2026-11-20T16:30:00Z,');
  });
});

describe('labels and time', () => {
  it('translates every known rule in both languages and passes unknown ones through', () => {
    for (const rule of KNOWN_RULES) expect(ruleLabel(rule)).not.toBe(rule);
    expect(ruleLabel('parcel_late')).toBe('包裹超时');
    setLang('en');
    for (const rule of KNOWN_RULES) expect(ruleLabel(rule)).not.toBe(rule);
    expect(ruleLabel('parcel_late')).toBe('Late parcels');
    expect(severityLabel('critical')).toBe('Critical');
    expect(ruleLabel('brand_new_rule')).toBe('brand_new_rule');
  });

  it('formats Beijing date and time across midnight', () => {
    expect(formatBeijingDateTime('2026-12-31T16:05:00Z')).toBe('2027-01-01 00:05');
    expect(formatBeijingDateTime(null)).toBe('—');
    expect(formatBeijingDateTime('garbage')).toBe('—');
    expect(formatBeijingShort('2026-12-31T16:05:00Z')).toBe('01-01 00:05');
    expect(formatBeijingShort(null)).toBe('—');
  });

  it('translates parcel statuses', () => {
    expect(parcelStatusLabel('in_transit')).toBe('运输中');
    expect(parcelStatusLabel('teleported')).toBe('teleported');
  });
});

describe('paging and the live alerts message', () => {
  it('pages only for newly opened, critical, unmuted alerts', () => {
    const changes = [
      { id: 1, action: 'opened', severity: 'critical', muted: false },
      { id: 2, action: 'opened', severity: 'critical', muted: true },
      { id: 3, action: 'updated', severity: 'critical' },
      { id: 4, action: 'opened', severity: 'warning' },
      { id: 5, action: 'opened', severity: 'critical' },
    ];
    expect(pagingChanges(changes).map((c) => c.id)).toEqual([1, 5]);
  });

  it('parses alerts messages and rejects malformed ones', () => {
    const raw = JSON.stringify({
      type: 'alerts',
      seq: 4,
      data: {
        at: '2026-11-20T00:00:00Z',
        changes: [
          { id: 7, action: 'acknowledged' },
          {
            id: 8,
            action: 'opened',
            severity: 'critical',
            muted: false,
            hubCode: 'SHA-TC',
            rule: 'parcel_late',
            title: 't',
          },
        ],
      },
    });
    expect(parseServerMessage(raw)).toEqual({
      type: 'alerts',
      seq: 4,
      data: {
        at: '2026-11-20T00:00:00Z',
        changes: [
          { id: 7, action: 'acknowledged' },
          {
            id: 8,
            action: 'opened',
            severity: 'critical',
            muted: false,
            hubCode: 'SHA-TC',
            rule: 'parcel_late',
            title: { title: 't', titleKey: null, titleParams: null },
          },
        ],
      },
    });
    expect(parseServerMessage(JSON.stringify({ type: 'alerts', seq: 1, data: {} }))).toBeNull();
    expect(
      parseServerMessage(
        JSON.stringify({ type: 'alerts', seq: 1, data: { changes: [{ id: 'x', action: 'opened' }] } }),
      ),
    ).toBeNull();
  });

  it('keeps the live page subscribed to kpi only', () => {
    expect(JSON.parse(SUBSCRIBE_MESSAGE)).toEqual({ type: 'subscribe', channels: ['kpi'] });
    expect(JSON.parse(subscribeMessage(['kpi', 'alerts'])).channels).toEqual(['kpi', 'alerts']);
  });
});

describe('alert response parsing', () => {
  const row = {
    id: 3,
    rule: 'parcel_late',
    subject: 'hub:X',
    hubCode: 'SHA-TC',
    severity: 'warning',
    state: 'open',
    title: null,
    titleKey: 'parcel_late',
    titleParams: { hub: 'X', count: 2 },
    itemCount: 2,
    openedAt: '2026-11-20T00:00:00Z',
    lastSeenAt: '2026-11-20T00:05:00Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    escalationLevel: 1,
    muted: true,
    details: {},
  };

  it('accepts server rows and gathers the title fields into one', () => {
    expect(parseAlertEnvelope({ alert: row })).toMatchObject({
      id: 3,
      itemCount: 2,
      escalationLevel: 1,
      muted: true,
      title: { title: null, titleKey: 'parcel_late', titleParams: { hub: 'X', count: 2 } },
    });
    expect(parseAlertList({ alerts: [row] })).toHaveLength(1);
    const detail = parseAlertDetail({
      alert: row,
      history: [{ at: '2026-11-20T00:00:00Z', action: 'opened', user: null, comment: null }],
      parcels: [
        { waybill: 'PW1', tier: 'express', status: 'in_transit', lastScanAt: null, lastScanHub: null, deadline: null },
      ],
    });
    expect(detail?.history).toHaveLength(1);
    expect(detail?.parcels[0]).toMatchObject({ waybill: 'PW1', lastScanAt: null });
  });

  it('refuses a list with a row outside the contract, and bodies without a list', () => {
    expect(parseAlertList({ alerts: [row, { id: 'bad' }] })).toBeNull();
    expect(parseAlertList({ alerts: [{ ...row, severity: 'mystery' }] })).toBeNull();
    expect(parseAlertList({})).toBeNull();
    expect(parseAlertDetail({ alert: row })).toBeNull();
  });
});
