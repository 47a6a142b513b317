// Alert titles as message keys with parameters, rendered in Chinese or English.
//
// One set of alert texts: the server stores an alert's title as a key and its
// parameters (alerts.title_key, alerts.title_params) and renders it here for webhooks
// (each endpoint has a `lang`); the console, the wall ticker, the handover and the
// hand-offs render it here in the reader's language. Nothing stores an English sentence
// to translate back. A title a person wrote (an incident), or one stored before keys
// existed (sql/048), has no key and is shown as written.
//
// The server (server/domain/alert-titles.ts) and the web both compile it: it imports
// only the catalogs (plain data) and @intlify/core-base. test/unit/web/alert-messages.test.ts
// renders every key in both languages.

import { compile, createCoreContext, registerMessageCompiler, translate } from '@intlify/core-base';
import { en } from '../../locales/en.ts';
import { zh, type MessageKey } from '../../locales/zh.ts';

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
  /** Departure times as the control room reads them, Beijing time ('03:01'). */
  lane_lost: { from: string; to: string; count: number; departedFrom: string; departedTo: string };
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

// The texts are the `alert.title.*` keys of the app's catalogs (../locales/zh.ts, en.ts),
// in vue-i18n's message syntax, rendered with vue-i18n's core (no Vue): the same engine
// and catalogs as every other text of the web, and the server's webhooks render the same.
registerMessageCompiler(compile);

const LOCALES: Record<AlertLang, string> = { zh: 'zh-CN', en: 'en-GB' };
const core = createCoreContext({
  locale: LOCALES.zh,
  fallbackLocale: LOCALES.zh,
  messages: { [LOCALES.zh]: zh, [LOCALES.en]: en },
  missingWarn: false,
  fallbackWarn: false,
  warnHtmlMessage: false,
});

function text(lang: AlertLang, key: MessageKey, named: Record<string, unknown>, plural?: number): string {
  const options = plural === undefined ? { locale: LOCALES[lang] } : { locale: LOCALES[lang], plural };
  return translate(core, key, named, options) as string;
}

const PREFIX = 'alert.title.';
export const ALERT_MESSAGE_KEYS = Object.keys(zh)
  .filter((k) => k.startsWith(PREFIX))
  .map((k) => k.slice(PREFIX.length)) as AlertMessageKey[];

export function isAlertMessageKey(key: unknown): key is AlertMessageKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(zh, `${PREFIX}${key}`);
}

const isMessageKey = (key: string): key is MessageKey => Object.prototype.hasOwnProperty.call(zh, key);

const pct = (share: number): string => (share * 100).toFixed(1);
const orDash = (n: number | null): string => (n === null || !Number.isFinite(n) ? '—' : String(n));

/** The parameters as the texts show them: rates as percentages, one decimal, a dash for none, lists joined. */
function named(lang: AlertLang, m: AlertMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { ...m.params };
  const p = m.params as Partial<Record<string, unknown>>;
  for (const k of ['recentRate', 'baselineRate'] as const) if (typeof p[k] === 'number') out[k] = pct(p[k]);
  for (const k of ['usualHours', 'ratio'] as const) if (typeof p[k] === 'number') out[k] = p[k].toFixed(1);
  if ('expected' in p) out.expected = orDash(p.expected as number | null);
  if (m.key === 'hub_silent') out.before = m.params.before.join(lang === 'zh' ? '、' : ', ');
  if (m.key === 'complaint_overdue') {
    const category = `alert.category.${m.params.category}`;
    out.category = isMessageKey(category) ? text(lang, category, {}) : m.params.category;
    out.parcel = m.params.waybill ? text(lang, 'alert.parcelSuffix', { waybill: m.params.waybill }) : '';
  }
  return out;
}

/** A message in one language; a count of parcels chooses the English plural form. */
export function renderAlertMessage(lang: AlertLang, m: AlertMessage): string {
  const count = (m.params as { count?: unknown }).count;
  return text(lang, `${PREFIX}${m.key}`, named(lang, m), typeof count === 'number' ? count : undefined);
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
