// Which schema each route's 2xx answer follows, keyed `METHOD /path` exactly as the route
// table declares it (server/http/routes.ts). Three readers:
//  - the server checks its own answers against it outside production (RESPONSE_CHECK,
//    server/http/route-kit.ts), so every integration test is also a contract test;
//  - the tests' typed API helper (test/helpers/api.ts) returns the schema's type;
//  - test/unit/contract/routes.test.ts lists the routes that have no schema yet.
// Error answers (4xx/5xx) follow apiErrorBody (./common.ts) on every route.
// The web imports the schema modules themselves, not this map (it would bundle them all).
import type * as z from 'zod/mini'
import { loginAnswer, userEnvelope } from './auth.ts'
import { kpiSnapshot, mapSnapshot } from './kpi.ts'
import { alertDetail, alertEnvelope, alertList, incidentAnswer, silence, silenceList } from './alerts.ts'
import { calendarView, companyDayAnswer, slaSettings } from './settings.ts'
import { handoffEnvelope, handoffList } from './handoffs.ts'
import { shipmentDetail, trackResponse } from './track.ts'
import { financeLive } from './live.ts'
import { courierList, eventBatchResult, hubList, shipmentBatchResult } from './ingest.ts'
import { timeLost } from './sla.ts'

export const RESPONSES = {
  'POST /api/v1/auth/login': loginAnswer,
  'GET /api/v1/auth/me': userEnvelope,
  'GET /api/v1/hubs': hubList,
  'GET /api/v1/couriers': courierList,
  'POST /api/v1/shipments': shipmentBatchResult,
  'POST /api/v1/events': eventBatchResult,
  'GET /api/v1/shipments/:waybill': shipmentDetail,
  'GET /api/v1/track': trackResponse,
  'GET /api/v1/kpis': kpiSnapshot,
  'GET /api/v1/map': mapSnapshot,
  'GET /api/v1/finance/today': financeLive,
  'GET /api/v1/alerts': alertList,
  'GET /api/v1/alerts/:id': alertDetail,
  'POST /api/v1/alerts/:id/acknowledge': alertEnvelope,
  'POST /api/v1/alerts/:id/resolve': alertEnvelope,
  'POST /api/v1/alerts/:id/handoffs': handoffEnvelope,
  'GET /api/v1/handoffs': handoffList,
  'POST /api/v1/incidents': incidentAnswer,
  'GET /api/v1/silences': silenceList,
  'POST /api/v1/silences': silence,
  'GET /api/v1/admin/sla-settings': slaSettings,
  'PUT /api/v1/admin/sla-settings': slaSettings,
  'GET /api/v1/admin/calendar': calendarView,
  'PUT /api/v1/admin/calendar/days/:day': companyDayAnswer,
  'POST /api/v1/handoffs/:id/done': handoffEnvelope,
  'GET /api/v1/sla/time-lost': timeLost,
} as const satisfies Record<string, z.ZodMiniType>

export type RouteKey = keyof typeof RESPONSES
/** The body a route answers with (2xx), as JSON carries it. */
export type ResponseOf<K extends RouteKey> = z.output<(typeof RESPONSES)[K]>

/** The schema of a route's 2xx answer, or undefined while it has none. */
export function responseSchema(method: string, path: string): z.ZodMiniType | undefined {
  return (RESPONSES as Record<string, z.ZodMiniType>)[`${method.toUpperCase()} ${path}`]
}
