import type pg from 'pg'
import { findAlert } from '../db/alert-queries-repo.ts'
import {
  alertWaybillsAmong,
  findHandoff,
  handoffParcels,
  insertHandoff,
  listHandoffs,
  markHandoffDone,
  type HandoffFilter,
  type HandoffParcelRow,
  type HandoffRow,
} from '../db/handoffs-repo.ts'
import { canSeePersonalData, maskName, maskPhone } from '../domain/masking.ts'
import type { Role } from '../domain/roles.ts'
import { BadRequestError, ConflictError, NotFoundError } from '../lib/errors.ts'
import { alertTransaction } from './alerts.ts'

/** How many refused waybills the message names; `details.notInAlert` lists them all. */
const NAMED_IN_MESSAGE = 20

export interface HandoffInput {
  alertId: number
  waybills: readonly string[]
  note: string
  userId: number
  now: Date
  scopeHub?: string | null
}

/**
 * Hands parcels of an alert to customer service. Every waybill must be a parcel
 * of that alert now; otherwise nothing is stored and the refusal names them.
 */
export async function createHandoff(db: pg.Pool, input: HandoffInput): Promise<number> {
  const waybills = [...new Set(input.waybills)]
  if (!(await findAlert(db, input.alertId, input.scopeHub ?? null)))
    throw new NotFoundError(`No alert ${input.alertId}`)
  return alertTransaction(
    db,
    'handoff',
    async (client) => {
      const known = await alertWaybillsAmong(client, input.alertId, waybills)
      const bad = waybills.filter((w) => !known.has(w))
      if (bad.length > 0) {
        const named =
          bad.slice(0, NAMED_IN_MESSAGE).join(', ') +
          (bad.length > NAMED_IN_MESSAGE ? ` and ${bad.length - NAMED_IN_MESSAGE} more` : '')
        throw new BadRequestError(`Not parcels of alert ${input.alertId}: ${named}; nothing was handed over`, {
          notInAlert: bad,
        })
      }
      return insertHandoff(client, {
        alertId: input.alertId,
        note: input.note,
        createdBy: input.userId,
        createdAt: input.now,
        waybills,
      })
    },
    { reconcile: false },
  )
}

function parcelView(p: HandoffParcelRow, clear: boolean) {
  return {
    waybill: p.waybill,
    tier: p.tier,
    status: p.status,
    lastScanAt: p.lastScanAt,
    lastScanHub: p.lastScanHub,
    deadline: p.deadline,
    recipient: {
      name: clear ? p.recipientName : maskName(p.recipientName),
      phone: clear ? p.recipientPhone : maskPhone(p.recipientPhone),
      city: p.recipientCity,
    },
  }
}

/** Hand-offs with their parcels; recipients masked unless the role talks to customers. */
export async function handoffsView(db: pg.Pool, rows: readonly HandoffRow[], role: Role) {
  const clear = canSeePersonalData(role)
  const parcels = await handoffParcels(
    db,
    rows.map((h) => h.id),
  )
  const byHandoff = new Map<number, ReturnType<typeof parcelView>[]>()
  for (const p of parcels) {
    const list = byHandoff.get(p.handoffId) ?? []
    list.push(parcelView(p, clear))
    byHandoff.set(p.handoffId, list)
  }
  return rows.map((h) => ({ ...h, masked: !clear, parcels: byHandoff.get(h.id) ?? [] }))
}

export async function listHandoffsFor(db: pg.Pool, filter: HandoffFilter, role: Role) {
  return handoffsView(db, await listHandoffs(db, filter), role)
}

export async function getHandoff(db: pg.Pool, id: number, role: Role, scopeHub: string | null = null) {
  const row = await findHandoff(db, id, scopeHub)
  if (!row) throw new NotFoundError(`No hand-off ${id}`)
  const [view] = await handoffsView(db, [row], role)
  return view!
}

export async function completeHandoff(
  db: pg.Pool,
  id: number,
  userId: number,
  comment: string,
  now: Date,
  scopeHub: string | null = null,
): Promise<void> {
  // Another hub's hand-off doesn't exist for a hub-scoped person: 404, as for a missing one.
  if (scopeHub !== null && !(await findHandoff(db, id, scopeHub))) throw new NotFoundError(`No hand-off ${id}`)
  if (await markHandoffDone(db, id, userId, comment, now)) return
  const row = await findHandoff(db, id)
  if (!row) throw new NotFoundError(`No hand-off ${id}`)
  throw new ConflictError(`Hand-off ${id} is already done`)
}
