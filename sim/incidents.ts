/**
 * Incident injection: the spec (`--inject`, option `incidents`), its schedule in
 * simulated time, and the checks against the network. Pure. What each incident
 * does to a parcel's steps is in incident-steps.ts.
 *
 * Spec: comma-separated `kind[:target][@offset][~duration]`, e.g.
 *   hub-stop:NKG-SC@+10m~6h,damage-spike:DLC-O1@+5m,late-courier:C-HGH-O1-01,holiday-backlog@+1d
 * offset: simulated time after the simulated start (default 0; negative = during
 * the warm-up); duration: the kind's default when absent. Both are one or more
 * number+unit groups, units s, m, h, d: `90m`, `1h30m`, `1.5h`, `2d`.
 */
import type { CourierSeed, HubSeed } from '../server/data/network.ts'
import { HOUR_MS } from './timing.ts'

export type IncidentKind = 'hub-stop' | 'damage-spike' | 'late-courier' | 'holiday-backlog'

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

/** An incident placed in simulated time: active over [from, to). */
export type Incident = IncidentSpec & { from: number; to: number }

export type IncidentOf<K extends IncidentKind> = Extract<Incident, { kind: K }>

const DAY_MS = 24 * HOUR_MS

interface KindInfo {
  target: 'hub' | 'courier' | null
  defaultMs: number
  example: string
}

export const INCIDENT_KINDS: Readonly<Record<IncidentKind, KindInfo>> = {
  'hub-stop': { target: 'hub', defaultMs: 6 * HOUR_MS, example: 'hub-stop:NKG-SC@+10m~6h' },
  'damage-spike': { target: 'hub', defaultMs: HOUR_MS, example: 'damage-spike:DLC-O1@+5m' },
  'late-courier': { target: 'courier', defaultMs: Infinity, example: 'late-courier:C-HGH-O1-01' },
  'holiday-backlog': { target: null, defaultMs: DAY_MS, example: 'holiday-backlog@+2h' },
}

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
  if (!(kindText in INCIDENT_KINDS)) fail(`unknown kind "${kindText}"; known: ${Object.keys(INCIDENT_KINDS).join(', ')}`)
  const kind = kindText as IncidentKind
  const info = INCIDENT_KINDS[kind]
  const target = m![2]?.trim().toUpperCase()
  if (info.target === null && target !== undefined) fail(`${kind} takes no target, e.g. ${info.example}`)
  if (info.target !== null && !target) fail(`${kind} needs a ${info.target} code, e.g. ${info.example}`)
  if (info.target === 'hub' && !HUB_CODE.test(target!)) fail(`"${target}" is not a hub code (2–16 letters, digits or -)`)
  if (info.target === 'courier' && !COURIER_CODE.test(target!)) fail(`"${target}" is not a courier code (2–24 letters, digits or -)`)

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
  return { kind, hub: target!, ...timing }
}

/** Parses a comma-separated spec; throws IncidentSpecError naming the bad entry. Empty entries are skipped. */
export function parseIncidents(spec: string): IncidentSpec[] {
  return spec.split(',').map((e) => e.trim()).filter((e) => e !== '').map(parseOne)
}

/** Places the incidents in simulated time, offsets counted from `simStart`. */
export function scheduleIncidents(specs: readonly IncidentSpec[], simStart: number): Incident[] {
  return specs.map((s) => {
    if (!(s.kind in INCIDENT_KINDS)) throw new IncidentSpecError(`unknown incident kind "${String(s.kind)}"`)
    if (!Number.isFinite(s.offsetMs) || !(s.durationMs > 0)) throw new IncidentSpecError(`incident ${s.kind}: offset must be finite and duration positive`)
    return { ...s, from: simStart + s.offsetMs, to: simStart + s.offsetMs + s.durationMs }
  })
}

export function incidentsOf<K extends IncidentKind>(incidents: readonly Incident[], kind: K): Array<IncidentOf<K>> {
  return incidents.filter((i): i is IncidentOf<K> => i.kind === kind)
}

function formatDuration(ms: number): string {
  if (ms === 0) return '0'
  for (const [unit, size] of [['d', DAY_MS], ['h', HOUR_MS], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms / 1000}s`
}

/** The spec form of an incident, for logs and errors. */
export function describeIncident(i: IncidentSpec): string {
  const target = 'hub' in i ? `:${i.hub}` : 'courier' in i ? `:${i.courier}` : ''
  const offset = `@${i.offsetMs < 0 ? '-' : '+'}${formatDuration(Math.abs(i.offsetMs))}`
  return `${i.kind}${target}${offset}${Number.isFinite(i.durationMs) ? `~${formatDuration(i.durationMs)}` : ''}`
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
  const active = couriers.filter((c) => (c as { active?: boolean }).active !== false)
  const colleagues = new Map<string, string[]>()
  for (const i of incidents) {
    if ('hub' in i && !hubCodes.has(i.hub)) {
      throw new IncidentTargetError(`incident ${describeIncident(i)}: the server lists no hub ${i.hub} (hubs: ${[...hubCodes].sort().join(', ')})`)
    }
    if ('courier' in i) {
      const courier = active.find((c) => c.code === i.courier)
      if (!courier) throw new IncidentTargetError(`incident ${describeIncident(i)}: the server lists no active courier ${i.courier}`)
      colleagues.set(i.courier, active.filter((c) => c.hubCode === courier.hubCode && c.code !== i.courier).map((c) => c.code))
    }
  }
  return colleagues
}

/** The collection-rate multiplier at `ms`: BACKLOG_FACTOR during a holiday backlog, else 1. */
export function arrivalFactor(incidents: readonly Incident[], ms: number): number {
  return incidentsOf(incidents, 'holiday-backlog').some((b) => ms >= b.from && ms < b.to) ? BACKLOG_FACTOR : 1
}

/** The arrival-rate adjustment for createArrivals, or undefined when no incident changes the rate. */
export function arrivalRate(incidents: readonly Incident[]): { factor: (ms: number) => number; max: number } | undefined {
  if (incidentsOf(incidents, 'holiday-backlog').length === 0) return undefined
  return { factor: (ms) => arrivalFactor(incidents, ms), max: BACKLOG_FACTOR }
}
