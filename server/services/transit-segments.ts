/**
 * Keeps the transit model's tables (sql/050) inside the ingest transaction:
 * for every parcel that got new scans, its path gains them, its segments are
 * recomputed from the whole path (server/domain/segments.ts) and the difference
 * is applied to segment_hist and segment_recent. A late or out-of-order scan
 * therefore replaces the segments it changes instead of adding to them.
 *
 * Lock order (server/db/tx.ts): the caller holds the shipments rows; the
 * parcel_paths rows of those parcels follow (only this transaction may write
 * them while it holds the parcels), then the histogram cells in key order,
 * before the state update whose triggers touch the counters.
 */
import type pg from 'pg'
import { histDelta, parseHistKey, segmentHours, segmentsOf, type PathEvent, type Segment } from '../domain/segments.ts'
import type { EventType } from '../domain/status.ts'
import { loadPaths, saveSegments, storedEvents } from '../db/segments-repo.ts'

export interface NewScan {
  waybill: string
  time: Date
  type: EventType
  hub: string | null
  courier: string | null
}

const HOUR_MS = 3_600_000

/**
 * `firstScans`: parcels that had no scan stored before this transaction's (their state's last scan
 * was empty under the row lock), so their stored scans are exactly `scans`' and need no query.
 */
export async function foldSegments(
  client: pg.PoolClient,
  scans: readonly NewScan[],
  now: Date,
  firstScans: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (scans.length === 0) return
  const waybills = [...new Set(scans.map((s) => s.waybill))].sort()
  const paths = await loadPaths(client, waybills)
  const fresh = await storedEvents(
    client,
    waybills.filter((w) => paths.get(w)?.events === null && !firstScans.has(w)),
  )
  const byWaybill = new Map<string, PathEvent[]>()
  for (const s of scans) {
    const list = byWaybill.get(s.waybill) ?? []
    list.push({ time: s.time.getTime(), type: s.type, hub: s.hub, courier: s.courier })
    byWaybill.set(s.waybill, list)
  }
  const hist = new Map<string, number>()
  const recent = new Map<string, { n: number; hours: number }>()
  const saved: Array<{ waybill: string; tier: string; events: PathEvent[]; segments: Segment[] }> = []
  for (const w of waybills) {
    const p = paths.get(w)
    if (!p) continue
    // A parcel without a kept path: its stored scans already include this batch's (and are only
    // this batch's when it had none before).
    const events =
      p.events !== null ? [...p.events, ...(byWaybill.get(w) ?? [])] : (fresh.get(w) ?? byWaybill.get(w) ?? [])
    const segments = segmentsOf(p.collectedAt.getTime(), p.originHub, p.destinationHub, events)
    for (const [k, n] of histDelta(p.tier, p.segments, segments)) hist.set(k, (hist.get(k) ?? 0) + n)
    for (const [list, sign] of [
      [p.segments, -1],
      [segments, 1],
    ] as const) {
      for (const s of list) {
        if (s.kind === 'to_delivery') continue
        const k = `${Math.floor(s.end / HOUR_MS) * HOUR_MS}|${s.kind}|${s.place}|${p.tier}`
        const r = recent.get(k) ?? { n: 0, hours: 0 }
        r.n += sign
        r.hours += sign * segmentHours(s)
        recent.set(k, r)
      }
    }
    saved.push({ waybill: w, tier: p.tier, events, segments })
  }
  await saveSegments(
    client,
    saved,
    [...hist].filter(([, n]) => n !== 0).map(([k, n]) => ({ ...parseHistKey(k), n })),
    [...recent]
      .filter(([, r]) => r.n !== 0 || Math.abs(r.hours) > 1e-9)
      .map(([k, r]) => {
        const [hour, kind, place, tier] = k.split('|')
        return { hour: new Date(Number(hour)), kind: kind!, place: place!, tier: tier!, n: r.n, hours: r.hours }
      }),
    now,
  )
}
