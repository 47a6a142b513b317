// Server errors in the reader's language. The server answers `{ error: { code, message,
// details? } }` (server/lib/errors.ts); a known code is rendered in Chinese or English
// from the `error.` keys of the catalogs (locales/), a 400's details name the fields at
// fault (with their limit when there is one), and an unknown code falls back to the
// server's own message. Unit-tested in node.

import { isMessageKey, lang, tIn, type Lang } from './i18n';

/** A field at fault, as the server sends it in a 400's details. */
export interface FieldProblem {
  field: string;
  message: string;
  issue?: string;
  /** What a too_big / too_small bounds: string, array, number… */
  origin?: string;
  limit?: number;
}

/** A message of the `error.` keys in language `l`; null when there is no such key. */
function text(l: Lang, key: string, count?: number): string | null {
  const full = `error.${key}`;
  if (!isMessageKey(full)) return null;
  return count === undefined ? tIn(l, full) : tIn(l, full, { n: String(count) }, count);
}

/** The field's name as the reader knows it; an unknown field is shown as sent, an item of a list (days.1) named after its list. */
export function fieldLabel(field: string, l: Lang = lang.value): string {
  return text(l, `field.${field}`) ?? text(l, `field.${field.replace(/\.\d+$/, '')}`) ?? field;
}

/** The server's own words for a field's problem (messages it sets in its zod schemas) → the rule's key. */
const SERVER_MESSAGES: Readonly<Record<string, string>> = {
  'time of day HH:MM': 'time_of_day',
  'same as start': 'same_as_start',
  'a window needs a hub, a rule or both': 'hub_or_rule',
};

/** What is wrong with one field, in the reader's language. */
export function problemText(p: FieldProblem, l: Lang = lang.value): string {
  const r = (rule: string, n?: number): string => text(l, `rule.${rule}`, n) ?? rule;
  // zod's own message for a string bound says "string" ("Too big: expected string to have <=4000 characters").
  const isText = p.origin === 'string' || (p.origin === undefined && /string|character/i.test(p.message));
  const isList =
    p.origin === 'array' || p.origin === 'set' || (p.origin === undefined && /array|items/i.test(p.message));
  let rule: string;
  const known = SERVER_MESSAGES[p.message];
  if (p.message === 'unknown waybill') rule = r('unknown_waybill');
  else if (known) rule = r(known);
  else if (p.issue === 'too_big') rule = r(isText ? 'too_long' : isList ? 'too_many' : 'too_big', p.limit);
  else if (p.issue === 'too_small')
    rule = isText && p.limit === 1 ? r('required') : r(isText ? 'too_short' : 'too_small', p.limit);
  else if (p.issue === 'invalid_type' && /undefined|required/i.test(p.message)) rule = r('required');
  else if (p.issue === 'unrecognized_keys') rule = r('unknown');
  else if (p.issue) rule = l === 'en' ? p.message : `${r('invalid')}（${p.message}）`;
  else rule = p.message;
  if (!p.field) return rule;
  return l === 'zh'
    ? `${fieldLabel(p.field, l)}${rule.startsWith('不') || rule.startsWith('格式') ? '' : ' '}${rule}`
    : `${fieldLabel(p.field, l)}: ${rule}`;
}

/** Fields at fault from an error's details (anything else yields none). */
export function fieldProblems(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldProblem =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as FieldProblem).field === 'string' &&
      typeof (d as FieldProblem).message === 'string',
  );
}

/**
 * The message a person reads for a server (or client) error: the known code in the
 * reader's language, followed by the fields at fault; an unknown code keeps the
 * server's message, as do the generic not_found / conflict whose English names the thing.
 */
export function errorText(code: string, serverMessage: string, details?: unknown, l: Lang = lang.value): string {
  const fields = fieldProblems(details);
  if (code === 'too_many_attempts') {
    const m = /in (\d+) minute/.exec(serverMessage);
    return (
      (m ? text(l, 'code.too_many_attempts_in', Number(m[1])) : text(l, 'code.too_many_attempts')) ?? serverMessage
    );
  }
  const known = text(l, `code.${code}`);
  if (fields.length > 0 && code === 'bad_request') {
    return `${known ?? code}${l === 'zh' ? '：' : ': '}${fields.map((f) => problemText(f, l)).join(l === 'zh' ? '；' : '; ')}`;
  }
  if (known && code !== 'bad_request') return known;
  return serverMessage || known || code;
}
