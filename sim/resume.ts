/**
 * A restarted demo continues the parcels already on the road instead of starting a
 * second network beside them (issue 12, item 5). For each open parcel the server
 * stores, its life is drawn again from its route and collection time (an ordinary,
 * on-time life), and only what comes after its last stored scan is kept: the step
 * matching that scan (same type, same hub) is found and the rest follow. A parcel
 * whose last delivery attempt failed gets a new attempt. Steps that would fall at
 * or before the last scan are moved just after it, keeping their spacing; steps
 * already due (the demo was down) are sent at once, with their own times. Pure.
 */
import { buildLifecycle, type ParcelPlan, type Step } from './lifecycle.ts'
import type { OpenParcel } from './parcels.ts'
import type { Rng } from './random.ts'

const AFTER_LAST_SCAN_MS = 10 * 60_000

/** The steps still ahead of an open parcel; empty when nothing is left to simulate (lost, or its state unknown). */
export function remainingSteps(plan: ParcelPlan, open: OpenParcel, rng: Rng): Step[] {
  if (open.status === 'exception' || open.status === 'delivered' || open.status === 'returned') return []
  const steps = buildLifecycle(plan, rng).steps
  let from: number
  if (open.lastEventType === null || open.lastScanHub === null) {
    from = steps[0]?.type === 'collected' ? 1 : 0
  } else if (open.lastEventType === 'delivery_failed') {
    from = steps.findIndex((s) => s.type === 'out_for_delivery')
  } else {
    let at = -1
    steps.forEach((s, i) => {
      if (s.type === open.lastEventType && s.hub === open.lastScanHub) at = i
    })
    from = at < 0 ? -1 : at + 1
  }
  if (from < 0) {
    const last = open.lastScanAt ?? open.collectedAt
    from = steps.findIndex((s) => s.time > last && s.type !== 'collected')
    if (from < 0) return []
  }
  const rest = steps.slice(from)
  if (rest.length === 0) return []
  const floor = (open.lastScanAt ?? open.collectedAt) + AFTER_LAST_SCAN_MS
  const shift = Math.max(0, floor - rest[0]!.time)
  // Event ids are per waybill and step index: a moved step is a new scan, so it gets a new id.
  return rest.map((s) => (shift === 0 ? s : { ...s, time: s.time + shift, id: `${s.id}-R${Math.round(floor / 1000)}` }))
}
