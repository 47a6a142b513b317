import type pg from 'pg'
import { listCouriers, listHubs, type Courier, type Hub } from '../db/reference-repo.ts'

/**
 * Hubs and couriers change rarely and are read on every ingest batch, so they are
 * cached here and reloaded when a code is not found (a hub added by another
 * instance) at most once every few seconds.
 */
export class ReferenceData {
  private hubs = new Map<string, Hub>()
  private couriers = new Map<string, Courier>()
  private loadedAt = 0

  constructor(
    private readonly db: pg.Pool,
    private readonly minReloadMs = 5_000,
  ) {}

  async load(): Promise<void> {
    const [hubs, couriers] = await Promise.all([listHubs(this.db), listCouriers(this.db)])
    this.hubs = new Map(hubs.map((h) => [h.code, h]))
    this.couriers = new Map(couriers.map((c) => [c.code, c]))
    this.loadedAt = Date.now()
  }

  /** Reloads when some of these codes are unknown and the cache is old enough. */
  async ensure(hubCodes: Iterable<string>, courierCodes: Iterable<string>): Promise<void> {
    const missing = [...hubCodes].some((c) => !this.hubs.has(c)) || [...courierCodes].some((c) => !this.couriers.has(c))
    if (missing && Date.now() - this.loadedAt >= this.minReloadMs) await this.load()
  }

  hub(code: string): Hub | undefined {
    return this.hubs.get(code)
  }
  courier(code: string): Courier | undefined {
    return this.couriers.get(code)
  }
  allHubs(): Hub[] {
    return [...this.hubs.values()]
  }
  allCouriers(): Courier[] {
    return [...this.couriers.values()]
  }
}
