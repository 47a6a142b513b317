import type { Role } from '../domain/roles.ts'

/** `kpi`, `map` and `alerts` are shared by everyone; `finance` is today's money; `parcel:<waybill>` follows one parcel. */
export type Channel = 'kpi' | 'map' | 'alerts' | 'finance' | `parcel:${string}`
export type ChannelKind = 'kpi' | 'map' | 'alerts' | 'finance' | 'parcel'

export const DEFAULT_CHANNELS: readonly Channel[] = ['kpi', 'alerts']
/** Parcels one client may follow at once (a look-up screen follows one or two). */
export const MAX_PARCEL_CHANNELS = 5

const WAYBILL = /^[A-Z0-9]{6,32}$/

export function isChannel(name: string): name is Channel {
  if (name === 'kpi' || name === 'map' || name === 'alerts' || name === 'finance') return true
  return name.startsWith('parcel:') && WAYBILL.test(name.slice(7))
}

export function channelKind(channel: Channel): ChannelKind {
  return channel.startsWith('parcel:') ? 'parcel' : (channel as ChannelKind)
}

export function parcelChannel(waybill: string): Channel | undefined {
  const name = `parcel:${waybill}`
  return isChannel(name) ? name : undefined
}

/** Snapshot channels carry a whole picture, so only the latest matters. `alerts` carries changes. */
export const isSnapshotChannel = (channel: Channel): boolean => channel !== 'alerts'

/**
 * Who may listen to what, matching the REST routes behind each picture:
 * the figures and the map for every person and wall screen; alerts for those who
 * read alerts (and the wall's ticker); a parcel for those who may look parcels up.
 */
const ROLES: Record<ChannelKind, readonly Role[]> = {
  kpi: ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance', 'display'],
  map: ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance', 'display'],
  alerts: ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'display'],
  parcel: ['admin', 'manager', 'control_room', 'on_call', 'cs_operator'],
  // Today's fees, compensation and net: the finance page (GET /api/v1/finance/today) and the wall tile.
  finance: ['admin', 'manager', 'finance', 'display'],
}

export const canSubscribe = (role: Role, channel: Channel): boolean => ROLES[channelKind(channel)].includes(role)
