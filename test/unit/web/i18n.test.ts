import { afterEach, describe, expect, it } from 'vitest';
import { i18n, isMessageKey, lang, LOCALE, setLang, t } from '../../../web/src/i18n';
import { en } from '../../../web/src/locales/en';
import { zh } from '../../../web/src/locales/zh';
import { sl } from '../../../web/src/sla/labels';
import { tx, txOr } from '../../../web/src/money/labels';

// The unit tier does not isolate files: leave the language as the others expect it.
afterEach(() => setLang('zh'));

/** `{name}` parameters of a message, sorted. */
const paramsOf = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
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
