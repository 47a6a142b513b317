import type pg from 'pg'
import { z } from 'zod'
import type { SlaThresholds } from '../config.ts'

/** What an admin may change, in the units people think in; ranges keep a typo from silencing the engine. */
export const slaSettingsSchema = z.strictObject({
  stallInTransitHours: z.number().min(1).max(240).optional(),
  stallOutForDeliveryHours: z.number().min(1).max(72).optional(),
  lostAfterHours: z.number().min(12).max(720).optional(),
  lateCriticalCount: z.number().int().min(1).max(100_000).optional(),
  escalateAfterMinutes: z.number().min(1).max(1440).optional(),
  remindEveryMinutes: z.number().min(1).max(1440).optional(),
})
export type SlaSettingsInput = z.infer<typeof slaSettingsSchema>

const MS_KEYS: Record<string, keyof SlaThresholds> = {
  escalateAfterMinutes: 'escalateAfterMs',
  remindEveryMinutes: 'remindEveryMs',
}

/** Configured defaults with the admin's overrides on top; read by every sweep (cached briefly). */
export class SlaSettings {
  private cached: { at: number; value: SlaThresholds } | undefined

  constructor(
    private readonly db: pg.Pool,
    private readonly defaults: SlaThresholds,
    private readonly maxAgeMs = 30_000,
  ) {}

  async current(): Promise<SlaThresholds> {
    if (this.cached && Date.now() - this.cached.at < this.maxAgeMs) return this.cached.value
    const rows = (await this.db.query<{ key: string; value: number }>('SELECT key, value FROM sla_settings')).rows
    const value = { ...this.defaults }
    for (const r of rows) {
      const msKey = MS_KEYS[r.key]
      if (msKey) value[msKey] = r.value * 60_000
      else if (r.key in value) (value as unknown as Record<string, number>)[r.key] = r.value
    }
    this.cached = { at: Date.now(), value }
    return value
  }

  async update(input: SlaSettingsInput, userId: number | null): Promise<SlaThresholds> {
    const entries = Object.entries(input).filter(([, v]) => v !== undefined) as Array<[string, number]>
    if (entries.length > 0) {
      await this.db.query(
        `INSERT INTO sla_settings (key, value, updated_by) SELECT k, v, $3 FROM unnest($1::text[], $2::float8[]) AS u(k, v)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [entries.map(([k]) => k), entries.map(([, v]) => v), userId],
      )
    }
    this.cached = undefined
    return this.current()
  }
}

/** The thresholds as the API shows them (minutes, not milliseconds). */
export function settingsView(t: SlaThresholds) {
  return {
    stallInTransitHours: t.stallInTransitHours,
    stallOutForDeliveryHours: t.stallOutForDeliveryHours,
    lostAfterHours: t.lostAfterHours,
    lateCriticalCount: t.lateCriticalCount,
    escalateAfterMinutes: t.escalateAfterMs / 60_000,
    remindEveryMinutes: t.remindEveryMs / 60_000,
  }
}
