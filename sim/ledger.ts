/**
 * The simulator's ground truth: every incident it injects (kind, target, the
 * window in simulated time, and the wall-clock times at which the simulated
 * clock reached its start and end) and every parcel it deliberately delayed,
 * damaged or lost. Kept in memory (`entries()`, `incidents()`) and, when a file
 * is given, appended to it as JSON lines as they happen, so a scorer can read
 * what was broken while the run goes on or after it.
 *
 * Lines, one JSON object each:
 *   {"type":"incident","phase":"scheduled","id":0,"kind":"hub-stop","target":"NKG-SC","spec":"hub-stop:NKG-SC@+10m~6h","simFrom":"…","simTo":"…"|null,"wallAt":"…"}
 *   {"type":"incident","phase":"started"|"ended","id":0,…,"simAt":"…","wallAt":"…"}
 *   {"type":"parcel","waybill":"PW…","incident":0,"kind":"hub-stop","effect":"delayed"|"damaged"|"lost"|"surge","delayMs":3600000,"simAt":"…"}
 * (`surge`: a parcel collected only because of a collection surge.)
 */
import { appendFileSync } from 'node:fs'
import { describeIncident, incidentTarget, type Incident, type IncidentKind } from './incidents.ts'

export type ParcelEffect = 'delayed' | 'damaged' | 'lost' | 'surge'

export interface LedgerIncident {
  id: number
  kind: IncidentKind
  /** Hub, courier or `FROM>TO` lane; null for a network-wide incident. */
  target: string | null
  spec: string
  /** Simulated epoch ms; simTo Infinity: until the run ends. */
  simFrom: number
  simTo: number
  /** Wall-clock epoch ms at which the simulated clock passed simFrom / simTo; null until it has. */
  wallFrom: number | null
  wallTo: number | null
  parcels: Record<ParcelEffect, number>
}

export interface LedgerParcel {
  waybill: string
  incident: number
  kind: IncidentKind
  effect: ParcelEffect
  /** How much later the parcel's last step happens than it would have (0 for lost or surge parcels). */
  delayMs: number
  /** Simulated collection time. */
  simAt: number
}

export interface Ledger {
  /** Records the schedule; call once with every incident, before the run. */
  schedule(incidents: readonly Incident[], wallNow: number): void
  /** Marks the incidents whose start or end the simulated clock has passed. */
  tick(simNow: number, wallNow: number): void
  parcel(entry: Omit<LedgerParcel, 'incident' | 'kind'> & { incident: Incident }): void
  incidents(): LedgerIncident[]
  parcels(): LedgerParcel[]
  /** Writes what is buffered to the file (no-op without one). */
  flush(): void
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null)

export function createLedger(opts: { file?: string; keepParcels?: boolean } = {}): Ledger {
  const records: LedgerIncident[] = []
  const ids = new Map<Incident, number>()
  const parcels: LedgerParcel[] = []
  const keepParcels = opts.keepParcels ?? true
  let buffer: string[] = []
  const write = (line: object) => {
    if (opts.file) buffer.push(JSON.stringify(line))
  }
  const head = (r: LedgerIncident) => ({
    type: 'incident',
    id: r.id,
    kind: r.kind,
    target: r.target,
    spec: r.spec,
    simFrom: iso(r.simFrom),
    simTo: iso(r.simTo),
  })
  const ledger: Ledger = {
    schedule(incidents, wallNow) {
      for (const i of incidents) {
        const r: LedgerIncident = {
          id: records.length,
          kind: i.kind,
          target: incidentTarget(i),
          spec: describeIncident(i),
          simFrom: i.from,
          simTo: i.to,
          wallFrom: null,
          wallTo: null,
          parcels: { delayed: 0, damaged: 0, lost: 0, surge: 0 },
        }
        ids.set(i, r.id)
        records.push(r)
        write({ ...head(r), phase: 'scheduled', wallAt: iso(wallNow) })
      }
      ledger.flush()
    },
    tick(simNow, wallNow) {
      for (const r of records) {
        if (r.wallFrom === null && simNow >= r.simFrom) {
          r.wallFrom = wallNow
          write({ ...head(r), phase: 'started', simAt: iso(simNow), wallAt: iso(wallNow) })
        }
        if (r.wallTo === null && simNow >= r.simTo) {
          r.wallTo = wallNow
          write({ ...head(r), phase: 'ended', simAt: iso(simNow), wallAt: iso(wallNow) })
        }
      }
    },
    parcel({ incident, ...rest }) {
      const id = ids.get(incident)
      if (id === undefined) throw new Error(`ledger: incident ${describeIncident(incident)} was not scheduled`)
      const r = records[id]!
      r.parcels[rest.effect]++
      const entry: LedgerParcel = { ...rest, incident: id, kind: r.kind }
      if (keepParcels) parcels.push(entry)
      write({ type: 'parcel', ...entry, simAt: iso(entry.simAt) })
    },
    incidents: () => records.map((r) => ({ ...r, parcels: { ...r.parcels } })),
    parcels: () => [...parcels],
    flush() {
      if (!opts.file || buffer.length === 0) return
      appendFileSync(opts.file, `${buffer.join('\n')}\n`)
      buffer = []
    },
  }
  return ledger
}

/** Reads a ledger file back (for scorers and tests): the incidents merged from their phases, and the parcels. */
export function readLedgerLines(text: string): { incidents: LedgerIncident[]; parcels: LedgerParcel[] } {
  const incidents = new Map<number, LedgerIncident>()
  const parcels: LedgerParcel[] = []
  const ms = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Infinity)
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const o = JSON.parse(line) as Record<string, unknown>
    if (o.type === 'incident') {
      const id = Number(o.id)
      const r = incidents.get(id) ?? {
        id,
        kind: o.kind as IncidentKind,
        target: (o.target as string | null) ?? null,
        spec: String(o.spec),
        simFrom: ms(o.simFrom),
        simTo: ms(o.simTo),
        wallFrom: null,
        wallTo: null,
        parcels: { delayed: 0, damaged: 0, lost: 0, surge: 0 },
      }
      if (o.phase === 'started') r.wallFrom = ms(o.wallAt)
      if (o.phase === 'ended') r.wallTo = ms(o.wallAt)
      incidents.set(id, r)
    } else if (o.type === 'parcel') {
      const p: LedgerParcel = {
        waybill: String(o.waybill),
        incident: Number(o.incident),
        kind: o.kind as IncidentKind,
        effect: o.effect as ParcelEffect,
        delayMs: Number(o.delayMs),
        simAt: ms(o.simAt),
      }
      parcels.push(p)
      const r = incidents.get(p.incident)
      if (r) r.parcels[p.effect]++
    }
  }
  return { incidents: [...incidents.values()].sort((a, b) => a.id - b.id), parcels }
}
