import type pg from 'pg'
import { kpiSnapshot } from '../services/kpis.ts'
import { mapSnapshot } from '../services/live-map.ts'
import { financeToday } from '../services/finance.ts'
import type { LiveBus } from './bus.ts'
import type { Logger } from '../lib/logger.ts'

/** The map (hub volumes, flows) changes slowly and costs more: at most this often. */
const MAP_INTERVAL_MS = 5_000

/**
 * A round may keep the database busy at most 1/BUSY_SHARE of the time: the next
 * starts no sooner than BUSY_SHARE times the last one's duration after it started.
 */
const BUSY_SHARE = 4

/**
 * Computes and publishes the KPI snapshot when something changed, at most once
 * per interval: a burst of ingest batches costs one query round, not one each.
 * The interval stretches when a round is slow (heavy ingest makes the live
 * aggregates' real-time part costlier), so the screens update a little less often
 * instead of the KPI queries crowding out ingest. The wall map's snapshot rides
 * along, at most every MAP_INTERVAL_MS.
 */
export class KpiPublisher {
  private timer: NodeJS.Timeout | undefined
  private lastRun = 0
  /** Time from one round's start to the next's: minIntervalMs, or more after a slow round. */
  private interval: number
  private lastMap = 0
  private running: Promise<void> | undefined

  constructor(
    private readonly db: pg.Pool,
    private readonly bus: LiveBus,
    private readonly log: Logger,
    private readonly minIntervalMs = 500,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.interval = minIntervalMs
  }

  /** The current spacing between rounds, in ms. */
  get intervalMs(): number {
    return this.interval
  }

  markDirty(): void {
    if (this.timer) return
    const wait = Math.max(0, this.lastRun + this.interval - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.publishNow()
    }, wait)
  }

  async publishNow(): Promise<void> {
    if (this.running) return this.running
    this.lastRun = Date.now()
    this.running = (async () => {
      try {
        await this.bus.publish('kpi', await kpiSnapshot(this.db, this.clock()))
      } catch (err) {
        this.log.warn({ err }, 'KPI snapshot not published')
      }
      try {
        await this.bus.publish('finance', await financeToday(this.db, this.clock()))
      } catch (err) {
        this.log.warn({ err }, 'finance figures not published')
      }
      if (Date.now() - this.lastMap >= MAP_INTERVAL_MS) {
        this.lastMap = Date.now()
        try {
          await this.bus.publish('map', await mapSnapshot(this.db, this.clock()))
        } catch (err) {
          this.log.warn({ err }, 'map snapshot not published')
        }
      }
      this.interval = Math.max(this.minIntervalMs, BUSY_SHARE * (Date.now() - this.lastRun))
      this.running = undefined
    })()
    return this.running
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}
