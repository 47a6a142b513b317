import { afterEach, describe, expect, it } from 'vitest';
import { formatNumber } from '../../../web/src/format';
import { d, i18n, isMessageKey, lang, LOCALE, n, setLang, t, tc } from '../../../web/src/i18n';
import { formatFen } from '../../../web/src/money/period';
import { en } from '../../../web/src/locales/en';
import { zh } from '../../../web/src/locales/zh';
import { sl } from '../../../web/src/features/sla/labels';
import { tx, txc, txOr } from '../../../web/src/money/labels';
import { slc } from '../../../web/src/features/sla/labels';

// The unit tier does not isolate files: leave the language as the others expect it.
afterEach(() => setLang('zh'));

/** `{name}` parameters of a message, sorted. */
const paramsOf = (s: string): string[] => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
/** Number of plural forms ("a | b" is 2). */
const formsOf = (s: string): number => s.split(' | ').length;

describe('the zh and en catalogs', () => {
  it('have the same keys (TypeScript checks it too: en is typed by zh)', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it('give every message the same parameters in both languages, and a text', () => {
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(paramsOf(en[key]), key).toEqual(paramsOf(zh[key]));
      expect(en[key].trim().length, key).toBeGreaterThan(0);
    }
  });

  it('give English at least the plural forms Chinese has', () => {
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(formsOf(en[key]), key).toBeGreaterThanOrEqual(formsOf(zh[key]));
    }
  });

  it('compile: every message renders in both languages without an error', () => {
    const errors: string[] = [];
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      for (const l of ['zh', 'en'] as const) {
        setLang(l);
        try {
          const out = t(key, { n: 3, m: 7, name: 'N', by: 'B', x: 'X', count: 3 }, 3);
          if (out === key) errors.push(`${l} ${key}: not found`);
        } catch (e) {
          errors.push(`${l} ${key}: ${(e as Error).message}`);
        }
      }
    }
    expect(errors).toEqual([]);
  });
});

describe('t', () => {
  it('follows the language, and setLang keeps vue-i18n and `lang` together', () => {
    setLang('en');
    expect(lang.value).toBe('en');
    expect(i18n.global.locale.value).toBe(LOCALE.en);
    expect(t('login.title')).toBe('Sign in');
    setLang('zh');
    expect(i18n.global.locale.value).toBe(LOCALE.zh);
    expect(t('login.title')).toBe('登录');
    // The wall sets lang.value for its visit.
    lang.value = 'en';
    expect(t('login.title')).toBe('Sign in');
  });

  it('fills named parameters', () => {
    setLang('en');
    expect(t('people.confirmReset', { name: 'Li Na' })).toBe("Reset Li Na's password? Their sessions all end.");
    expect(t('handover.holder.acknowledged', { by: 'wang' })).toBe('Acknowledged by wang');
    setLang('zh');
    expect(t('password.tooShort', { n: 10 })).toBe('新密码至少需要 10 个字符');
  });

  it('reads the money and SLA keys through tx and sl', () => {
    setLang('en');
    expect(tx('c.title')).toBe('Complaints');
    expect(txOr('st.closed', 'x')).toBe('Closed');
    expect(txOr('st.nonesuch', 'raw')).toBe('raw');
    expect(sl('topOf', { n: 5, m: 9 })).toBe('top 5 of 9');
    expect(isMessageKey('sla.title')).toBe(true);
    expect(isMessageKey('sla.nonesuch')).toBe(false);
  });
});

describe('plurals', () => {
  it('says "1 result" and "2 results", never "1 results"', () => {
    setLang('en');
    expect(tc('track.resultCount', 1)).toBe('1 result');
    expect(tc('track.resultCount', 2)).toBe('2 results');
    expect(tc('track.resultCount', 0)).toBe('0 results');
    expect(tc('alerts.count', 1)).toBe('1 alert');
    expect(tc('handoff.parcels', 1)).toBe('1 parcel');
    expect(txc('f.claimCount', 1)).toBe('1 claim');
    expect(txc('f.parcelCount', 5)).toBe('5 parcels');
    expect(slc('truncated', 1)).toBe('only the first late parcel was counted');
    expect(slc('truncated', 500)).toBe('only the first 500 late parcels were counted');
    setLang('zh');
    expect(tc('track.resultCount', 1)).toBe('1 条结果');
    expect(tc('track.resultCount', 2)).toBe('2 条结果');
  });

  it("formats the count in the reader's locale", () => {
    setLang('en');
    expect(tc('track.resultCount', 1204)).toBe('1,204 results');
    setLang('zh');
    expect(tc('handover.notListed', 12345)).toBe('另有 12,345 条未列出');
  });

  it('no English message shows a count with a noun that does not agree ("1 results")', () => {
    setLang('en');
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      if (!/\{n\}/.test(en[key]) || en[key].includes(' | ')) continue;
      // A single-form English message with {n} must not put a plural noun right after it.
      expect(t(key, { n: 1, m: 2, x: 'X' }), key).not.toMatch(
        /\b1 (results|alerts|parcels|claims|items|characters|minutes)\b/,
      );
    }
  });
});

describe('numbers and dates per locale', () => {
  it('formats numbers through the locale, not en-US always', () => {
    for (const l of ['zh', 'en'] as const) {
      setLang(l);
      const intl = LOCALE[l];
      expect(formatNumber(1234567)).toBe(new Intl.NumberFormat(intl).format(1234567));
      expect(n(0.123, 'percent')).toBe(
        new Intl.NumberFormat(intl, { style: 'percent', minimumFractionDigits: 1 }).format(0.123),
      );
    }
  });

  it('shows money as yuan with two decimals in both languages', () => {
    setLang('zh');
    expect(formatFen(123456)).toBe('¥1,234.56');
    expect(formatFen(-5)).toBe('-¥0.05');
    expect(formatFen(null)).toBe('—');
    setLang('en');
    expect(formatFen(123456)).toBe('¥1,234.56');
  });

  it('shows dates in Beijing time, laid out per language', () => {
    const at = Date.UTC(2026, 11, 5, 16, 5); // 00:05 on 6 December in Beijing
    setLang('zh');
    expect(d(at, 'clock')).toBe('00:05');
    expect(d(at, 'short')).toBe('2026/12/6 00:05');
    setLang('en');
    expect(d(at, 'short')).toBe('06/12/2026, 00:05');
    expect(d(new Date(at).toISOString(), 'clock')).toBe('00:05');
  });
});
