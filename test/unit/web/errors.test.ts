import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../web/src/api';
import { errorText, problemText } from '../../../web/src/errors';
import { setLang } from '../../../web/src/i18n';

// The unit tier does not isolate files: leave the language as the others expect it.
afterAll(() => setLang('zh'));
/**
 * What the server sends for a complaint whose description is too long or empty, as
 * parseBody builds it (test/unit/domain/route-kit.test.ts checks the server side of this shape).
 */
const TOO_LONG = {
  code: 'bad_request',
  message: 'Invalid request: description: Too big: expected string to have <=4000 characters',
  details: [
    {
      field: 'description',
      message: 'Too big: expected string to have <=4000 characters',
      issue: 'too_big',
      origin: 'string',
      limit: 4000,
    },
  ],
};
const EMPTY = {
  code: 'bad_request',
  message: 'Invalid request: description: describe the complaint',
  details: [
    { field: 'description', message: 'describe the complaint', issue: 'too_small', origin: 'string', limit: 1 },
  ],
};
const EMPTY_AND_EXTRA = {
  code: 'bad_request',
  message: 'Invalid request: extra: Unrecognized key: "extra"; description: describe the complaint',
  details: [{ field: 'extra', message: 'Unrecognized key: "extra"', issue: 'unrecognized_keys' }, EMPTY.details[0]],
};

describe("server error codes in the reader's language", () => {
  it('renders the known codes in Chinese and in English', () => {
    const cases: Array<[string, string, RegExp, RegExp]> = [
      ['invalid_credentials', 'Wrong user name or password', /用户名或密码错误/, /Wrong user name or password/],
      [
        'claim_exists',
        'Parcel PW1 already has a claim that is not rejected',
        /已有未被驳回的理赔/,
        /already has a claim/,
      ],
      ['shipment_not_found', 'No shipment with waybill PW1', /没有此运单号的包裹/, /No parcel with this waybill/],
      ['forbidden', 'Your role may not do this', /无权/, /Your role may not/],
    ];
    for (const [code, server, zh, en] of cases) {
      expect(errorText(code, server, undefined, 'zh'), code).toMatch(zh);
      expect(errorText(code, server, undefined, 'zh'), code).not.toMatch(/[A-Za-z]{4,}/);
      expect(errorText(code, server, undefined, 'en'), code).toMatch(en);
    }
  });

  it('says how long to wait after too many attempts', () => {
    const msg =
      'Too many failed sign-ins for this user name; try again in 15 minute(s) or ask an administrator to unlock it';
    expect(errorText('too_many_attempts', msg, undefined, 'zh')).toBe('尝试次数过多，请 15 分钟后再试');
    expect(errorText('too_many_attempts', msg, undefined, 'en')).toMatch(/in 15 minute/);
  });

  it('names the field at fault and its limit for an over-long complaint description', () => {
    const e = TOO_LONG;
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/description/); // the server's own message names it too
    expect(errorText(e.code, e.message, e.details, 'zh')).toBe('请求无效：描述 最多 4000 个字');
    expect(errorText(e.code, e.message, e.details, 'en')).toBe('Invalid request: description: at most 4000 characters');
  });

  it('says an empty required text is required, with the field', () => {
    const e = EMPTY;
    expect(errorText(e.code, e.message, e.details, 'zh')).toBe('请求无效：描述不能为空');
    expect(errorText(e.code, e.message, e.details, 'en')).toBe('Invalid request: description: required');
  });

  it('names every field at fault, unknown ones as sent', () => {
    const e = EMPTY_AND_EXTRA;
    const zh = errorText(e.code, e.message, e.details, 'zh');
    expect(zh).toMatch(/描述/);
    expect(zh).toMatch(/extra/);
  });

  it('falls back to the server message for a code it does not know, or a bare 400', () => {
    expect(errorText('gremlins', 'The gremlins are out', undefined, 'zh')).toBe('The gremlins are out');
    expect(errorText('bad_request', 'Give a waybill number', undefined, 'zh')).toBe('Give a waybill number');
    expect(errorText('not_found', 'No claim 7', undefined, 'zh')).toBe('No claim 7');
  });

  it('renders an unknown waybill field problem without the generic prefix', () => {
    expect(
      errorText('unknown_waybill', 'No parcel PW9', [{ field: 'waybill', message: 'unknown waybill' }], 'zh'),
    ).toBe('运单号不存在');
    expect(problemText({ field: 'waybill', message: 'unknown waybill' }, 'en')).toBe('waybill: unknown waybill');
  });

  it("ApiError carries the reader's message, the server's, and the fields at fault", () => {
    setLang('zh');
    const e = TOO_LONG;
    const err = new ApiError(400, e.code, e.message, e.details);
    expect(err.message).toBe('请求无效：描述 最多 4000 个字');
    expect(err.serverMessage).toBe(e.message);
    expect(err.fields).toEqual(['description']);
    setLang('en');
    expect(new ApiError(401, 'invalid_credentials', 'Wrong user name or password').message).toBe(
      'Wrong user name or password',
    );
  });
});
