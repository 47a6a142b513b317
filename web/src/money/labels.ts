// Labels of the complaints, claims and finance pages: the `money.*` keys of the app's
// catalogs (../locales), following the app's language. `tx('c.title')` is t('money.c.title').

import { isMessageKey, t, tc, type KeysUnder, type MessageParams } from '../i18n';

export type MoneyKey = KeysUnder<'money.'>;

export function tx(key: MoneyKey, params?: MessageParams, plural?: number): string {
  return t(`money.${key}`, params, plural);
}

/** A count with its noun (plural form, `{n}` formatted): txc('f.parcelCount', 3) is "3 parcels". */
export function txc(key: MoneyKey, count: number, params?: MessageParams): string {
  return tc(`money.${key}`, count, params);
}

/** Label of a dynamic key (state, channel…), or the raw value when there is none. */
export function txOr(key: string, fallback: string): string {
  const full = `money.${key}`;
  return isMessageKey(full) ? t(full) : fallback;
}
