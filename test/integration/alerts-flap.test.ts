import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { alertTransaction, reconcileGroups } from '../../server/services/alerts.ts'
import { MANUAL_RESOLUTION } from '../../server/services/sla-sweep.ts'
import { alertTitles } from '../../server/domain/alert-titles.ts'
import type { AlertGroup } from '../../server/db/alerts-repo.ts'

/**
 * Flap damping (alert-lifecycle.ts flapQuiet, silences-repo.ts flappingSql), on a
 * simulated clock through the reconciliation every detection rule uses: a backlog
 * that dips under its limit and comes back within 12 h is shown but pages nobody
 * (no webhook, muted, no escalation); back worse than its peak by the margin, or a
 * shift later, it pages; a person's resolution is held by its own rule.
 */
let sys: TestSystem
let hookId: number
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  const admin = await login(sys, 'admin', ADMIN_PASSWORD)
  const hook = await api(sys, { cookie: admin }).post('/api/v1/admin/webhooks', {
    status: 201,
    body: { name: 'pager', url: 'http://127.0.0.1:9/hook', hubCodes: ['CAN-TC'] },
  })
  hookId = hook.webhook.id
})
afterAll(async () => {
  await sys?.stop()
})

const MIN = 60_000
const T0 = Date.parse('2026-11-24T14:15:00+08:00')
const at = (minutes: number) => new Date(T0 + minutes * MIN)

const backlog = (parcels: number): AlertGroup => ({
  subject: 'hub:CAN-TC',
  hubCode: 'CAN-TC',
  severity: 'warning',
  title: alertTitles.hubBacklog('广州转运中心', 2.5, parcels),
  itemCount: parcels,
})
const reconcile = (minutes: number, groups: AlertGroup[]) =>
  alertTransaction(sys.database.pool, 'flap test', (client) =>
    reconcileGroups(client, 'hub_backlog', groups, at(minutes), 15 * MIN, { pendingMs: 0, manual: MANUAL_RESOLUTION }),
  )
const openedEvents = async () =>
  (
    await sys.database.pool.query<{ id: string; event: string }>(
      `SELECT alert_id::text AS id, payload->>'event' AS event FROM webhook_outbox WHERE endpoint_id = $1 ORDER BY id`,
      [hookId],
    )
  ).rows.filter((r) => r.event === 'alert.opened')
const mutedNow = async (id: number, minutes: number) => {
  const { mutedAlertIds } = await import('../../server/db/silences-repo.ts')
  return (await mutedAlertIds(sys.database.pool, [id], at(minutes))).has(id)
}

describe('flap damping', () => {
  it('shows a backlog back within a shift without paging, and pages when it is worse or a shift later', async () => {
    const first = await reconcile(0, [backlog(116)])
    expect(first.map((c) => c.action)).toEqual(['opened'])
    await reconcile(30, [backlog(140)]) // its peak: 140
    expect((await reconcile(60, [])).map((c) => c.action)).toEqual(['auto_resolved'])
    expect(await openedEvents()).toHaveLength(1)

    // Back 2 h later at 90 parcels: a new alert, shown, muted as flapping, no webhook.
    const back = await reconcile(165, [backlog(90)])
    expect(back.map((c) => c.action)).toEqual(['opened'])
    const backId = back[0]!.id
    expect(await mutedNow(backId, 166)).toBe(true)
    expect(await openedEvents()).toHaveLength(1)
    // It does not escalate while quiet (escalation skips muted alerts) …
    const list = await sys.database.pool.query<{ quiet_until: Date }>(`SELECT quiet_until FROM alerts WHERE id = $1`, [
      backId,
    ])
    expect(list.rows[0]!.quiet_until.getTime()).toBe(at(165).getTime() + 12 * 60 * MIN)
    // … and pages again once it has stayed 12 h.
    expect(await mutedNow(backId, 165 + 12 * 60)).toBe(false)
    await reconcile(200, [])

    // Back again at 1.5 × the peak (210 ≥ 140 × 1.5, +70): a new incident, it pages.
    const worse = await reconcile(240, [backlog(210)])
    expect(worse.map((c) => c.action)).toEqual(['opened'])
    expect(await mutedNow(worse[0]!.id, 241)).toBe(false)
    expect(await openedEvents()).toHaveLength(2)
    await reconcile(300, [])

    // A shift after the last resolution: pages whatever its size.
    const later = await reconcile(300 + 12 * 60, [backlog(50)])
    expect(later.map((c) => c.action)).toEqual(['opened'])
    expect(await mutedNow(later[0]!.id, 301 + 12 * 60)).toBe(false)
    expect(await openedEvents()).toHaveLength(3)
  })
})
