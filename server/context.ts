import type pg from 'pg'
import type { Config } from './config.ts'
import type { Metrics } from './lib/metrics.ts'
import type { Logger } from './lib/logger.ts'
import type { ReferenceData } from './services/reference.ts'
import type { Queues } from '../jobs/queues.ts'
import type { IngestDeps, ParcelLiveState } from './services/ingest-events.ts'
import type { CalendarService } from './services/calendar.ts'
import type { SlaSettings } from './services/sla-settings.ts'
import type { LoginThrottle } from './services/login-throttle.ts'

/** What the HTTP routes and the websocket hub need; built once in the app's composition root. */
export interface AppContext {
  config: Config
  db: pg.Pool
  log: Logger
  reference: ReferenceData
  calendar: CalendarService
  slaSettings: SlaSettings
  queues: Queues
  ingestDeps: IngestDeps
  /** Called when a session ends, so its open websockets close too. */
  onLogout: (sessionHash: string) => void
  /** Tells every instance's live channel that alerts changed. */
  publishAlerts: (data: unknown) => Promise<void>
  /** Tells every instance's live channel that these parcels moved (fire and forget: never fails the request). */
  publishParcels: (changes: ParcelLiveState[]) => void
  metrics: Metrics
  /** Failed sign-ins per user name and per client IP, shared by every instance through Redis. */
  loginThrottle: LoginThrottle
  /** Called when a wall screen's display token is revoked, so its open websockets close too. */
  onDisplayRevoked: (displayId: number) => void
}
