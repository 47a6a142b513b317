// Alert titles as message keys with parameters, and their Chinese and English texts.
//
// The one catalog of alert texts: the server stores an alert's title as a key and its
// parameters (alerts.title_key, alerts.title_params) and renders it here for webhooks
// (each endpoint has a `lang`); the console, the wall ticker, the handover and the
// hand-offs render it here in the reader's language. Nothing stores an English sentence
// to translate back. A title a person wrote (an incident), or one stored before keys
// existed (sql/048), has no key and is shown as written.
//
// Pure module with no imports: the server (server/domain/alert-titles.ts) and the web
// both compile it. test/unit/web/alert-messages.test.ts renders every key in both
// languages.

export type AlertLang = 'zh' | 'en';
export const ALERT_LANGS: readonly AlertLang[] = ['zh', 'en'];

/** Each key's parameters. Hub and courier names are given as stored (their own names). */
export interface AlertMessageParams {
  parcel_late: { hub: string; count: number };
  parcel_stalled: { hub: string; count: number };
  parcel_at_risk: { hub: string; count: number };
  parcel_suspected_lost: { hub: string; count: number; hours: number };
  hub_silent: { hub: string; before: number[] };
  hub_volume_low: { hub: string; observed: number; expected: number | null };
  hub_volume_high: { hub: string; observed: number; expected: number | null };
  /** Rates as shares (0.123 = 12.3 %). */
  hub_exception_spike: { hub: string; recentRate: number; baselineRate: number };
  hub_quiet: { hub: string; minutes: number; expected: number };
  feed_no_data: { minutes: number; expected: number };
  feed_centres_silent: { hubs: number; of: number };
  feed_lagging: { minutes: number };
  hub_exception_burst: { hub: string; exceptions: number; minutes: number; recentRate: number; baselineRate: number };
  hub_collection_surge: { hub: string; observed: number; expected: number };
  network_collection_surge: { hubs: number; of: number };
  lane_overdue: { from: string; to: string; count: number; usualHours: number };
  hub_backlog: { hub: string; ratio: number; departures: number };
  network_backlog: { hubs: number; of: number };
  courier_absent: { courier: string; code: string };
  courier_late_start: { courier: string; code: string; minutes: number };
  courier_early_stop: { courier: string; code: string; minutes: number };
  complaint_overdue: { id: number; category: string; limitHours: number; waybill: string | null };
}

export type AlertMessageKey = keyof AlertMessageParams;
/** A key with its parameters, as stored with an alert. */
export type AlertMessage = { [K in AlertMessageKey]: { key: K; params: AlertMessageParams[K] } }[AlertMessageKey];
/** An alert's title: a message, or words a person wrote (an incident's title, a title from before keys). */
export type AlertText = AlertMessage | string;

/** The three fields every alert carries on the wire (REST, live changes, handover), as in the table. */
export interface AlertTitleFields {
  title: string | null;
  titleKey: string | null;
  titleParams: Record<string, unknown> | null;
}

type Catalog = { [K in AlertMessageKey]: (p: AlertMessageParams[K]) => string };

const COMPLAINT_CATEGORY: Record<AlertLang, Record<string, string>> = {
  zh: { delay: '延误', attitude: '服务态度', damage: '破损', loss: '丢失', fee: '费用', other: '其他' },
  en: { delay: 'delay', attitude: 'attitude', damage: 'damage', loss: 'loss', fee: 'fee', other: 'other' },
};

const pct = (share: number): string => (share * 100).toFixed(1);
const orDash = (n: number | null): string => (n === null || !Number.isFinite(n) ? '—' : String(n));
/** "1 parcel", "12 parcels". */
const parcels = (n: number): string => `${n} ${n === 1 ? 'parcel' : 'parcels'}`;

const zh: Catalog = {
  parcel_late: (p) => `${p.hub}：${p.count} 件包裹已超过承诺时效`,
  parcel_stalled: (p) => `${p.hub}：${p.count} 件包裹超过停滞时限未扫描`,
  parcel_at_risk: (p) => `${p.hub}：${p.count} 件包裹预计无法按时送达`,
  parcel_suspected_lost: (p) => `${p.hub}：${p.count} 件包裹 ${p.hours} 小时无扫描，疑似丢失`,
  hub_silent: (p) => `${p.hub}：一小时内无任何扫描（此前各小时 ${p.before.join('、')} 次）`,
  hub_volume_low: (p) => `${p.hub}：最近一小时仅 ${p.observed} 次扫描，预期 ${orDash(p.expected)}`,
  hub_volume_high: (p) => `${p.hub}：最近一小时 ${p.observed} 次扫描，预期 ${orDash(p.expected)}（激增）`,
  hub_exception_spike: (p) => `${p.hub}：最近一小时异常率 ${pct(p.recentRate)}%，此前 ${pct(p.baselineRate)}%`,
  hub_quiet: (p) => `${p.hub}：已 ${p.minutes} 分钟无任何扫描（按常态应有 ${p.expected} 次）`,
  feed_no_data: (p) => `数据接入中断：已 ${p.minutes} 分钟未收到任何扫描（按常态应有 ${p.expected} 次）`,
  feed_centres_silent: (p) => `数据接入缺失：${p.of} 个分拨中心中 ${p.hubs} 个同时无扫描`,
  feed_lagging: (p) => `数据接入滞后：最新扫描已是 ${p.minutes} 分钟前`,
  hub_exception_burst: (p) => `${p.hub}：最近 ${p.minutes} 分钟 ${p.exceptions} 次异常，占扫描 ${pct(p.recentRate)}%，平常 ${pct(p.baselineRate)}%`,
  hub_collection_surge: (p) => `${p.hub}：最近一小时 ${p.observed} 次扫描，此时段通常 ${p.expected} 次（揽收激增）`,
  network_collection_surge: (p) => `全网揽收激增：${p.of} 个网点中 ${p.hubs} 个`,
  lane_overdue: (p) => `干线 ${p.from} → ${p.to}：${p.count} 件包裹超时未到（平常 ${p.usualHours.toFixed(1)} 小时）`,
  hub_backlog: (p) => `${p.hub}：包裹滞留时间为平常的 ${p.ratio.toFixed(1)} 倍（最近一小时发出 ${p.departures} 件）`,
  network_backlog: (p) => `全网滞留：${p.of} 个分拨中心中 ${p.hubs} 个包裹滞留超常`,
  courier_absent: (p) => `${p.courier}（${p.code}）今日尚无扫描`,
  courier_late_start: (p) => `${p.courier}（${p.code}）晚 ${p.minutes} 分钟开始扫描`,
  courier_early_stop: (p) => `${p.courier}（${p.code}）提前 ${p.minutes} 分钟停止扫描`,
  complaint_overdue: (p) =>
    `投诉 #${p.id}（${COMPLAINT_CATEGORY.zh[p.category] ?? p.category}）超过 ${p.limitHours} 小时时限未答复${p.waybill ? `（运单 ${p.waybill}）` : ''}`,
};

const en: Catalog = {
  parcel_late: (p) => `${parcels(p.count)} past ${p.count === 1 ? 'its' : 'their'} promised deadline at ${p.hub}`,
  parcel_stalled: (p) => `${parcels(p.count)} without a scan beyond the stall limit at ${p.hub}`,
  parcel_at_risk: (p) => `${parcels(p.count)} at ${p.hub} expected to miss ${p.count === 1 ? 'its' : 'their'} deadline`,
  parcel_suspected_lost: (p) => `${parcels(p.count)} without a scan for ${p.hours} h at ${p.hub}: suspected lost`,
  hub_silent: (p) => `${p.hub} has scanned nothing for an hour (${p.before.join(', ')} events in the hours before)`,
  hub_volume_low: (p) => `${p.hub}: ${p.observed} events in the last hour, ${orDash(p.expected)} expected`,
  hub_volume_high: (p) => `${p.hub}: ${p.observed} events in the last hour, ${orDash(p.expected)} expected (surge)`,
  hub_exception_spike: (p) => `${p.hub}: exception rate ${pct(p.recentRate)} % in the last hour against ${pct(p.baselineRate)} %`,
  hub_quiet: (p) => `${p.hub} has scanned nothing for ${p.minutes} min (${p.expected} scans expected)`,
  feed_no_data: (p) => `No data from the feed for ${p.minutes} min (${p.expected} scans expected)`,
  feed_centres_silent: (p) => `No scans from ${p.hubs} of ${p.of} centres at once: the feed is missing them`,
  feed_lagging: (p) => `The feed is behind: its newest scan is ${p.minutes} min old`,
  hub_exception_burst: (p) =>
    `${p.hub}: ${p.exceptions} exceptions in the last ${p.minutes} min, ${pct(p.recentRate)} % of scans against ${pct(p.baselineRate)} %`,
  hub_collection_surge: (p) => `${p.hub}: ${p.observed} scans in the last hour, ${p.expected} usual at this hour (surge)`,
  network_collection_surge: (p) => `Collections surge at ${p.hubs} of ${p.of} outlets`,
  lane_overdue: (p) => `${parcels(p.count)} overdue on the lane ${p.from} → ${p.to} (usual leg ${p.usualHours.toFixed(1)} h)`,
  hub_backlog: (p) => `${p.hub}: parcels dwell ${p.ratio.toFixed(1)}× their usual time (${p.departures} departures in the last hour)`,
  network_backlog: (p) => `Parcels dwell longer than usual at ${p.hubs} of ${p.of} centres`,
  courier_absent: (p) => `${p.courier} (${p.code}) has not scanned anything today`,
  courier_late_start: (p) => `${p.courier} (${p.code}) started ${p.minutes} min late`,
  courier_early_stop: (p) => `${p.courier} (${p.code}) stopped ${p.minutes} min early`,
  complaint_overdue: (p) =>
    `Complaint #${p.id} (${COMPLAINT_CATEGORY.en[p.category] ?? p.category}) unanswered past its ${p.limitHours} h limit${p.waybill ? ` (parcel ${p.waybill})` : ''}`,
};

export const ALERT_MESSAGES: Readonly<Record<AlertLang, Catalog>> = { zh, en };
export const ALERT_MESSAGE_KEYS = Object.keys(zh) as AlertMessageKey[];

export function isAlertMessageKey(key: unknown): key is AlertMessageKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(zh, key);
}

/** A message in one language. */
export function renderAlertMessage(lang: AlertLang, m: AlertMessage): string {
  return (ALERT_MESSAGES[lang][m.key] as (p: AlertMessageParams[typeof m.key]) => string)(m.params);
}

/** A title in one language: a message rendered, a person's words as written. */
export function renderAlertText(lang: AlertLang, text: AlertText): string {
  return typeof text === 'string' ? text : renderAlertMessage(lang, text);
}

/** The stored (or sent) form of a title: key and parameters, or the words themselves. */
export function alertTitleFields(text: AlertText): AlertTitleFields {
  return typeof text === 'string'
    ? { title: text, titleKey: null, titleParams: null }
    : { title: null, titleKey: text.key, titleParams: text.params as unknown as Record<string, unknown> };
}

/**
 * The title of an alert as received (REST, live change, handover row), in one
 * language. A key this build does not know (a newer server) or parameters that do
 * not fit shows the stored words if any, else the key: never an exception on screen.
 */
export function alertTitleIn(lang: AlertLang, a: Partial<AlertTitleFields>): string {
  if (isAlertMessageKey(a.titleKey) && a.titleParams && typeof a.titleParams === 'object') {
    try {
      return renderAlertMessage(lang, { key: a.titleKey, params: a.titleParams } as AlertMessage);
    } catch {
      // Parameters of another shape: fall through.
    }
  }
  return a.title ?? a.titleKey ?? '';
}

/** The title fields of a received object (REST row, live change, handover row); null when it carries no title at all. */
export function readAlertTitle(v: { readonly [field: string]: unknown }): AlertTitleFields | null {
  const title = typeof v.title === 'string' ? v.title : null;
  const titleKey = typeof v.titleKey === 'string' ? v.titleKey : null;
  const p = v.titleParams;
  const titleParams = typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : null;
  return title === null && titleKey === null ? null : { title, titleKey, titleParams };
}

/** An empty title (nothing was sent): renders as ''. */
export const NO_TITLE: AlertTitleFields = { title: null, titleKey: null, titleParams: null };
