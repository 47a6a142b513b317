// Frames of the live channel (/ws, server/ws/hub.ts), server to browser. Data frames
// carry a sequence number; a `snapshot` frame is a fresh picture for a (re)connecting
// client rather than a pushed change. The kpi and map bodies are GET /api/v1/kpis and
// GET /api/v1/map's.
import * as z from 'zod/mini'
import { isoDay, isoTime } from './common.ts'
import { kpiSnapshot, mapSnapshot } from './kpi.ts'
import { alertChange } from './alerts.ts'

const seq = z.int().check(z.minimum(0))
const snapshot = z.optional(z.boolean())

/** The live state of one followed parcel (no personal data). */
export const parcelLive = z.object({
  waybill: z.string().check(z.minLength(1)),
  status: z.string(),
  statusAt: isoTime,
  lastScanAt: z.nullable(isoTime),
  lastScanHub: z.nullable(z.string()),
  lastEventType: z.nullable(z.string()),
  deliveredAt: z.optional(z.nullable(isoTime)),
  exceptionReason: z.optional(z.nullable(z.string())),
})
export type ParcelLive = z.output<typeof parcelLive>

/** Today's money (Asia/Shanghai), in fen: fees of the parcels collected today, claims paid today, net. */
export const financeLive = z.object({
  at: isoTime,
  day: isoDay,
  feesFen: z.number(),
  parcels: z.number(),
  compensationFen: z.number(),
  claimsPaid: z.number(),
  netFen: z.number(),
})
export type FinanceLive = z.output<typeof financeLive>

export const alertsData = z.object({
  at: z.nullable(isoTime),
  changes: z.array(alertChange).check(z.maxLength(10_000)),
  escalated: z.optional(z.array(z.unknown())),
})
export type AlertsData = z.output<typeof alertsData>

export const helloFrame = z.object({
  type: z.literal('hello'),
  epoch: z.string().check(z.minLength(1)),
  seq,
  user: z.object({ username: z.string(), role: z.string() }),
  /** True when the server replays what this client missed; false means "start afresh". */
  resumed: z.boolean(),
  channels: z.optional(z.array(z.string())),
})
export const kpiFrame = z.object({ type: z.literal('kpi'), seq, data: kpiSnapshot, snapshot })
export const mapFrame = z.object({ type: z.literal('map'), seq, data: mapSnapshot, snapshot })
export const financeFrame = z.object({ type: z.literal('finance'), seq, data: financeLive, snapshot })
export const parcelFrame = z.object({
  type: z.literal('parcel'),
  channel: z.optional(z.string()),
  seq,
  data: parcelLive,
  snapshot,
})
export const alertsFrame = z.object({ type: z.literal('alerts'), seq, data: alertsData, snapshot })
/** Control frames: not part of the data stream, never sequenced. */
export const controlFrame = z.object({
  type: z.enum(['heartbeat', 'subscribed', 'pong', 'error']),
  seq,
  code: z.optional(z.string()),
  message: z.optional(z.string()),
  at: z.optional(isoTime),
  channels: z.optional(z.array(z.string())),
})

export const serverFrame = z.discriminatedUnion('type', [
  helloFrame,
  kpiFrame,
  mapFrame,
  financeFrame,
  parcelFrame,
  alertsFrame,
  controlFrame,
])
export type ServerFrame = z.output<typeof serverFrame>
export type HelloFrame = z.output<typeof helloFrame>
export type ControlFrame = z.output<typeof controlFrame>
