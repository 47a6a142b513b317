import { DEMO_COURIERS, DEMO_HUBS } from '../../server/data/network.ts'
import { upsertCouriers, upsertHubs } from '../../server/db/reference-repo.ts'
import { ReferenceData } from '../../server/services/reference.ts'
import { CalendarService } from '../../server/services/calendar.ts'
import { benchNetwork } from '../../bench/lib/alert-scenario.ts'
import type { TestSystem } from './system.ts'

/**
 * The alert benchmark's network of these outlets stored in a test system, and what
 * runVirtual (bench/lib/virtual-run.ts) needs from the system: the tests that drive the
 * simulator on a virtual clock through the server's own ingest start from here.
 */
export async function virtualNetwork(sys: TestSystem, outlets: readonly string[]) {
  const db = sys.database.pool
  const network = benchNetwork(DEMO_HUBS, DEMO_COURIERS, outlets)
  await upsertHubs(db, network.hubs)
  await upsertCouriers(db, network.couriers)
  const reference = new ReferenceData(db)
  await reference.load()
  return {
    db,
    network,
    /** The system's part of runVirtual's options. */
    system: {
      db,
      sla: sys.config.sla,
      reference,
      calendar: new CalendarService(db, sys.config.slaCutoffHour),
      futureToleranceMs: sys.config.futureToleranceMs,
    },
  }
}
