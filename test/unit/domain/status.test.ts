import { describe, expect, it } from 'vitest'
import { applyEvents, initialState, type StatusEvent } from '../../../server/domain/status.ts'

const t = (h: number) => new Date(Date.UTC(2026, 10, 2, h))
const ev = (type: StatusEvent['type'], hour: number, extra: Partial<StatusEvent> = {}): StatusEvent => ({
  type,
  time: t(hour),
  hub: 'HUB',
  ...extra,
})

describe('status machine', () => {
  it('follows event time: a later scan sets the status', () => {
    const s = applyEvents(initialState(t(0)), [ev('departed_hub', 1), ev('arrived_hub', 3), ev('out_for_delivery', 5)])
    expect(s.status).toBe('out_for_delivery')
    expect(s.lastScanAt).toEqual(t(5))
  })

  it('ignores an older scan that arrives late for the status but keeps the latest scan place', () => {
    const first = applyEvents(initialState(t(0)), [ev('out_for_delivery', 5, { hub: 'OUTLET' })])
    const late = applyEvents(first, [ev('departed_hub', 2, { hub: 'CENTRE' })])
    expect(late.status).toBe('out_for_delivery')
    expect(late.lastScanHub).toBe('OUTLET')
  })

  it('never moves a delivered parcel back to in transit, even for a later-timed scan', () => {
    const delivered = applyEvents(initialState(t(0)), [ev('delivered', 6, { signer: '本人' })])
    const after = applyEvents(delivered, [ev('arrived_hub', 8)])
    expect(after.status).toBe('delivered')
    expect(after.deliveredAt).toEqual(t(6))
    expect(after.signer).toBe('本人')
  })

  it('lets a terminal event win even when its time is older than the current status', () => {
    const s = applyEvents(initialState(t(0)), [ev('out_for_delivery', 9)])
    const d = applyEvents(s, [ev('delivered', 7, { signer: '前台代收' })])
    expect(d.status).toBe('delivered')
  })

  it('reaches the same state whatever order the events arrive in', () => {
    const events = [
      ev('collected', 0),
      ev('departed_hub', 1),
      ev('arrived_hub', 4),
      ev('exception', 5, { reason: 'damaged' }),
      ev('out_for_delivery', 7),
      ev('delivered', 9, { signer: 'x' }),
    ]
    const inOrder = applyEvents(initialState(t(0)), events)
    const oneByOneReversed = [...events].reverse().reduce((s, e) => applyEvents(s, [e]), initialState(t(0)))
    expect(oneByOneReversed).toEqual(inOrder)
    expect(inOrder.exceptionReason).toBe('damaged')
  })

  it('records the exception reason and its status', () => {
    const s = applyEvents(initialState(t(0)), [ev('exception', 3, { reason: 'lost' })])
    expect(s.status).toBe('exception')
    expect(s.exceptionReason).toBe('lost')
  })

  it('moves a refused parcel to returned and keeps it there', () => {
    const s = applyEvents(initialState(t(0)), [
      ev('exception', 3, { reason: 'refused' }),
      ev('returned', 10),
      ev('out_for_delivery', 12),
    ])
    expect(s.status).toBe('returned')
  })
})
