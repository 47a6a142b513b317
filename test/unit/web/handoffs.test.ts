import { describe, expect, it } from 'vitest';
import {
  canCloseHandoffs,
  canHandOff,
  canReadHandoffs,
  exportItems,
  handoffProblem,
  pickSelected,
  pruneSelection,
  selectionState,
  toggleAll,
  toggleOne,
  trackHref,
  trackLocation,
} from '../../../web/src/features/handoffs/logic';
import { parseHandoffEnvelope, parseHandoffList } from '../../../web/src/features/handoffs/types';
import { parcelsCsv } from '../../../web/src/features/alerts/logic';
import type { AlertParcel } from '../../../web/src/features/alerts/types';

const all = ['PW01', 'PW02', 'PW03'];
const parcel = (waybill: string): AlertParcel => ({
  waybill,
  tier: 'standard',
  status: 'in_transit',
  lastScanAt: null,
  lastScanHub: 'SHA-TC',
  deadline: null,
});

describe('parcel selection of an alert', () => {
  it('tells none, some and all apart for the select-all box', () => {
    expect(selectionState(new Set(), all)).toBe('none');
    expect(selectionState(new Set(['PW02']), all)).toBe('some');
    expect(selectionState(new Set(all), all)).toBe('all');
    // A selected waybill that left the list does not count.
    expect(selectionState(new Set(['PW99']), all)).toBe('none');
    expect(selectionState(new Set(), [])).toBe('none');
  });

  it('toggles one parcel without changing the set it was given', () => {
    const before = new Set(['PW01']);
    const after = toggleOne(before, 'PW02');
    expect([...after].sort()).toEqual(['PW01', 'PW02']);
    expect([...before]).toEqual(['PW01']);
    expect([...toggleOne(after, 'PW01')]).toEqual(['PW02']);
  });

  it('selects all when any is missing and clears when all are selected', () => {
    expect([...toggleAll(new Set(), all)]).toEqual(all);
    expect([...toggleAll(new Set(['PW03']), all)]).toEqual(all);
    expect(toggleAll(new Set(all), all).size).toBe(0);
  });

  it('forgets selected parcels that left the alert', () => {
    expect([...pruneSelection(new Set(['PW01', 'PW09']), all)]).toEqual(['PW01']);
  });

  it('keeps the list order for the selection, whatever the click order', () => {
    const items = all.map(parcel);
    expect(pickSelected(items, new Set(['PW03', 'PW01'])).map((p) => p.waybill)).toEqual(['PW01', 'PW03']);
  });

  it('exports the selection when there is one and every parcel otherwise', () => {
    const items = all.map(parcel);
    expect(exportItems(items, new Set(['PW02'])).map((p) => p.waybill)).toEqual(['PW02']);
    expect(exportItems(items, new Set()).map((p) => p.waybill)).toEqual(all);
    const csv = parcelsCsv(exportItems(items, new Set(['PW01', 'PW03'])))
      .trim()
      .split('\r\n');
    expect(csv).toHaveLength(3);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['PW01', 'PW03']);
  });
});

describe('hand-off form and links', () => {
  it('says what is missing before a hand-off is sent', () => {
    expect(handoffProblem(0, 'note')).toBe('handoff.needParcels');
    expect(handoffProblem(501, 'note')).toBe('handoff.tooMany');
    expect(handoffProblem(2, '   ')).toBe('handoff.needNote');
    expect(handoffProblem(500, '请联系收件人')).toBeNull();
  });

  it('links a parcel to the look-up page by its waybill', () => {
    expect(trackLocation('PW0001')).toEqual({ path: '/track', query: { q: 'PW0001' } });
    expect(trackHref('PW 1&x')).toBe('/track?q=PW%201%26x');
  });

  it('shows the buttons to the roles the route table admits', () => {
    expect(['admin', 'manager', 'on_call', 'cs_operator', 'control_room'].filter(canHandOff)).toEqual([
      'admin',
      'manager',
      'on_call',
    ]);
    expect(['admin', 'manager', 'on_call', 'cs_operator', 'control_room', 'finance'].filter(canReadHandoffs)).toEqual([
      'admin',
      'manager',
      'on_call',
      'cs_operator',
    ]);
    expect(['admin', 'manager', 'on_call', 'cs_operator', 'control_room'].filter(canCloseHandoffs)).toEqual([
      'admin',
      'manager',
      'cs_operator',
    ]);
    expect(canHandOff(undefined)).toBe(false);
  });
});

describe('hand-off answers from the server', () => {
  const wire = {
    id: 7,
    alert: {
      id: 3,
      title: '上海转运中心 4 件超时',
      titleKey: null,
      titleParams: null,
      rule: 'parcel_late',
      hubCode: 'SHA-TC',
      severity: 'warning',
      state: 'open',
    },
    note: '请联系收件人',
    createdBy: { username: 'duty', displayName: '值班员' },
    createdAt: '2026-11-10T02:00:00.000Z',
    state: 'open',
    doneBy: null,
    doneAt: null,
    doneComment: null,
    parcelCount: 2,
    masked: false,
    parcels: [
      {
        waybill: 'PW01',
        tier: 'standard',
        status: 'in_transit',
        lastScanAt: null,
        lastScanHub: 'SHA-TC',
        deadline: null,
        recipient: { name: '李娜', phone: '13812341234', city: '上海' },
      },
    ],
  };
  const parseHandoff = (v: unknown) => parseHandoffEnvelope({ handoff: v });

  it('reads a hand-off, its alert title gathered into one field', () => {
    const h = parseHandoff(wire);
    expect(h).toMatchObject({
      id: 7,
      state: 'open',
      createdBy: { displayName: '值班员' },
      doneBy: null,
      masked: false,
      parcelCount: 2,
    });
    expect(h?.alert.title).toEqual({ title: '上海转运中心 4 件超时', titleKey: null, titleParams: null });
    expect(h?.parcels.map((p) => p.recipient.name)).toEqual(['李娜']);
  });

  it('refuses a hand-off without an id, an alert, a creator or a known state', () => {
    expect(parseHandoff({ ...wire, id: '7' })).toBeNull();
    expect(parseHandoff({ ...wire, alert: null })).toBeNull();
    expect(parseHandoff({ ...wire, createdBy: {} })).toBeNull();
    expect(parseHandoff({ ...wire, state: 'closed' })).toBeNull();
    expect(parseHandoff({ ...wire, parcels: [{ waybill: 42 }] })).toBeNull();
  });

  it('refuses a hand-off without its masked flag (never guesses whether personal data shows)', () => {
    const { masked: _masked, ...rest } = wire;
    expect(parseHandoff(rest)).toBeNull();
  });

  it('reads list and envelope answers, null for anything else', () => {
    expect(parseHandoffList({ handoffs: [wire] })?.map((h) => h.id)).toEqual([7]);
    expect(parseHandoffList({ handoffs: [wire, { id: 'x' }] })).toBeNull();
    expect(parseHandoffList({ items: [] })).toBeNull();
    expect(
      parseHandoffEnvelope({ handoff: { ...wire, state: 'done', doneBy: { username: 'kefu', displayName: '客服' } } })
        ?.doneBy?.displayName,
    ).toBe('客服');
    expect(parseHandoffEnvelope(null)).toBeNull();
  });
});
