import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { mutedSql } from '../../server/db/silences-repo.ts'
import { muteReason, type Silence } from '../../server/domain/alert-lifecycle.ts'

/**
 * Muting lives twice: in SQL (silences-repo.ts mutedSql, what the sweeps, the list
 * and escalation read) and in the domain (alert-lifecycle.ts muteReason, the rule as
 * written). This test holds them equal over silences, maintenance periods and an
 * incident's inhibition, at instants around every boundary.
 */
let sys: TestSystem
beforeAll(async () => { sys = await startTestSystem({ RUN_WORKERS: 'false' }) })
afterAll(async () => { await sys?.stop() })

const MIN = 60_000
const T0 = Date.parse('2026-11-20T10:00:00+08:00')
const silences: Silence[] = [
  { rule: 'parcel_late', hubCode: null, startsAt: T0, endsAt: T0 + 120 * MIN, kind: 'silence' },
  { rule: null, hubCode: 'NKG-SC', startsAt: T0 + 60 * MIN, endsAt: T0 + 180 * MIN, kind: 'maintenance' },
  { rule: 'hub_volume_low', hubCode: 'HGH-SC', startsAt: T0 + 30 * MIN, endsAt: T0 + 45 * MIN, kind: 'silence' },
]
const INCIDENT_HUB = 'WUH-TC'
const RULES = ['parcel_late', 'parcel_stalled', 'hub_volume_low', 'courier_late_start']
const HUBS = ['NKG-SC', 'HGH-SC', 'WUH-TC', 'CTU-TC']
const INSTANTS = [-1, 0, 29, 30, 44, 45, 59, 60, 119, 120, 179, 180, 600].map((m) => T0 + m * MIN)

describe('muting in SQL and in the domain', () => {
  it('agrees for every rule, hub and instant around the silences, maintenance periods and an open incident', async () => {
    const db = sys.database.pool
    for (const s of silences) {
      await db.query(`INSERT INTO silences (rule, hub_code, starts_at, ends_at, kind, comment) VALUES ($1, $2, $3, $4, $5, 'twin')`,
        [s.rule, s.hubCode, new Date(s.startsAt), new Date(s.endsAt), s.kind])
    }
    await db.query(`INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ('incident', 'incident:twin', $1, 'critical', '分拣线故障', $2, $2)`,
      [INCIDENT_HUB, new Date(T0 - 600 * MIN)])
    const ids = new Map<number, { rule: string; hubCode: string }>()
    for (const rule of RULES) for (const hubCode of HUBS) {
      const r = await db.query<{ id: number }>(
        `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ($1, $2, $3, 'warning', 'twin', $4, $4) RETURNING id::int`,
        [rule, `twin:${hubCode}`, hubCode, new Date(T0 - 600 * MIN)])
      ids.set(r.rows[0]!.id, { rule, hubCode })
    }
    let mutedSeen = 0
    for (const now of INSTANTS) {
      const sql = await db.query<{ id: number; muted: boolean }>(`SELECT a.id::int, ${mutedSql('$1')} AS muted FROM alerts a WHERE a.subject LIKE 'twin:%'`, [new Date(now)])
      for (const row of sql.rows) {
        const a = ids.get(row.id)!
        const domain = muteReason({ ...a, now, silences, windows: [], incidentHubs: new Set([INCIDENT_HUB]) }) !== null
        expect({ ...a, at: (now - T0) / MIN, muted: row.muted }).toEqual({ ...a, at: (now - T0) / MIN, muted: domain })
        if (row.muted) mutedSeen++
      }
    }
    // Not a vacuous agreement: some are muted, some are not.
    expect(mutedSeen).toBeGreaterThan(10)
    expect(mutedSeen).toBeLessThan(INSTANTS.length * ids.size)
  })
})
