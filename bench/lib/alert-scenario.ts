/**
 * The alert benchmark's scenario: which simulated week it plays and which
 * incidents it injects, all drawn from one seed. Pure.
 *
 * The week contains a public holiday of China's official calendar (the one the
 * product counts promises in, server/domain/calendar.ts), and one incident falls
 * on it. Every incident kind appears; two start at night (00:00–06:00
 * Shanghai), one pair overlaps, and the incidents leave incident-free shifts to
 * measure noise on.
 */
import type { HubSeed } from '../../server/data/network.ts'
import { createNetwork } from '../../server/data/network.ts'
import { createCalendar } from '../../server/domain/calendar.ts'
import type { IncidentKind, IncidentSpec } from '../../sim/incidents.ts'
import { createRng, deriveSeed, type Rng } from '../../sim/random.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const SHANGHAI_MS = 8 * HOUR_MS

/** Kinds that must page (recall counts them); the others are figures for a manager, not pages. */
export const PAGING_KINDS: readonly IncidentKind[] = [
  'hub-stop',
  'damage-spike',
  'lane-slowdown',
  'hub-slowdown',
  'collection-surge',
  'lane-loss',
]
/** late-courier is an info figure of the courier rules; holiday-backlog is planned and network-wide. */
export const NON_PAGING_KINDS: readonly IncidentKind[] = ['late-courier', 'holiday-backlog']

export interface Scenario {
  /** Simulated epoch ms: 00:00 Shanghai of the first scored day. */
  simStart: number
  days: number
  /** The public holiday ('YYYY-MM-DD') inside the week. */
  holiday: string
  incidents: IncidentSpec[]
}

/** Public holidays (official, Shanghai days) before `beforeMs`, newest first. */
export function holidaysBefore(beforeMs: number, limit = 200): string[] {
  const cal = createCalendar()
  const out: string[] = []
  for (let t = beforeMs - DAY_MS; out.length < limit && t > beforeMs - 800 * DAY_MS; t -= DAY_MS) {
    const day = cal.shanghaiDay(new Date(t))
    const weekday = new Date(cal.startOfDay(day).getTime() + SHANGHAI_MS).getUTCDay()
    if (!cal.isWorkingDay(day) && weekday !== 0 && weekday !== 6) out.push(day)
  }
  return out
}

/** Centre → centre legs of the network's routes, busiest first (by outlet pairs routed over them). */
export function busyLanes(hubs: readonly HubSeed[]): Array<[string, string]> {
  const net = createNetwork(hubs)
  const outlets = hubs.filter((h) => h.kind === 'outlet').map((h) => h.code)
  const count = new Map<string, number>()
  for (const a of outlets)
    for (const b of outlets) {
      if (a === b) continue
      const route = net.routeBetween(a, b)
      for (let i = 1; i + 2 < route.length; i++)
        count.set(`${route[i]}>${route[i + 1]}`, (count.get(`${route[i]}>${route[i + 1]}`) ?? 0) + 1)
    }
  return [...count].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([k]) => k.split('>') as [string, string])
}

function spec(
  kind: IncidentKind,
  target: string | [string, string] | null,
  offsetMs: number,
  durationMs: number,
): IncidentSpec {
  const t = { offsetMs, durationMs }
  if (kind === 'lane-slowdown' || kind === 'lane-loss')
    return { kind, hub: (target as [string, string])[0], toHub: (target as [string, string])[1], ...t }
  if (kind === 'late-courier') return { kind, courier: target as string, ...t }
  if (kind === 'holiday-backlog') return { kind, ...t }
  return { kind, hub: target as string, ...t } as IncidentSpec
}

/**
 * The seed's scenario. `realNow`: the simulated week ends at least two days
 * before it (the server refuses events from the future).
 */
export function buildScenario(
  seed: number,
  hubs: readonly HubSeed[],
  couriers: ReadonlyArray<{ code: string; hubCode: string }>,
  realNow: number,
  days = 7,
): Scenario {
  const rng = createRng(deriveSeed(seed, 'alert-bench'))
  const latest = realNow - (days + 2) * DAY_MS
  const holidays = holidaysBefore(latest + 2 * DAY_MS, 40)
  const holiday = holidays[rng.int(0, Math.min(holidays.length, 12) - 1)]!
  const holidayStart = Date.parse(`${holiday}T00:00:00+08:00`)
  // The holiday falls on day 2, 3 or 4 of the week (0-based), so there are quiet days around it.
  const simStart = holidayStart - rng.int(2, 4) * DAY_MS
  const centres = hubs.filter((h) => h.kind !== 'outlet').map((h) => h.code)
  const sorting = hubs.filter((h) => h.kind === 'sorting_centre').map((h) => h.code)
  const outlets = hubs.filter((h) => h.kind === 'outlet').map((h) => h.code)
  const lanes = busyLanes(hubs).slice(0, 8)
  const pick = <T>(xs: readonly T[], r: Rng = rng) => xs[r.int(0, xs.length - 1)]!
  const used = new Set<string>()
  const fresh = <T extends string | [string, string]>(xs: readonly T[]): T => {
    for (let i = 0; i < 50; i++) {
      const x = pick(xs)
      const key = Array.isArray(x) ? x.join('>') : (x as string)
      const ends = Array.isArray(x) ? x : [x as string]
      if (ends.some((e) => used.has(e))) continue
      used.add(key)
      for (const e of ends) used.add(e)
      return x
    }
    return pick(xs)
  }
  const hour = (h: number) => h * HOUR_MS
  const at = (day: number, localHour: number) => day * DAY_MS + hour(localHour)
  const list: IncidentSpec[] = []
  // Day 0 and the last day stay free of incidents: a quiet start and a quiet end.
  const dayOf = () => rng.int(1, days - 2)
  const holidayDay = Math.round((holidayStart - simStart) / DAY_MS)
  // On the holiday, during the day: a centre stops.
  list.push(
    spec(
      'hub-stop',
      fresh(sorting.length > 0 ? sorting : centres),
      at(holidayDay, rng.float(9, 16)),
      hour(rng.float(2, 5)),
    ),
  )
  // At night: a second stop, and a lane losing a truckload.
  list.push(spec('hub-stop', fresh(centres), at(dayOf(), rng.float(0.5, 5)), hour(rng.float(2, 4))))
  list.push(spec('lane-loss', fresh(lanes), at(dayOf(), rng.float(0.5, 5)), hour(rng.float(1, 2))))
  // Overlapping: a damage spike at one centre while another works at half speed.
  const slowDay = dayOf()
  const slowFrom = at(slowDay, rng.float(8, 14))
  list.push(spec('hub-slowdown', fresh(centres), slowFrom, hour(rng.float(4, 8))))
  list.push(spec('damage-spike', fresh(centres), slowFrom + hour(rng.float(1, 3)), HOUR_MS))
  list.push(spec('damage-spike', fresh(centres), at(dayOf(), rng.float(8, 20)), HOUR_MS))
  list.push(spec('lane-slowdown', fresh(lanes), at(dayOf(), rng.float(6, 20)), hour(rng.float(4, 8))))
  const bigOutlets = outlets.slice(0, Math.max(1, Math.ceil(outlets.length / 2)))
  list.push(spec('collection-surge', fresh(bigOutlets), at(dayOf(), rng.float(9, 15)), hour(3)))
  const lateOutlet = pick(outlets.filter((o) => !used.has(o)))
  const courier = couriers.find((c) => c.hubCode === lateOutlet) ?? couriers[0]!
  list.push(spec('late-courier', courier.code, at(dayOf(), 0), DAY_MS))
  // The day after the holiday: the backlog of collections it left.
  list.push(spec('holiday-backlog', null, at(Math.min(holidayDay + 1, days - 1), 8), hour(8)))
  return { simStart, days, holiday, incidents: list }
}

/**
 * The benchmark's network: these outlets with the centres their parcels pass
 * (parent sorting centres and regional transfer centres, as the full network
 * routes them), and their couriers. Smaller than the demo network so that a
 * simulated week fits in minutes, with the same volume per hub.
 */
export const BENCH_OUTLETS = ['SHA-O1', 'HGH-O1', 'YIW-O1', 'CAN-O1', 'SZX-O1', 'BJS-O1'] as const

export function benchNetwork<C extends { hubCode: string }>(
  hubs: readonly HubSeed[],
  couriers: readonly C[],
  outlets: readonly string[] = BENCH_OUTLETS,
): { hubs: HubSeed[]; couriers: C[] } {
  const net = createNetwork(hubs)
  const keep = new Set<string>()
  for (const a of outlets) for (const b of outlets) for (const code of net.routeBetween(a, b)) keep.add(code)
  return { hubs: hubs.filter((h) => keep.has(h.code)), couriers: couriers.filter((c) => outlets.includes(c.hubCode)) }
}
