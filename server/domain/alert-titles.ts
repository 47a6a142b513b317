/**
 * Alert titles as stored with each alert: a message key and its parameters
 * (alerts.title_key, alerts.title_params), never a sentence. The texts, in
 * Chinese and English, are the `alert.title.*` keys of the web's catalogs
 * (web/src/locales/zh.ts, en.ts), which the server (webhooks) and the web
 * (console, wall ticker, handover, hand-offs) both render through
 * web/src/features/alerts/messages.ts. Adding a title: its parameters there, both texts
 * in the catalogs (the unit test renders every key), and a builder here.
 */
import type { AlertMessage } from '../../web/src/features/alerts/messages.ts'

export {
  ALERT_LANGS,
  alertTitleFields,
  alertTitleIn,
  type AlertLang,
  type AlertMessage,
  type AlertText,
  type AlertTitleFields,
} from '../../web/src/features/alerts/messages.ts'

export const alertTitles = {
  parcelLate: (hub: string, count: number): AlertMessage => ({ key: 'parcel_late', params: { hub, count } }),
  parcelStalled: (hub: string, count: number): AlertMessage => ({ key: 'parcel_stalled', params: { hub, count } }),
  parcelAtRisk: (hub: string, count: number): AlertMessage => ({ key: 'parcel_at_risk', params: { hub, count } }),
  parcelSuspectedLost: (hub: string, count: number, hours: number): AlertMessage => ({
    key: 'parcel_suspected_lost',
    params: { hub, count, hours },
  }),
  hubSilent: (hub: string, before: readonly number[]): AlertMessage => ({
    key: 'hub_silent',
    params: { hub, before: [...before] },
  }),
  hubVolumeLow: (hub: string, observed: number, expected: number | null): AlertMessage => ({
    key: 'hub_volume_low',
    params: { hub, observed, expected },
  }),
  hubVolumeHigh: (hub: string, observed: number, expected: number | null): AlertMessage => ({
    key: 'hub_volume_high',
    params: { hub, observed, expected },
  }),
  hubExceptionSpike: (hub: string, recentRate: number, baselineRate: number): AlertMessage => ({
    key: 'hub_exception_spike',
    params: { hub, recentRate, baselineRate },
  }),
  hubQuiet: (hub: string, minutes: number, expected: number): AlertMessage => ({
    key: 'hub_quiet',
    params: { hub, minutes, expected },
  }),
  feedNoData: (minutes: number, expected: number): AlertMessage => ({
    key: 'feed_no_data',
    params: { minutes, expected },
  }),
  feedCentresSilent: (hubs: number, of: number): AlertMessage => ({ key: 'feed_centres_silent', params: { hubs, of } }),
  feedLagging: (minutes: number): AlertMessage => ({ key: 'feed_lagging', params: { minutes } }),
  hubExceptionBurst: (
    hub: string,
    exceptions: number,
    minutes: number,
    recentRate: number,
    baselineRate: number,
  ): AlertMessage => ({ key: 'hub_exception_burst', params: { hub, exceptions, minutes, recentRate, baselineRate } }),
  hubCollectionSurge: (hub: string, observed: number, expected: number): AlertMessage => ({
    key: 'hub_collection_surge',
    params: { hub, observed, expected },
  }),
  networkCollectionSurge: (hubs: number, of: number): AlertMessage => ({
    key: 'network_collection_surge',
    params: { hubs, of },
  }),
  laneOverdue: (from: string, to: string, count: number, usualHours: number): AlertMessage => ({
    key: 'lane_overdue',
    params: { from, to, count, usualHours },
  }),
  laneLost: (from: string, to: string, count: number, departedFrom: string, departedTo: string): AlertMessage => ({
    key: 'lane_lost',
    params: { from, to, count, departedFrom, departedTo },
  }),
  hubBacklog: (hub: string, ratio: number, departures: number): AlertMessage => ({
    key: 'hub_backlog',
    params: { hub, ratio, departures },
  }),
  networkBacklog: (hubs: number, of: number): AlertMessage => ({ key: 'network_backlog', params: { hubs, of } }),
  courierAbsent: (courier: string, code: string): AlertMessage => ({
    key: 'courier_absent',
    params: { courier, code },
  }),
  courierLateStart: (courier: string, code: string, minutes: number): AlertMessage => ({
    key: 'courier_late_start',
    params: { courier, code, minutes },
  }),
  courierEarlyStop: (courier: string, code: string, minutes: number): AlertMessage => ({
    key: 'courier_early_stop',
    params: { courier, code, minutes },
  }),
  complaintOverdue: (id: number, category: string, limitHours: number, waybill: string | null): AlertMessage => ({
    key: 'complaint_overdue',
    params: { id, category, limitHours, waybill },
  }),
} as const
