// Which schema each route's 2xx answer follows, keyed `METHOD /path` exactly as the route
// table declares it (server/http/routes.ts). Three readers:
//  - the server checks its own answers against it outside production (RESPONSE_CHECK,
//    server/http/route-kit.ts), so every integration test is also a contract test;
//  - the tests' typed API helper (test/helpers/api.ts) returns the schema's type;
//  - test/unit/contract/response-check.test.ts checks that every route of the table is
//    here or in NOT_JSON.
// Error answers (4xx/5xx) follow apiErrorBody (./common.ts) on every route. A route that
// answers 204 No Content has `noContent` (null: no body); the CSV exports and the display
// enrolment page answer something other than JSON and are listed in NOT_JSON instead.
// The web imports the schema modules themselves, not this map (it would bundle them all).
import * as z from 'zod/mini'
import { loginAnswer, userEnvelope } from './auth.ts'
import { kpiSnapshot, mapSnapshot } from './kpi.ts'
import {
  alertDetail,
  alertEnvelope,
  alertList,
  incidentAnswer,
  maintenanceWindow,
  maintenanceWindowList,
  silence,
  silenceList,
} from './alerts.ts'
import { calendarView, companyDayAnswer, slaSettings } from './settings.ts'
import { handoffEnvelope, handoffList } from './handoffs.ts'
import { shipmentDetail, trackResponse } from './track.ts'
import { financeLive } from './live.ts'
import { courierList, eventBatchResult, hubList, shipmentBatchResult } from './ingest.ts'
import { slaBreakdown, slaCauses, slaParcels, slaSummary, slaTransit, timeLost } from './sla.ts'
import {
  accountChanged,
  accountCreated,
  accountEnvelope,
  accountList,
  accountReset,
  apiTokenCreated,
  auditList,
  dbHealth,
  displayCreated,
  displayList,
  passwordChanged,
  unlockAnswer,
  webhookCreated,
  webhookList,
} from './admin.ts'
import {
  categoryList,
  claimEnvelope,
  claimLines,
  claimList,
  complaintEnvelope,
  complaintList,
  feedbackAnswer,
  feeLines,
  financeSummary,
  paymentsAnswer,
  satisfactionTrend,
  statementDetail,
  statementEnvelope,
  statementLines,
  statementList,
} from './money.ts'
import { handoverReport } from './handover.ts'

/** 204 No Content: no body (the typed test helper reads it as null). */
export const noContent = z.null()

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
  'GET /api/v1/maintenance-windows': maintenanceWindowList,
  'POST /api/v1/maintenance-windows': maintenanceWindow,
  'GET /api/v1/admin/sla-settings': slaSettings,
  'PUT /api/v1/admin/sla-settings': slaSettings,
  'GET /api/v1/admin/calendar': calendarView,
  'PUT /api/v1/admin/calendar/days/:day': companyDayAnswer,
  'POST /api/v1/handoffs/:id/done': handoffEnvelope,
  'GET /api/v1/sla/time-lost': timeLost,
  'GET /api/v1/sla/summary': slaSummary,
  'GET /api/v1/sla/breakdown': slaBreakdown,
  'GET /api/v1/sla/causes': slaCauses,
  'GET /api/v1/sla/transit': slaTransit,
  'GET /api/v1/sla/parcels': slaParcels,
  'POST /api/v1/auth/logout': noContent,
  'POST /api/v1/auth/password': passwordChanged,
  'POST /api/v1/admin/api-tokens': apiTokenCreated,
  'DELETE /api/v1/admin/calendar/days/:day': noContent,
  'GET /api/v1/admin/db-health': dbHealth,
  'DELETE /api/v1/silences/:id': noContent,
  'DELETE /api/v1/maintenance-windows/:id': noContent,
  'GET /api/v1/admin/webhooks': webhookList,
  'POST /api/v1/admin/webhooks': webhookCreated,
  'DELETE /api/v1/admin/webhooks/:id': noContent,
  'GET /api/v1/handover': handoverReport,
  'POST /api/v1/displays': displayCreated,
  'GET /api/v1/displays': displayList,
  'DELETE /api/v1/displays/:id': noContent,
  'GET /api/v1/admin/users': accountList,
  'POST /api/v1/admin/users': accountCreated,
  'PUT /api/v1/admin/users/:username': accountChanged,
  'POST /api/v1/admin/users/:username/reset-password': accountReset,
  'POST /api/v1/admin/users/:username/disable': accountChanged,
  'POST /api/v1/admin/users/:username/enable': accountEnvelope,
  'POST /api/v1/admin/users/:username/unlock': unlockAnswer,
  'GET /api/v1/admin/audit': auditList,
  'GET /api/v1/complaint-categories': categoryList,
  'PUT /api/v1/admin/complaint-categories/:code': categoryList,
  'POST /api/v1/complaints': complaintEnvelope,
  'GET /api/v1/complaints': complaintList,
  'GET /api/v1/complaints/:id': complaintEnvelope,
  'POST /api/v1/complaints/:id/transition': complaintEnvelope,
  'POST /api/v1/feedback': feedbackAnswer,
  'GET /api/v1/satisfaction/trend': satisfactionTrend,
  'POST /api/v1/claims': claimEnvelope,
  'GET /api/v1/claims': claimList,
  'GET /api/v1/claims/:id': claimEnvelope,
  'POST /api/v1/claims/:id/approve': claimEnvelope,
  'POST /api/v1/claims/:id/reject': claimEnvelope,
  'POST /api/v1/claims/:id/pay': claimEnvelope,
  'GET /api/v1/finance/summary': financeSummary,
  'GET /api/v1/finance/fees': feeLines,
  'GET /api/v1/finance/compensation': claimLines,
  'POST /api/v1/finance/payments': paymentsAnswer,
  'GET /api/v1/finance/statements': statementList,
  'POST /api/v1/finance/statements': statementEnvelope,
  'GET /api/v1/finance/statements/:id': statementDetail,
  'GET /api/v1/finance/statements/:id/lines': statementLines,
  'POST /api/v1/finance/statements/:id/review': statementEnvelope,
  'POST /api/v1/finance/statements/:id/approve': statementEnvelope,
} as const satisfies Record<string, z.ZodMiniType>

/**
 * Routes whose 2xx answer is not JSON, so no schema: the finance CSV exports (text/csv
 * with a BOM) and the display enrolment link (a 303 to /wall, or an HTML page).
 */
export const NOT_JSON = [
  'GET /api/v1/finance/export.csv',
  'GET /api/v1/finance/statements/:id/lines.csv',
  'GET /display/enroll',
] as const

export type RouteKey = keyof typeof RESPONSES
/** The body a route answers with (2xx), as JSON carries it. */
export type ResponseOf<K extends RouteKey> = z.output<(typeof RESPONSES)[K]>

/** The schema of a route's 2xx answer, or undefined while it has none. */
export function responseSchema(method: string, path: string): z.ZodMiniType | undefined {
  return (RESPONSES as Record<string, z.ZodMiniType>)[`${method.toUpperCase()} ${path}`]
}
