// Admin settings: the SLA thresholds (GET/PUT /api/v1/admin/sla-settings) and the
// working-day calendar (GET /api/v1/admin/calendar, PUT /api/v1/admin/calendar/days/:day).
import * as z from 'zod/mini'
import { isoDay } from './common.ts'

const positive = z.number().check(z.positive())
export const slaSettings = z.object({
  settings: z.object({
    stallInTransitHours: positive,
    stallOutForDeliveryHours: positive,
    lostAfterHours: positive,
    lateCriticalCount: positive,
    escalateAfterMinutes: positive,
    remindEveryMinutes: positive,
  }),
})

const dayKind = z.enum(['day_off', 'workday'])
export const companyDay = z.object({ day: isoDay, kind: dayKind, note: z.string() })
export const calendarView = z.object({
  timeZone: z.literal('Asia/Shanghai'),
  cutoffHour: z.number(),
  /** Years whose official holidays the server knows; days outside them are treated as ordinary weekdays/weekends. */
  officialDataYears: z.array(z.int()),
  companyDays: z.array(companyDay),
})
export const companyDayAnswer = z.object({ ...companyDay.shape, recomputing: z.boolean() })
