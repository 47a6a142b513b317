import { describe, expect, it } from 'vitest'
import {
  attribute,
  combineScores,
  missedTargets,
  quietShifts,
  scoreRun,
  spread,
  type PageRecord,
  type TruthIncident,
} from '../../../bench/lib/alert-score.ts'
import { PAGING_KINDS, benchNetwork, buildScenario, holidaysBefore } from '../../../bench/lib/alert-scenario.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../../../server/data/network.ts'
import { createCalendar } from '../../../server/domain/calendar.ts'

const MIN = 60_000
const HOUR = 60 * MIN
/** An instant written in Shanghai local time. */
const sh = (local: string): number => Date.parse(`${local}+08:00`)
const TAIL = { 'hub-stop': 6 * HOUR, 'damage-spike': 2 * HOUR, 'lane-loss': 24 * HOUR, 'holiday-backlog': 24 * HOUR }

const stop: TruthIncident = {
  id: 0,
  kind: 'hub-stop',
  hubs: ['NKG-SC'],
  from: sh('2026-05-02T10:00'),
  to: sh('2026-05-02T14:00'),
  paging: true,
}
const spike: TruthIncident = {
  id: 1,
  kind: 'damage-spike',
  hubs: ['HGH-SC'],
  from: sh('2026-05-03T09:00'),
  to: sh('2026-05-03T10:00'),
  paging: true,
}
const loss: TruthIncident = {
  id: 2,
  kind: 'lane-loss',
  hubs: ['SHA-TC', 'NKG-SC'],
  from: sh('2026-05-04T02:00'),
  to: sh('2026-05-04T03:00'),
  paging: true,
}
const page = (alertId: number, hubs: string[], local: string, rule = 'hub_silent'): PageRecord => ({
  alertId,
  rule,
  hubs,
  at: sh(local),
  severity: 'critical',
})
const week = { start: sh('2026-05-01T08:00'), end: sh('2026-05-08T08:00'), tailMs: TAIL }

describe('spread', () => {
  it('gives the lower middle and the maximum, nulls for none', () => {
    expect(spread([])).toEqual({ n: 0, p50: null, max: null })
    expect(spread([7])).toEqual({ n: 1, p50: 7, max: 7 })
    expect(spread([9, 1, 5, 3])).toEqual({ n: 4, p50: 3, max: 9 })
  })
})

describe('attribution of a page to an incident', () => {
  it('needs a common hub and a time between the start and the end plus the tail', () => {
    expect(attribute(page(1, ['NKG-SC'], '2026-05-02T10:12'), [stop], TAIL)).toBe(stop)
    expect(attribute(page(1, ['NKG-SC'], '2026-05-02T19:59'), [stop], TAIL)).toBe(stop)
    expect(attribute(page(1, ['NKG-SC'], '2026-05-02T20:00'), [stop], TAIL)).toBeNull()
    expect(attribute(page(1, ['NKG-SC'], '2026-05-02T09:59'), [stop], TAIL)).toBeNull()
    expect(attribute(page(1, ['SHA-TC'], '2026-05-02T11:00'), [stop], TAIL)).toBeNull()
  })

  it('gives a lane’s page to an incident on that lane, else prefers the one active, a hub’s over the network’s, then the latest started', () => {
    expect(
      attribute(page(1, ['SHA-TC', 'NKG-SC'], '2026-05-04T02:30'), [stop, loss], { ...TAIL, 'hub-stop': 48 * HOUR }),
    ).toBe(loss)
    const backlog: TruthIncident = {
      id: 9,
      kind: 'holiday-backlog',
      hubs: ['*'],
      from: sh('2026-05-02T08:00'),
      to: sh('2026-05-02T16:00'),
      paging: false,
    }
    expect(attribute(page(1, ['NKG-SC'], '2026-05-02T12:00'), [backlog, stop], TAIL)).toBe(stop)
    expect(attribute(page(1, ['CAN-O1'], '2026-05-02T12:00'), [backlog, stop], TAIL)).toBe(backlog)
    // A lane's lost batch pages hours after the loss ended, while a network-wide backlog is under way: the lane's.
    const laneLoss: TruthIncident = {
      id: 10,
      kind: 'lane-loss',
      hubs: ['SHA-TC', 'BJS-TC'],
      from: sh('2026-05-02T03:17'),
      to: sh('2026-05-02T04:34'),
      paging: true,
    }
    expect(attribute(page(1, ['SHA-TC', 'BJS-TC'], '2026-05-02T10:15'), [backlog, laneLoss], TAIL)).toBe(laneLoss)
    // A centre's page while the backlog is under way goes to the backlog, not to a stop there that ended
    // hours before (its held parcels left within the first quarter of its length after it).
    const earlyStop: TruthIncident = { ...stop, id: 11, from: sh('2026-05-02T04:00'), to: sh('2026-05-02T06:00') }
    expect(attribute(page(1, ['NKG-SC'], '2026-05-02T12:00'), [backlog, earlyStop], TAIL)).toBe(backlog)
  })
})

describe('quiet shifts', () => {
  it('are the whole 08:00–20:00 and 20:00–08:00 shifts with no incident active', () => {
    const shifts = quietShifts(sh('2026-05-02T07:00'), sh('2026-05-03T20:00'), [stop])
    expect(shifts.map(([s]) => new Date(s + 8 * HOUR).toISOString().slice(0, 16))).toEqual([
      '2026-05-02T20:00',
      '2026-05-03T08:00',
    ])
  })
})

describe('scoring a run', () => {
  it('counts recall, time to page, precision, duplicates, noise and the lag to auto-resolve', () => {
    const pages = [
      page(1, ['NKG-SC'], '2026-05-02T10:12'), // stop: first page after 12 min
      page(2, ['NKG-SC'], '2026-05-02T15:00', 'hub_volume_high'), // stop's tail: explained, a duplicate
      page(3, ['HGH-SC'], '2026-05-03T09:08', 'hub_exception_spike'), // spike after 8 min
      page(4, ['CAN-O1'], '2026-05-01T12:00', 'parcel_late'), // nothing explains it, in a quiet shift
    ]
    const resolved = new Map([
      [1, sh('2026-05-02T14:10')],
      [2, sh('2026-05-02T16:00')],
      [3, sh('2026-05-03T09:50')],
    ])
    const s = scoreRun([stop, spike, loss], pages, resolved, week)
    expect(s.recall).toBeCloseTo(2 / 3)
    expect(s.paged).toBe(2)
    expect(s.timeToPage['hub-stop']).toEqual({ n: 1, p50: 12 * MIN, max: 12 * MIN })
    expect(s.timeToPage['damage-spike']).toEqual({ n: 1, p50: 8 * MIN, max: 8 * MIN })
    expect(s.timeToPage['lane-loss']!.n).toBe(0)
    expect(s.pages).toBe(4)
    expect(s.explained).toBe(3)
    expect(s.precision).toBeCloseTo(0.75)
    expect(s.duplicates).toBe(1)
    // stop: the later of its alerts resolved 2 h after its end; the spike's before its end counts 0
    expect(s.resolveLag).toEqual({ n: 2, p50: 0, max: 2 * HOUR, openAtEnd: 0 })
    const busy = [
      [stop.from, stop.to],
      [spike.from, spike.to],
      [loss.from, loss.to],
    ]
    expect(s.quietShifts).toBe(14 - busy.length)
    expect(s.quietShiftPages).toBe(1)
    expect(s.worstQuietShift).toBe(1)
  })

  it('counts the lag to auto-resolve from the end of an incident’s effect when that is later', () => {
    const drained = { ...stop, effectTo: stop.to + 3 * HOUR }
    const resolved = new Map([[1, stop.to + 2 * HOUR]])
    expect(scoreRun([drained], [page(1, ['NKG-SC'], '2026-05-02T10:30')], resolved, week).resolveLag.max).toBe(0)
    expect(
      scoreRun([drained], [page(1, ['NKG-SC'], '2026-05-02T10:30')], new Map([[1, stop.to + 4 * HOUR]]), week)
        .resolveLag.max,
    ).toBe(HOUR)
    expect(scoreRun([stop], [page(1, ['NKG-SC'], '2026-05-02T10:30')], resolved, week).resolveLag.max).toBe(2 * HOUR)
  })

  it('counts alerts still open at the end apart, and ignores pages outside the window', () => {
    const s = scoreRun(
      [stop],
      [page(1, ['NKG-SC'], '2026-05-02T10:30'), page(5, ['NKG-SC'], '2026-05-08T09:00')],
      new Map(),
      week,
    )
    expect(s.resolveLag).toEqual({ n: 0, p50: null, max: null, openAtEnd: 1 })
    expect(s.pages).toBe(1)
  })

  it('leaves incidents of kinds that need not page out of recall', () => {
    const courier: TruthIncident = {
      id: 3,
      kind: 'late-courier',
      hubs: ['HGH-O1'],
      from: sh('2026-05-05T00:00'),
      to: sh('2026-05-06T00:00'),
      paging: false,
    }
    const s = scoreRun(
      [stop, courier],
      [page(1, ['NKG-SC'], '2026-05-02T10:05')],
      new Map([[1, sh('2026-05-02T14:05')]]),
      week,
    )
    expect(s.recall).toBe(1)
    expect(s.pagingIncidents).toBe(1)
  })

  it('combines seeds over all incidents and pages', () => {
    const a = scoreRun([stop], [page(1, ['NKG-SC'], '2026-05-02T10:05')], new Map([[1, sh('2026-05-02T14:05')]]), week)
    const b = scoreRun([spike], [page(1, ['CAN-O1'], '2026-05-01T09:00')], new Map(), week)
    const t = combineScores([a, b])
    expect(t.recall).toBe(0.5)
    expect(t.precision).toBe(0.5)
    expect(t.pages).toBe(2)
    expect(t.timeToPage['hub-stop']!.max).toBe(5 * MIN)
  })

  it('names each missed target', () => {
    const s = scoreRun(
      [stop, spike],
      [page(1, ['NKG-SC'], '2026-05-02T10:20'), page(2, ['NKG-SC'], '2026-05-02T10:40')],
      new Map([
        [1, sh('2026-05-02T15:00')],
        [2, sh('2026-05-02T14:00')],
      ]),
      week,
    )
    expect(missedTargets(s, PAGING_KINDS)).toEqual([
      'recall 50 % < 100 %',
      'time to page hub-stop 20 min > 15',
      '1 duplicate pages',
      'auto-resolve lag 60 min > 30',
    ])
    const good = scoreRun(
      [stop],
      [page(1, ['NKG-SC'], '2026-05-02T10:05')],
      new Map([[1, sh('2026-05-02T14:05')]]),
      week,
    )
    expect(missedTargets(good, PAGING_KINDS)).toEqual([])
  })
})

describe('the scenario', () => {
  const net = benchNetwork(DEMO_HUBS, DEMO_COURIERS)

  it('keeps the centres the chosen outlets route through, and their couriers', () => {
    const codes = new Set(net.hubs.map((h) => h.code))
    expect(codes.has('SHA-O1') && codes.has('SHA-TC')).toBe(true)
    expect(net.couriers.every((c) => codes.has(c.hubCode))).toBe(true)
  })

  it('is the same for the same seed, has every kind, one incident on a public holiday, two at night and an overlap', () => {
    const now = Date.parse('2026-12-05T11:00:00Z')
    const a = buildScenario(7, net.hubs, net.couriers, now)
    expect(buildScenario(7, net.hubs, net.couriers, now)).toEqual(a)
    expect(new Set(a.incidents.map((i) => i.kind)).size).toBe(8)
    const cal = createCalendar()
    expect(cal.isWorkingDay(a.holiday)).toBe(false)
    expect(holidaysBefore(now)).toContain(a.holiday)
    const from = a.incidents.map((i) => a.simStart + i.offsetMs)
    expect(from.some((t) => cal.shanghaiDay(new Date(t)) === a.holiday)).toBe(true)
    const localHour = (t: number) => ((t + 8 * HOUR) % (24 * HOUR)) / HOUR
    expect(
      from.filter((t, n) => a.incidents[n]!.kind !== 'late-courier' && localHour(t) < 6).length,
    ).toBeGreaterThanOrEqual(2)
    const overlaps = a.incidents.some((x, i) =>
      a.incidents.some(
        (y, j) =>
          i < j &&
          x.kind !== 'late-courier' &&
          y.kind !== 'late-courier' &&
          from[i]! < from[j]! + y.durationMs &&
          from[j]! < from[i]! + x.durationMs,
      ),
    )
    expect(overlaps).toBe(true)
    expect(a.simStart + 7 * 24 * HOUR).toBeLessThan(now - 2 * 24 * HOUR)
  })
})
