import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { mutedSql } from '../../server/db/silences-repo.ts'
import { escalateDue, upsertAlerts } from '../../server/db/alerts-repo.ts'
import {
  escalationStep,
  muteReason,
  silenceMatches,
  type EscalationSubject,
  type Severity,
  type Silence,
} from '../../server/domain/alert-lifecycle.ts'
import { alertTransaction } from '../../server/services/alerts.ts'

/**
 * The lifecycle's rules live twice: in SQL (silences-repo.ts mutedSql, what the
 * sweeps, the list and escalation read; alerts-repo.ts escalateDue) and in the
 * domain (alert-lifecycle.ts muteReason and escalationStep, the rules as written).
 * These tests hold them equal: muting over silences, maintenance periods and an
 * incident's and a resolved stop's inhibition at instants around every boundary; escalation minute by
 * minute for two hours, with an acknowledgement, an info alert and a silence.
 */
let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
})
afterAll(async () => {
  await sys?.stop()
})

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
      await db.query(
        `INSERT INTO silences (rule, hub_code, starts_at, ends_at, kind, comment) VALUES ($1, $2, $3, $4, $5, 'twin')`,
        [s.rule, s.hubCode, new Date(s.startsAt), new Date(s.endsAt), s.kind],
      )
    }
    await db.query(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ('incident', 'incident:twin', $1, 'critical', '分拣线故障', $2, $2)`,
      [INCIDENT_HUB, new Date(T0 - 600 * MIN)],
    )
    // A stop at CTU-TC that resolved, opened 48 h before T0 + 60 min: it inhibits CTU-TC's parcel alerts until then.
    const stopOpened = T0 + 60 * MIN - 48 * 60 * MIN
    await db.query(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at, state, resolved_at) VALUES ('hub_silent', 'hub:CTU-TC', 'CTU-TC', 'critical', '停止扫描', $1, $1, 'resolved', $2)`,
      [new Date(stopOpened), new Date(stopOpened + 120 * MIN)],
    )
    const inhibitors = [{ rule: 'hub_silent', hubCode: 'CTU-TC', unresolved: false, openedAt: stopOpened }]
    const ids = new Map<number, { rule: string; hubCode: string; severity: Severity; quietUntil: number | null }>()
    for (const rule of RULES)
      for (const hubCode of HUBS) {
        const r = await db.query<{ id: number }>(
          `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at) VALUES ($1, $2, $3, 'warning', 'twin', $4, $4) RETURNING id::int`,
          [rule, `twin:${hubCode}`, hubCode, new Date(T0 - 600 * MIN)],
        )
        ids.set(r.rows[0]!.id, { rule, hubCode, severity: 'warning', quietUntil: null })
      }
    // Flapping (quiet for a while after it came back): a warning is muted until then, a critical one never.
    for (const severity of ['warning', 'critical'] as const) {
      const quietUntil = T0 + 59 * MIN
      const r = await db.query<{ id: number }>(
        `INSERT INTO alerts (rule, subject, hub_code, severity, title, opened_at, last_seen_at, quiet_until) VALUES ('hub_backlog', $1, 'SHA-TC', $2, 'twin', $3, $3, $4) RETURNING id::int`,
        [`twin:flap-${severity}`, severity, new Date(T0 - 600 * MIN), new Date(quietUntil)],
      )
      ids.set(r.rows[0]!.id, { rule: 'hub_backlog', hubCode: 'SHA-TC', severity, quietUntil })
    }
    let mutedSeen = 0
    for (const now of INSTANTS) {
      const sql = await db.query<{ id: number; muted: boolean }>(
        `SELECT a.id::int, ${mutedSql('$1')} AS muted FROM alerts a WHERE a.subject LIKE 'twin:%'`,
        [new Date(now)],
      )
      for (const row of sql.rows) {
        const a = ids.get(row.id)!
        const domain =
          muteReason({ ...a, now, silences, windows: [], incidentHubs: new Set([INCIDENT_HUB]), inhibitors }) !== null
        expect({ ...a, at: (now - T0) / MIN, muted: row.muted }).toEqual({ ...a, at: (now - T0) / MIN, muted: domain })
        if (row.muted) mutedSeen++
      }
    }
    // Not a vacuous agreement: some are muted, some are not.
    expect(mutedSeen).toBeGreaterThan(10)
    expect(mutedSeen).toBeLessThan(INSTANTS.length * ids.size)
  })
})

describe('escalation in SQL and in the domain', () => {
  it('escalates and reminds at the same minutes, skips info and the acknowledged, and holds a muted alert until its silence ends', async () => {
    const db = sys.database.pool
    const E0 = Date.parse('2026-11-21T09:00:00+08:00')
    const policy = { escalateAfterMs: 15 * MIN, remindEveryMs: 30 * MIN }
    const silence: Silence = {
      rule: 'esc_twin',
      hubCode: 'CTU-TC',
      startsAt: E0 + 10 * MIN,
      endsAt: E0 + 50 * MIN,
      kind: 'silence',
    }
    await db.query(
      `INSERT INTO silences (rule, hub_code, starts_at, ends_at, kind, comment) VALUES ($1, $2, $3, $4, 'silence', 'twin')`,
      [silence.rule, silence.hubCode, new Date(silence.startsAt), new Date(silence.endsAt)],
    )
    const cases: Array<{ hub: string; severity: Severity; ackAt: number | null }> = [
      { hub: 'SHA-TC', severity: 'warning', ackAt: null },
      { hub: 'CAN-TC', severity: 'info', ackAt: null },
      { hub: 'BJS-TC', severity: 'critical', ackAt: 40 },
      { hub: 'CTU-TC', severity: 'warning', ackAt: null },
    ]
    const opened = await alertTransaction(db, 'twin open', (client) =>
      upsertAlerts(
        client,
        'esc_twin',
        cases.map((c) => ({
          subject: `hub:${c.hub}`,
          hubCode: c.hub,
          severity: c.severity,
          title: 'twin',
          itemCount: 1,
        })),
        new Date(E0),
        policy.escalateAfterMs,
      ),
    )
    const domain = new Map(
      opened.map((o, i) => [
        o.id,
        {
          ...cases[i]!,
          s: {
            state: 'open',
            severity: cases[i]!.severity,
            muted: false,
            level: 0,
            openedAt: E0,
            lastEscalatedAt: null,
          } as EscalationSubject,
        },
      ]),
    )
    const sqlSteps: string[] = []
    const domainSteps: string[] = []
    for (let minute = 0; minute <= 130; minute++) {
      const now = E0 + minute * MIN
      for (const [id, d] of domain) {
        if (d.ackAt === minute) {
          await db.query(
            `UPDATE alerts SET state = 'acknowledged', acknowledged_at = $2, next_escalation_at = NULL WHERE id = $1`,
            [id, new Date(now)],
          )
          d.s = { ...d.s, state: 'acknowledged' }
        }
        const step = escalationStep(
          { ...d.s, muted: silenceMatches(silence, { rule: 'esc_twin', hubCode: d.hub }, now) },
          now,
          policy,
        )
        if (step !== null) {
          d.s = { ...d.s, level: step, lastEscalatedAt: now }
          domainSteps.push(`${d.hub}@${minute}:L${step}`)
        }
      }
      const rows = await alertTransaction(db, 'twin escalation', (client) =>
        escalateDue(client, new Date(now), policy.remindEveryMs),
      )
      for (const r of rows) sqlSteps.push(`${domain.get(r.id)!.hub}@${minute}:L${r.level}`)
    }
    expect([...sqlSteps].sort()).toEqual([...domainSteps].sort())
    // What the rule says, written out: SHA-TC at 15, 45, 75, 105; BJS-TC at 15 only (acknowledged at 40);
    // CTU-TC muted from 10 to 50, so it escalates when the silence ends, then every 30; CAN-TC (info) never.
    expect(domainSteps.filter((s) => s.startsWith('SHA-TC'))).toEqual([
      'SHA-TC@15:L1',
      'SHA-TC@45:L2',
      'SHA-TC@75:L3',
      'SHA-TC@105:L4',
    ])
    expect(domainSteps.filter((s) => s.startsWith('BJS-TC'))).toEqual(['BJS-TC@15:L1'])
    expect(domainSteps.filter((s) => s.startsWith('CTU-TC'))).toEqual(['CTU-TC@50:L1', 'CTU-TC@80:L2', 'CTU-TC@110:L3'])
    expect(domainSteps.some((s) => s.startsWith('CAN-TC'))).toBe(false)
  })
})
