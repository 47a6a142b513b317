import type pg from 'pg'
import { createCalendar, type WorkingCalendar } from '../domain/calendar.ts'
import { computePromise, type DeliveryPromise } from '../domain/deadline.ts'
import type { Tier } from '../domain/fees.ts'
import { listCompanyDays, openParcelsPage, updatePromises } from '../db/calendar-repo.ts'

/**
 * The working calendar in force: China's official calendar plus the company's own
 * days from the database. Cached; reloaded when it is older than `maxAgeMs`
 * (another instance may have changed it) or when told it changed.
 */
export class CalendarService {
  private calendar: WorkingCalendar | undefined
  private loadedAt = 0

  constructor(
    private readonly db: pg.Pool,
    private readonly cutoffHour: number,
    private readonly maxAgeMs = 60_000,
  ) {}

  async current(): Promise<WorkingCalendar> {
    if (!this.calendar || Date.now() - this.loadedAt > this.maxAgeMs) {
      const days = await listCompanyDays(this.db)
      this.calendar = createCalendar({
        companyDaysOff: days.filter((d) => d.kind === 'day_off').map((d) => d.day),
        companyWorkdays: days.filter((d) => d.kind === 'workday').map((d) => d.day),
      })
      this.loadedAt = Date.now()
    }
    return this.calendar
  }

  invalidate(): void {
    this.calendar = undefined
  }

  async promiseOf(collectedAt: Date, tier: Tier): Promise<DeliveryPromise> {
    return computePromise(collectedAt, tier, await this.current(), { cutoffHour: this.cutoffHour })
  }

  /** Recomputes the promise of every open parcel on the current calendar; returns how many. */
  async recomputeOpen(pageSize = 5_000): Promise<number> {
    this.invalidate()
    const calendar = await this.current()
    let after = ''
    let total = 0
    for (;;) {
      const page = await openParcelsPage(this.db, after, pageSize)
      if (page.length === 0) return total
      await updatePromises(
        this.db,
        page.map((p) => ({
          waybill: p.waybill,
          promise: computePromise(p.collectedAt, p.tier, calendar, { cutoffHour: this.cutoffHour }),
        })),
      )
      total += page.length
      after = page[page.length - 1]!.waybill
    }
  }
}
