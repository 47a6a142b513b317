import type pg from 'pg'
import { findState } from '../db/shipments-repo.ts'
import { channelKind, type Channel } from '../ws/channels.ts'
import { kpiSnapshot } from './kpis.ts'
import { mapSnapshot } from './live-map.ts'
import { liveStateOf } from './ingest-events.ts'
import { financeToday } from './finance.ts'

/** The current picture of a live channel for a client that (re)subscribes: null for an unknown parcel. */
export async function liveSnapshot(db: pg.Pool, channel: Channel): Promise<unknown> {
  const kind = channelKind(channel)
  if (kind === 'kpi') return kpiSnapshot(db, new Date())
  if (kind === 'map') return mapSnapshot(db, new Date())
  if (kind === 'finance') return financeToday(db, new Date())
  if (kind === 'parcel') {
    const waybill = channel.slice('parcel:'.length)
    const state = await findState(db, waybill)
    return state ? liveStateOf(waybill, state) : null
  }
  throw new Error(`${channel} has no snapshot`)
}
