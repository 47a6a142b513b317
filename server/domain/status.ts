/**
 * The parcel status machine. Pure: no driver, no clock.
 *
 * Events can arrive late and out of order, so the status is not "the last event
 * received" but follows the event time, with two precedence rules:
 *  1. A terminal event (delivered, returned) wins whenever it arrives, and once a
 *     parcel is terminal nothing moves it back (a delivered parcel never goes back
 *     to in transit because a late departure scan turns up).
 *  2. Otherwise the event with the latest event time sets the status; an older
 *     event that arrives late only extends the trajectory.
 * Both rules make the result independent of arrival order.
 */
export const EVENT_TYPES = [
  'collected',
  'departed_hub',
  'arrived_hub',
  'out_for_delivery',
  'delivered',
  'delivery_failed',
  'exception',
  'returned',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

export const EXCEPTION_REASONS = ['lost', 'damaged', 'wrong_address', 'refused'] as const
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number]

export const STATUSES = [
  'collected',
  'in_transit',
  'out_for_delivery',
  'delivery_failed',
  'exception',
  'delivered',
  'returned',
] as const
export type ShipmentStatus = (typeof STATUSES)[number]

export const TERMINAL_STATUSES: readonly ShipmentStatus[] = ['delivered', 'returned']

const STATUS_OF_EVENT: Record<EventType, ShipmentStatus> = {
  collected: 'collected',
  departed_hub: 'in_transit',
  arrived_hub: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  delivery_failed: 'delivery_failed',
  exception: 'exception',
  returned: 'returned',
}

export function statusOfEvent(type: EventType): ShipmentStatus {
  return STATUS_OF_EVENT[type]
}

export function isTerminal(status: ShipmentStatus): boolean {
  return TERMINAL_STATUSES.includes(status)
}

export interface StatusEvent {
  type: EventType
  time: Date
  hub: string | null
  signer?: string | null
  reason?: ExceptionReason | null
}

export interface ShipmentState {
  status: ShipmentStatus
  /** Event time of the event that set the status. */
  statusAt: Date
  lastScanAt: Date | null
  lastScanHub: string | null
  lastEventType: EventType | null
  deliveredAt: Date | null
  signer: string | null
  exceptionReason: ExceptionReason | null
  exceptionAt: Date | null
}

function applyOne(state: ShipmentState, e: StatusEvent): ShipmentState {
  const next = { ...state }
  if (next.lastScanAt === null || e.time.getTime() >= next.lastScanAt.getTime()) {
    next.lastScanAt = e.time
    next.lastScanHub = e.hub
    next.lastEventType = e.type
  }
  if (e.type === 'exception' && e.reason) {
    if (next.exceptionAt === null || e.time.getTime() >= next.exceptionAt.getTime()) {
      next.exceptionReason = e.reason
      next.exceptionAt = e.time
    }
  }
  const target = statusOfEvent(e.type)
  if (isTerminal(state.status)) return next
  if (isTerminal(target) || e.time.getTime() >= state.statusAt.getTime()) {
    next.status = target
    next.statusAt = e.time
    if (target === 'delivered') {
      next.deliveredAt = e.time
      next.signer = e.signer ?? null
    }
  }
  return next
}

/** Folds newly stored events into a shipment's state, oldest event time first. */
export function applyEvents(state: ShipmentState, events: readonly StatusEvent[]): ShipmentState {
  const ordered = [...events].sort((a, b) => a.time.getTime() - b.time.getTime())
  return ordered.reduce(applyOne, state)
}

export function initialState(collectedAt: Date): ShipmentState {
  return {
    status: 'collected',
    statusAt: collectedAt,
    lastScanAt: null,
    lastScanHub: null,
    lastEventType: null,
    deliveredAt: null,
    signer: null,
    exceptionReason: null,
    exceptionAt: null,
  }
}
