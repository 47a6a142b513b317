// Number and date formats per locale, for vue-i18n's n() and d() (format.ts, money/period.ts
// and the pages call them through i18n.ts). Dates and times are Beijing time whatever the
// viewer's machine says (see ../shanghai.ts); Intl does the time-zone arithmetic here.

const TZ = 'Asia/Shanghai';

const numbers = {
  /** "1,234,567": KPI counts. */
  integer: { maximumFractionDigits: 0 },
  /** "1,234.5": one decimal at most. */
  decimal: { maximumFractionDigits: 1 },
  /** Share 0.123 → "12.3%". */
  percent: { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 },
  /** Yuan 1234.5 → "¥1,234.50" (the narrow symbol in both languages: "CN¥" reads oddly on a Chinese network). */
  currency: { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' },
} as const;

const dates = {
  /** "17:05" */
  clock: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ },
  /** zh "2026/12/5 17:05", en "05/12/2026, 17:05" */
  short: { dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23', timeZone: TZ },
  /** zh "2026年12月5日", en "5 December 2026" */
  day: { dateStyle: 'long', timeZone: TZ },
} as const;

// zh-CN and en-GB group digits alike ("1,234"); the locale still decides the symbols, the
// order of the parts and the dates.
export const numberFormats = { 'zh-CN': numbers, 'en-GB': numbers };
export const datetimeFormats = { 'zh-CN': dates, 'en-GB': dates };
