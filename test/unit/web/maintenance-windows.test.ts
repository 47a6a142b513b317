import { afterEach, describe, expect, it } from 'vitest';
import { daysLabel, hoursLabel } from '../../../web/src/features/alerts/windows';
import { errorText, problemText } from '../../../web/src/errors';
import { lang, setLang } from '../../../web/src/i18n';

const before = lang.value;
afterEach(() => setLang(before));

describe('maintenance windows as the console reads them', () => {
  it('names the weekdays, runs of three or more as a range, in Chinese and English', () => {
    setLang('zh');
    expect(daysLabel([])).toBe('每天');
    expect(daysLabel([1, 2, 3, 4, 5, 6, 7])).toBe('每天');
    expect(daysLabel([3, 1])).toBe('周一、周三');
    expect(daysLabel([1, 2, 3, 4, 5])).toBe('周一至周五');
    expect(daysLabel([1, 2, 4, 5, 6, 7])).toBe('周一、周二、周四至周日');
    setLang('en');
    expect(daysLabel([])).toBe('Every day');
    expect(daysLabel([1, 3])).toBe('Mon, Wed');
    expect(daysLabel([1, 2, 3, 4, 5])).toBe('Mon–Fri');
  });

  it('marks a window that crosses midnight', () => {
    setLang('zh');
    expect(hoursLabel({ start: '02:00', end: '05:00' })).toBe('02:00–05:00');
    expect(hoursLabel({ start: '23:00', end: '04:00' })).toBe('23:00–次日 04:00');
    setLang('en');
    expect(hoursLabel({ start: '23:00', end: '04:00' })).toBe('23:00–next day 04:00');
  });

  it("says what is wrong with a field in the reader's language", () => {
    const bad = [
      { field: 'start', message: 'time of day HH:MM', issue: 'invalid_format' },
      { field: 'end', message: 'same as start', issue: 'custom' },
      { field: 'days.1', message: 'Too big: expected number to be <=7', issue: 'too_big', origin: 'number', limit: 7 },
      { field: 'hub', message: 'a window needs a hub, a rule or both', issue: 'custom' },
    ];
    expect(bad.map((p) => problemText(p, 'zh'))).toEqual([
      '开始时刻 应为 HH:MM 格式的时刻，如 02:00',
      '结束时刻不能与开始时刻相同',
      '星期不能大于 7',
      '网点不能与规则同时为空',
    ]);
    expect(bad.map((p) => problemText(p, 'en'))).toEqual([
      'from: a time of day HH:MM, e.g. 02:00',
      'to: must differ from the start',
      'weekdays: at most 7',
      'hub: choose a hub, a rule or both',
    ]);
    expect(errorText('bad_request', 'Invalid request', bad.slice(0, 1), 'en')).toBe(
      'Invalid request: from: a time of day HH:MM, e.g. 02:00',
    );
  });
});
