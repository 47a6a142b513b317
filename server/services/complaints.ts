import type pg from 'pg'
import {
  complaintHistory,
  findComplaint,
  insertComplaint,
  listComplaints,
  moveComplaint,
  type ComplaintFilter,
  type ComplaintRow,
  type NewComplaint,
} from '../db/complaints-repo.ts'
import { insertFeedback } from '../db/feedback-repo.ts'
import type { AlertChange } from '../db/alerts-repo.ts'
import { canMove, isOverdue, type ComplaintState } from '../domain/complaints.ts'
import { canSeePersonalData, maskName, maskPhone } from '../domain/masking.ts'
import type { Role } from '../domain/roles.ts'
import { BadRequestError, ConflictError, NotFoundError } from '../lib/errors.ts'
import { reconcileComplaintAlerts } from './complaint-alerts.ts'
import { alertTransaction, notifyInTransaction } from './alerts.ts'

/** e-mail: first character and the domain stay (l***@example.com). */
export function maskEmail(email: string | null): string | null {
  if (email === null) return null
  const at = email.indexOf('@')
  if (at <= 0) return '***'
  return `${email[0]}***${email.slice(at)}`
}

export function complaintView(c: ComplaintRow, role: Role, now: Date) {
  const clear = canSeePersonalData(role)
  return {
    ...c,
    contactName: clear ? c.contactName : maskName(c.contactName),
    contactPhone: clear ? c.contactPhone : maskPhone(c.contactPhone),
    contactEmail: clear ? c.contactEmail : maskEmail(c.contactEmail),
    masked: !clear,
    overdue: isOverdue(c.state, c.dueAt, now),
  }
}

export async function openComplaint(db: pg.Pool, input: NewComplaint): Promise<number> {
  if (input.waybill) {
    const known = await db.query('SELECT 1 FROM shipments WHERE waybill = $1', [input.waybill])
    if (known.rowCount === 0)
      throw new BadRequestError(
        `No parcel ${input.waybill}`,
        [{ field: 'waybill', message: 'unknown waybill' }],
        'unknown_waybill',
      )
  }
  const id = await insertComplaint(db, input)
  if (id === undefined)
    throw new BadRequestError(`No complaint category ${input.category}`, [
      { field: 'category', message: 'unknown category' },
    ])
  return id
}

export async function listComplaintsFor(db: pg.Pool, f: ComplaintFilter, role: Role, now: Date) {
  return (await listComplaints(db, f)).map((c) => complaintView(c, role, now))
}

export async function getComplaint(db: pg.Pool, id: number, role: Role, now: Date) {
  const c = await findComplaint(db, id)
  if (!c) throw new NotFoundError(`No complaint ${id}`)
  return { ...complaintView(c, role, now), history: await complaintHistory(db, id) }
}

export interface MoveInput {
  id: number
  to: ComplaintState
  note: string
  satisfaction: number | null
  userId: number
  now: Date
  escalateAfterMs: number
}

/**
 * Moves a complaint forward with who, when and a note; closing records the
 * customer's satisfaction (also as feedback). The overdue alert is reconciled in
 * the same transaction, so a reply resolves it at once, not at the next sweep.
 */
export async function moveComplaintOn(db: pg.Pool, m: MoveInput): Promise<AlertChange[]> {
  if (m.to === 'closed' && m.satisfaction === null)
    throw new BadRequestError('Ask the customer how satisfied they are (1–5) before closing', [
      { field: 'satisfaction', message: 'required to close' },
    ])
  if (m.to !== 'closed' && m.satisfaction !== null)
    throw new BadRequestError('Satisfaction is recorded at closing', [
      { field: 'satisfaction', message: 'only when closing' },
    ])
  // It reconciles the overdue alerts as the sweep does: an alert transaction, with the same first lock (server/db/tx.ts).
  return alertTransaction(db, 'complaint move', async (client) => {
    const c = await findComplaint(client, m.id, true)
    if (!c) throw new NotFoundError(`No complaint ${m.id}`)
    if (!canMove(c.state, m.to)) throw new ConflictError(`Complaint ${m.id} is ${c.state}: it can only move forward`)
    await moveComplaint(client, m.id, c.state, m.to, m.userId, m.note, m.satisfaction, m.now)
    if (m.satisfaction !== null) {
      await insertFeedback(client, {
        waybill: c.waybill,
        complaintId: m.id,
        score: m.satisfaction,
        comment: m.note,
        source: 'complaint',
        createdAt: m.now,
        createdBy: m.userId,
      })
    }
    const changes = (await reconcileComplaintAlerts(client, m.now, m.escalateAfterMs)).filter(
      (x) => x.action !== 'updated',
    )
    await notifyInTransaction(client, changes, m.now)
    return changes
  })
}
