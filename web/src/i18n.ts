// The web's i18n: vue-i18n (composition mode) with the zh (default) and en catalogs of
// ./locales, numbers and dates per locale. `t(key, params)` is typed by the zh catalog and
// reactive through `lang`; the choice is persisted in localStorage (guarded: works without
// a DOM too). See docs/i18n.md.

import { computed, type WritableComputedRef } from 'vue';
import { createI18n } from 'vue-i18n';
import { en } from './locales/en';
import { datetimeFormats, numberFormats } from './locales/formats';
import { zh, type MessageKey } from './locales/zh';

export type { MessageKey };
export type Lang = 'zh' | 'en';

/** vue-i18n's locale (and the Intl locale behind numbers and dates) of each language. */
export const LOCALE = { zh: 'zh-CN', en: 'en-GB' } as const satisfies Record<Lang, string>;
type Locale = (typeof LOCALE)[Lang];

/** The keys under a prefix, without it: KeysUnder<'sla.'> is 'title' | 'from' | … */
type Strip<K, P extends string> = K extends `${P}${infer R}` ? R : never;
export type KeysUnder<P extends string> = Strip<MessageKey, P>;

/** Parameters of a message: `{name}` in the text. */
export type MessageParams = Record<string, unknown>;

const STORAGE_KEY = 'parcelwatch.lang';

/** `?lang=en` or `?lang=zh` in the address (a link to a screen in a given language, a wall set up once); else null. */
function langFromAddress(): Lang | null {
  try {
    const asked = new URLSearchParams(globalThis.location?.search ?? '').get('lang');
    return asked === 'en' || asked === 'zh' ? asked : null;
  } catch {
    return null;
  }
}

/** The reader's own choice (the toggle), kept in localStorage; zh when none. */
export function readStoredLang(): Lang {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

function applyDocumentLang(value: Lang): void {
  if (typeof document !== 'undefined') {
    document.documentElement.lang = value === 'zh' ? 'zh-CN' : 'en';
  }
}

// A language asked for in the address (a link to an English console) applies to this
// visit and leaves the stored choice alone, as the wall's ?lang does.
const initial: Lang = langFromAddress() ?? readStoredLang();

/** The vue-i18n instance (installed in main.ts with app.use; `useI18n()` works in components). */
export const i18n = createI18n({
  legacy: false,
  locale: LOCALE[initial] as Locale,
  fallbackLocale: LOCALE.zh as Locale,
  messages: { [LOCALE.zh]: zh, [LOCALE.en]: en },
  numberFormats,
  datetimeFormats,
  // "< 95 %" is text, not HTML; every key exists in both catalogs (TypeScript checks it).
  warnHtmlMessage: false,
  missingWarn: false,
  fallbackWarn: false,
});

/** Current language (reactive), vue-i18n's locale seen as zh/en. Change it through `setLang`. */
export const lang: WritableComputedRef<Lang> = computed({
  get: () => (i18n.global.locale.value === LOCALE.en ? 'en' : 'zh'),
  set: (value: Lang) => {
    i18n.global.locale.value = LOCALE[value];
  },
});
applyDocumentLang(lang.value);

export function setLang(value: Lang): void {
  lang.value = value;
  applyDocumentLang(value);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, value);
  } catch {
    // Storage may be unavailable (private mode, quota); the choice just isn't persisted.
  }
}

export function toggleLang(): void {
  setLang(lang.value === 'zh' ? 'en' : 'zh');
}

type NumberFormatName = keyof (typeof numberFormats)['zh-CN'];
type DateFormatName = keyof (typeof datetimeFormats)['zh-CN'];

/** A number in the current language's locale, in one of the formats of locales/formats.ts. */
export function n(value: number, format: NumberFormatName): string {
  return i18n.global.n(value, format);
}

/** An instant (epoch ms, ISO text or Date) in Beijing time, in one of the formats of locales/formats.ts. */
export function d(value: number | string | Date, format: DateFormatName): string {
  return i18n.global.d(typeof value === 'string' ? Date.parse(value) : value, format);
}

/**
 * A message in the current language, `{name}` parameters filled in. With `plural`, the
 * form for that count ("1 result | {n} results"); `{n}` and `{count}` are then the count.
 */
export function t(key: MessageKey, params?: MessageParams, plural?: number): string {
  if (plural === undefined) return i18n.global.t(key, params ?? {});
  return i18n.global.t(key, plural, { named: params ?? {} });
}

/** A message in a given language, whatever the current one (errors.ts renders for tests and toasts). */
export function tIn(l: Lang, key: MessageKey, params?: MessageParams, plural?: number): string {
  const locale = LOCALE[l];
  if (plural === undefined) return i18n.global.t(key, params ?? {}, { locale });
  return i18n.global.t(key, plural, { named: params ?? {}, locale });
}

/**
 * A count with its noun in the current language: the plural form for `count`, with `{n}`
 * the count formatted in the reader's locale ("1 result", "1,204 results", "3 条结果").
 */
export function tc(key: MessageKey, count: number, params?: MessageParams): string {
  return t(key, { ...params, n: n(count, 'integer') }, count);
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zh, key);
}

/** Localised role name; unknown roles are shown as sent by the server. */
export function roleLabel(role: string): string {
  const key = `role.${role}`;
  return isMessageKey(key) ? t(key) : role;
}
