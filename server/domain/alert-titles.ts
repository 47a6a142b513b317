/**
 * Alert titles, as stored with each alert (English, for webhooks, logs and the
 * English screens). The dashboard shows them in Chinese by matching these exact
 * shapes (web/src/alerts/title.ts); test/unit/web/alert-title.test.ts feeds every
 * function here through that translation, so a new or changed title here that the
 * dashboard cannot translate fails a test.
 */
export const alertTitles = {
  parcelLate: (hub: string, n: number) => `${n} parcel(s) past their promised deadline at ${hub}`,
  parcelStalled: (hub: string, n: number) => `${n} parcel(s) without a scan beyond the stall limit at ${hub}`,
  parcelAtRisk: (hub: string, n: number) => `${n} parcel(s) at ${hub} expected to miss their deadline`,
  parcelSuspectedLost: (hub: string, n: number, hours: number) => `${n} parcel(s) without a scan for ${hours} h at ${hub}: suspected lost`,
  hubSilent: (name: string, before: readonly number[]) => `${name} has scanned nothing for an hour (${before.join(', ')} events in the hours before)`,
  hubVolumeLow: (name: string, observed: number, expected: number | null) => `${name}: ${observed} events in the last hour, ${expected} expected`,
  hubVolumeHigh: (name: string, observed: number, expected: number | null) => `${name}: ${observed} events in the last hour, ${expected} expected (surge)`,
  hubExceptionSpike: (name: string, recentRate: number, baselineRate: number) =>
    `${name}: exception rate ${(recentRate * 100).toFixed(1)} % in the last hour against ${(baselineRate * 100).toFixed(1)} %`,
  courierAbsent: (name: string, code: string) => `${name} (${code}) has not scanned anything today`,
  courierLateStart: (name: string, code: string, minutes: number) => `${name} (${code}) started ${minutes} min late`,
  courierEarlyStop: (name: string, code: string, minutes: number) => `${name} (${code}) stopped ${minutes} min early`,
  complaintOverdue: (id: number, category: string, limitHours: number, waybill: string | null) =>
    `Complaint #${id} (${category}) unanswered past its ${limitHours} h limit${waybill ? ` (parcel ${waybill})` : ''}`,
} as const
