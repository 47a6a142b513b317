// Labels of the complaints, claims and finance pages: the `money.*` keys of the app's
// catalogs (../locales), following the app's language. `tx('c.title')` is t('money.c.title').

import { isMessageKey, t, type KeysUnder, type MessageParams } from '../i18n';

export type MoneyKey = KeysUnder<'money.'>;

export function tx(key: MoneyKey, params?: MessageParams, plural?: number): string {
  return t(`money.${key}`, params, plural);
}

/** Label of a dynamic key (state, channel…), or the raw value when there is none. */
export function txOr(key: string, fallback: string): string {
  const full = `money.${key}`;
  return isMessageKey(full) ? t(full) : fallback;
}
