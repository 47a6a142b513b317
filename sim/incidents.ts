/**
 * Incident injection: the spec (`--inject`, option `incidents`), its schedule in
 * simulated time, and the checks against the network. Pure. What each incident
 * does to a parcel's steps is in incident-steps.ts.
 *
 * Spec: comma-separated `kind[:target][@offset][~duration]`, e.g.
 *   hub-stop:NKG-SC@+10m~6h,damage-spike:DLC-O1@+5m,late-courier:C-HGH-O1-01,holiday-backlog@+1d,
 *   lane-slowdown:SHA-TC>NKG-SC@+2h~6h,hub-slowdown:NKG-SC,collection-surge:HGH-O1@+1h~3h,lane-loss:SHA-TC>NKG-SC@+4h~1h
 * A lane target is `FROM>TO`, two hub codes.
 * offset: simulated time after the simulated start (default 0; negative = during
 * the warm-up); duration: the kind's default when absent. Both are one or more
 * number+unit groups, units s, m, h, d: `90m`, `1h30m`, `1.5h`, `2d`.
 */
import type { CourierSeed, HubSeed } from '../server/data/network.ts'
import { HOUR_MS } from './timing.ts'

export type IncidentKind =
  | 'hub-stop'
  | 'damage-spike'
  | 'late-courier'
  | 'holiday-backlog'
  | 'lane-slowdown'
  | 'hub-slowdown'
  | 'collection-surge'
  | 'lane-loss'

interface Timing {
  /** Simulated ms after the simulated start; negative: before it (during the warm-up). */
  offsetMs: number
  /** Simulated ms; Infinity: until the run ends. */
  durationMs: number
}

export type IncidentSpec =
  | ({ kind: 'hub-stop'; hub: string } & Timing)
  | ({ kind: 'damage-spike'; hub: string } & Timing)
  | ({ kind: 'late-courier'; courier: string } & Timing)
  | ({ kind: 'holiday-backlog' } & Timing)
  /** Legs from `hub` to `toHub` that depart inside the window take LANE_SLOWDOWN_FACTOR times as long. */
  | ({ kind: 'lane-slowdown'; hub: string; toHub: string } & Timing)
  /** The centre works at half speed: a parcel arriving inside the window dwells HUB_SLOWDOWN_FACTOR times as long. */
  | ({ kind: 'hub-slowdown'; hub: string } & Timing)
  /** The outlet collects SURGE_FACTOR times its usual number of parcels. */
  | ({ kind: 'collection-surge'; hub: string } & Timing)
  /** Every parcel departing `hub` for `toHub` inside the window never arrives (a `lost` exception follows 24–48 h later). */
  | ({ kind: 'lane-loss'; hub: string; toHub: string } & Timing)

/** An incident placed in simulated time: active over [from, to). */
export type Incident = IncidentSpec & { from: number; to: number }

export type IncidentOf<K extends IncidentKind> = Extract<Incident, { kind: K }>

const DAY_MS = 24 * HOUR_MS

interface KindInfo {
  target: 'hub' | 'courier' | 'lane' | null
  defaultMs: number
  example: string
}

export const INCIDENT_KINDS: Readonly<Record<IncidentKind, KindInfo>> = {
  'hub-stop': { target: 'hub', defaultMs: 6 * HOUR_MS, example: 'hub-stop:NKG-SC@+10m~6h' },
  'damage-spike': { target: 'hub', defaultMs: HOUR_MS, example: 'damage-spike:DLC-O1@+5m' },
  'late-courier': { target: 'courier', defaultMs: Infinity, example: 'late-courier:C-HGH-O1-01' },
  'holiday-backlog': { target: null, defaultMs: DAY_MS, example: 'holiday-backlog@+2h' },
  'lane-slowdown': { target: 'lane', defaultMs: 6 * HOUR_MS, example: 'lane-slowdown:SHA-TC>NKG-SC@+1h~6h' },
  'hub-slowdown': { target: 'hub', defaultMs: 6 * HOUR_MS, example: 'hub-slowdown:NKG-SC@+1h~6h' },
  'collection-surge': { target: 'hub', defaultMs: 3 * HOUR_MS, example: 'collection-surge:HGH-O1@+1h~3h' },
  'lane-loss': { target: 'lane', defaultMs: HOUR_MS, example: 'lane-loss:SHA-TC>NKG-SC@+2h~1h' },
}

/** Legs of a slowed lane take this many times as long. */
export const LANE_SLOWDOWN_FACTOR = 3
/** Dwell at a centre working at half speed takes this many times as long. */
export const HUB_SLOWDOWN_FACTOR = 2
/** Collections at an outlet during a surge are this many times its usual rate. */
export const SURGE_FACTOR = 4

/** Collections are this many times the usual rate during a holiday backlog. */
export const BACKLOG_FACTOR = 3

const HUB_CODE = /^[A-Z0-9-]{2,16}$/
const COURIER_CODE = /^[A-Z0-9-]{2,24}$/
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS }

export class IncidentSpecError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IncidentSpecError'
  }
}

/** An incident names a hub or courier the server does not list: retrying cannot help. */
export class IncidentTargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IncidentTargetError'
  }
}

/** `90m`, `1h30m`, `1.5h`, `2d` → ms; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(text)) return undefined
  let ms = 0
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? NaN)
  return Number.isFinite(ms) ? Math.round(ms) : undefined
}

function parseOne(entry: string): IncidentSpec {
  const fail = (why: string): never => {
    throw new IncidentSpecError(`bad incident "${entry}": ${why}`)
  }
  const m = /^([a-z-]+)(?::([^@~]*))?((?:[@~][^@~]*)*)$/i.exec(entry)
  if (!m) fail('expected kind[:target][@offset][~duration], e.g. hub-stop:NKG-SC@+10m~6h')
  const kindText = m![1]!.toLowerCase()
  if (!(kindText in INCIDENT_KINDS))
    fail(`unknown kind "${kindText}"; known: ${Object.keys(INCIDENT_KINDS).join(', ')}`)
  const kind = kindText as IncidentKind
  const info = INCIDENT_KINDS[kind]
  const target = m![2]?.trim().toUpperCase()
  if (info.target === null && target !== undefined) fail(`${kind} takes no target, e.g. ${info.example}`)
  if (info.target !== null && !target) fail(`${kind} needs a ${info.target} code, e.g. ${info.example}`)
  if (info.target === 'hub' && !HUB_CODE.test(target!))
    fail(`"${target}" is not a hub code (2–16 letters, digits or -)`)
  if (info.target === 'courier' && !COURIER_CODE.test(target!))
    fail(`"${target}" is not a courier code (2–24 letters, digits or -)`)
  let lane: [string, string] | undefined
  if (info.target === 'lane') {
    const ends = target!.split('>')
    if (ends.length !== 2 || !ends.every((e) => HUB_CODE.test(e)))
      fail(`"${target}" is not a lane: two hub codes joined by >, e.g. ${info.example}`)
    if (ends[0] === ends[1]) fail(`lane "${target}" starts and ends at the same hub`)
    lane = [ends[0]!, ends[1]!]
  }

  let offsetMs: number | undefined
  let durationMs: number | undefined
  for (const mod of m![3]!.split(/(?=[@~])/).filter((x) => x !== '')) {
    const value = mod.slice(1).trim()
    if (mod.startsWith('@')) {
      if (offsetMs !== undefined) fail('more than one @offset')
      const sign = value.startsWith('-') ? -1 : 1
      const body = value.replace(/^[+-]/, '')
      const ms = body === '0' ? 0 : parseDuration(body)
      if (ms === undefined) fail(`bad offset "@${value}": use e.g. @+10m, @2h, @-6h, @0`)
      offsetMs = sign * ms!
    } else {
      if (durationMs !== undefined) fail('more than one ~duration')
      const ms = parseDuration(value)
      if (ms === undefined || ms <= 0) fail(`bad duration "~${value}": use a positive duration, e.g. ~6h, ~90m, ~1h30m`)
      durationMs = ms!
    }
  }
  const timing: Timing = { offsetMs: (offsetMs ?? 0) || 0, durationMs: durationMs ?? info.defaultMs }
  if (kind === 'holiday-backlog') return { kind, ...timing }
  if (kind === 'late-courier') return { kind, courier: target!, ...timing }
  if (kind === 'lane-slowdown' || kind === 'lane-loss') return { kind, hub: lane![0], toHub: lane![1], ...timing }
  return { kind: kind as 'hub-stop' | 'damage-spike' | 'hub-slowdown' | 'collection-surge', hub: target!, ...timing }
}

/** Parses a comma-separated spec; throws IncidentSpecError naming the bad entry. Empty entries are skipped. */
export function parseIncidents(spec: string): IncidentSpec[] {
  return spec
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map(parseOne)
}

/** Places the incidents in simulated time, offsets counted from `simStart`. */
export function scheduleIncidents(specs: readonly IncidentSpec[], simStart: number): Incident[] {
  return specs.map((s) => {
    if (!(s.kind in INCIDENT_KINDS)) throw new IncidentSpecError(`unknown incident kind "${String(s.kind)}"`)
    if (!Number.isFinite(s.offsetMs) || !(s.durationMs > 0))
      throw new IncidentSpecError(`incident ${s.kind}: offset must be finite and duration positive`)
    return { ...s, from: simStart + s.offsetMs, to: simStart + s.offsetMs + s.durationMs }
  })
}

export function incidentsOf<K extends IncidentKind>(incidents: readonly Incident[], kind: K): Array<IncidentOf<K>> {
  return incidents.filter((i): i is IncidentOf<K> => i.kind === kind)
}

function formatDuration(ms: number): string {
  if (ms === 0) return '0'
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', HOUR_MS],
    ['m', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms / 1000}s`
}

/** The spec form of an incident, for logs and errors. */
export function describeIncident(i: IncidentSpec): string {
  const target = incidentTarget(i)
  return `${i.kind}${target === null ? '' : `:${target}`}${describeTiming(i)}`
}

/** The incident's target as written in a spec: a hub, a courier, `FROM>TO` for a lane; null for none. */
export function incidentTarget(i: IncidentSpec): string | null {
  if ('toHub' in i) return `${i.hub}>${i.toHub}`
  if ('hub' in i) return i.hub
  if ('courier' in i) return i.courier
  return null
}

function describeTiming(i: IncidentSpec): string {
  const offset = `@${i.offsetMs < 0 ? '-' : '+'}${formatDuration(Math.abs(i.offsetMs))}`
  return `${offset}${Number.isFinite(i.durationMs) ? `~${formatDuration(i.durationMs)}` : ''}`
}

/**
 * Checks every target against the network the server lists, and returns each
 * late courier's active colleagues at the same outlet (who take over its
 * collections outside its hours). Throws IncidentTargetError naming the incident.
 */
export function checkTargets(
  incidents: readonly IncidentSpec[],
  hubs: readonly HubSeed[],
  couriers: readonly CourierSeed[],
): Map<string, string[]> {
  const hubCodes = new Set(hubs.map((h) => h.code))
  const kindOf = new Map(hubs.map((h) => [h.code, h.kind]))
  const active = couriers.filter((c) => (c as { active?: boolean }).active !== false)
  const colleagues = new Map<string, string[]>()
  for (const i of incidents) {
    for (const hub of 'toHub' in i ? [i.hub, i.toHub] : 'hub' in i ? [i.hub] : []) {
      if (!hubCodes.has(hub)) {
        throw new IncidentTargetError(
          `incident ${describeIncident(i)}: the server lists no hub ${hub} (hubs: ${[...hubCodes].sort().join(', ')})`,
        )
      }
    }
    if (i.kind === 'hub-slowdown' && kindOf.get(i.hub) === 'outlet') {
      throw new IncidentTargetError(
        `incident ${describeIncident(i)}: ${i.hub} is an outlet; a slowdown needs a sorting or transfer centre`,
      )
    }
    if (i.kind === 'collection-surge' && kindOf.get(i.hub) !== 'outlet') {
      throw new IncidentTargetError(
        `incident ${describeIncident(i)}: ${i.hub} is not an outlet; collections surge at an outlet`,
      )
    }
    if ('courier' in i) {
      const courier = active.find((c) => c.code === i.courier)
      if (!courier)
        throw new IncidentTargetError(
          `incident ${describeIncident(i)}: the server lists no active courier ${i.courier}`,
        )
      colleagues.set(
        i.courier,
        active.filter((c) => c.hubCode === courier.hubCode && c.code !== i.courier).map((c) => c.code),
      )
    }
  }
  return colleagues
}

/** The collection-rate multiplier at `ms`: BACKLOG_FACTOR during a holiday backlog, else 1. */
export function arrivalFactor(incidents: readonly Incident[], ms: number): number {
  return incidentsOf(incidents, 'holiday-backlog').some((b) => ms >= b.from && ms < b.to) ? BACKLOG_FACTOR : 1
}

/** The arrival-rate adjustment for createArrivals, or undefined when no incident changes the rate. */
export function arrivalRate(
  incidents: readonly Incident[],
): { factor: (ms: number) => number; max: number } | undefined {
  if (incidentsOf(incidents, 'holiday-backlog').length === 0) return undefined
  return { factor: (ms) => arrivalFactor(incidents, ms), max: BACKLOG_FACTOR }
}
