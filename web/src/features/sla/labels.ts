// Labels of the SLA page: the `sla.*` keys of the app's catalogs (../locales), following
// the app's language. `sl('title')` is t('sla.title').

import { isMessageKey, t, tc, type KeysUnder, type MessageParams } from '../../i18n';

export type SlaLabel = KeysUnder<'sla.'>;

export function sl(key: SlaLabel, params?: MessageParams, plural?: number): string {
  return t(`sla.${key}`, params, plural);
}

/** A count with its noun (plural form, `{n}` formatted in the reader's locale). */
export function slc(key: SlaLabel, count: number, params?: MessageParams): string {
  return tc(`sla.${key}`, count, params);
}

/** A label whose key is built from data (tier, cause); unknown values are shown as sent. */
export function slDyn(prefix: 'tier' | 'cause' | 'kind' | 'day', value: string): string {
  const full = `sla.${prefix}.${value}`;
  return isMessageKey(full) ? t(full) : value;
}

export const outcomeLabel = (o: string): string =>
  o === 'on_time' ? sl('onTime') : o === 'late' ? sl('late') : o === 'excused' ? sl('excused') : o;
