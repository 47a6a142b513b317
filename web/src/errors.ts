// Server errors in the reader's language. The server answers `{ error: { code, message,
// details? } }` (server/lib/errors.ts); a known code is rendered here in Chinese or
// English, a 400's details name the fields at fault (with their limit when there is
// one), and an unknown code falls back to the server's own message. Pure apart from
// reading the current language: unit-tested in node.

import { lang, type Lang } from './i18n';

/** A field at fault, as the server sends it in a 400's details. */
export interface FieldProblem {
  field: string;
  message: string;
  issue?: string;
  /** What a too_big / too_small bounds: string, array, number… */
  origin?: string;
  limit?: number;
}

type Table = Record<string, string>;

const CODES: Record<Lang, Table> = {
  zh: {
    invalid_credentials: '用户名或密码错误',
    too_many_attempts: '尝试次数过多，请稍后再试',
    too_many_attempts_in: '尝试次数过多，请 {n} 分钟后再试',
    unauthenticated: '请先登录',
    forbidden: '您的角色无权执行此操作',
    claim_exists: '该包裹已有未被驳回的理赔，不能重复申请',
    shipment_not_found: '没有此运单号的包裹',
    invalid_transition: '该告警的当前状态不允许此操作（可能已被他人处理），请刷新后查看',
    unknown_waybill: '运单号不存在',
    bad_request: '请求无效',
    malformed_json: '请求格式错误',
    body_too_large: '提交的内容过大',
    unavailable: '服务暂时不可用，请稍后重试',
    internal: '服务器出错，已记录，请稍后重试',
    network_error: '无法连接服务器，请稍后重试',
    invalid_response: '服务器返回了无法识别的数据',
    username_taken: '该用户名已被占用',
    unknown_hub: '没有这个网点',
    own_account: '不能对自己的账号这样操作',
    last_admin: '不能停用或降级最后一位管理员',
    weak_password: '新密码太弱：至少 10 个字符，且不能与用户名相同',
    wrong_password: '当前密码不正确',
  },
  en: {
    invalid_credentials: 'Wrong user name or password',
    too_many_attempts: 'Too many attempts; try again later',
    too_many_attempts_in: 'Too many attempts; try again in {n} minute(s)',
    unauthenticated: 'Please sign in first',
    forbidden: 'Your role may not do this',
    claim_exists: 'This parcel already has a claim that is not rejected',
    shipment_not_found: 'No parcel with this waybill',
    invalid_transition: 'The alert is no longer in a state that allows this (someone may have handled it); reload to see',
    unknown_waybill: 'Unknown waybill',
    bad_request: 'Invalid request',
    malformed_json: 'The request is malformed',
    body_too_large: 'What was sent is too large',
    unavailable: 'The service is unavailable for a moment; try again',
    internal: 'Something went wrong on our side; it has been logged',
    network_error: 'Cannot reach the server, please try again',
    invalid_response: 'Unexpected answer from the server',
    username_taken: 'That user name is taken',
    unknown_hub: 'No such hub',
    own_account: 'You cannot do this to your own account',
    last_admin: 'The last admin cannot be disabled or given another role',
    weak_password: 'New password too weak: at least 10 characters, not the user name',
    wrong_password: 'The current password is wrong',
  },
};

const FIELDS: Record<Lang, Table> = {
  zh: {
    description: '描述', waybill: '运单号', waybills: '包裹', note: '备注', comment: '说明', category: '类别', channel: '渠道',
    title: '标题', paymentRef: '付款凭证号', damagePercent: '损坏比例', username: '用户名', password: '密码',
    satisfaction: '满意度', score: '评分', reason: '原因', amount: '金额', limitHours: '时限（小时）', from: '开始', to: '结束',
    'customer.name': '客户姓名', 'customer.phone': '客户电话', 'customer.email': '客户邮箱', hub: '网点', q: '查询内容',
    startsAt: '开始时间', endsAt: '结束时间', displayName: '姓名', role: '角色',
  },
  en: {
    description: 'description', waybill: 'waybill', waybills: 'parcels', note: 'note', comment: 'comment', category: 'category',
    channel: 'channel', title: 'title', paymentRef: 'payment reference', damagePercent: 'damage share', username: 'user name',
    password: 'password', satisfaction: 'satisfaction', score: 'score', reason: 'reason', amount: 'amount', limitHours: 'limit (hours)',
    from: 'from', to: 'to', 'customer.name': 'customer name', 'customer.phone': 'customer phone', 'customer.email': 'customer e-mail',
    hub: 'hub', q: 'search', startsAt: 'start', endsAt: 'end', displayName: 'name', role: 'role',
  },
};

const RULES: Record<Lang, Table> = {
  zh: { too_long: '最多 {n} 个字', too_short: '至少 {n} 个字', required: '不能为空', too_many: '最多 {n} 项', too_big: '不能大于 {n}', too_small: '不能小于 {n}', invalid: '格式不正确', unknown: '不认识的字段', unknown_waybill: '不存在' },
  en: { too_long: 'at most {n} characters', too_short: 'at least {n} characters', required: 'required', too_many: 'at most {n} items', too_big: 'at most {n}', too_small: 'at least {n}', invalid: 'not valid', unknown: 'unknown field', unknown_waybill: 'unknown waybill' },
};

const fill = (s: string, n: number | undefined) => s.replace('{n}', String(n ?? ''));

/** The field's name as the reader knows it; an unknown field is shown as sent. */
export function fieldLabel(field: string, l: Lang = lang.value): string {
  return FIELDS[l][field] ?? field;
}

/** What is wrong with one field, in the reader's language. */
export function problemText(p: FieldProblem, l: Lang = lang.value): string {
  const r = RULES[l];
  // zod's own message for a string bound says "string" ("Too big: expected string to have <=4000 characters").
  const isText = p.origin === 'string' || (p.origin === undefined && /string|character/i.test(p.message));
  const isList = p.origin === 'array' || p.origin === 'set' || (p.origin === undefined && /array|items/i.test(p.message));
  let rule: string;
  if (p.message === 'unknown waybill') rule = r.unknown_waybill!;
  else if (p.issue === 'too_big') rule = fill(isText ? r.too_long! : isList ? r.too_many! : r.too_big!, p.limit);
  else if (p.issue === 'too_small') rule = isText && p.limit === 1 ? r.required! : fill(isText ? r.too_short! : r.too_small!, p.limit);
  else if (p.issue === 'invalid_type' && /undefined|required/i.test(p.message)) rule = r.required!;
  else if (p.issue === 'unrecognized_keys') rule = r.unknown!;
  else if (p.issue) rule = l === 'en' ? p.message : `${r.invalid!}（${p.message}）`;
  else rule = p.message;
  if (!p.field) return rule;
  return l === 'zh' ? `${fieldLabel(p.field, l)}${rule.startsWith('不') || rule.startsWith('格式') ? '' : ' '}${rule}` : `${fieldLabel(p.field, l)}: ${rule}`;
}

/** Fields at fault from an error's details (anything else yields none). */
export function fieldProblems(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is FieldProblem => typeof d === 'object' && d !== null && typeof (d as FieldProblem).field === 'string' && typeof (d as FieldProblem).message === 'string');
}

/**
 * The message a person reads for a server (or client) error: the known code in the
 * reader's language, followed by the fields at fault; an unknown code keeps the
 * server's message, as do the generic not_found / conflict whose English names the thing.
 */
export function errorText(code: string, serverMessage: string, details?: unknown, l: Lang = lang.value): string {
  const table = CODES[l];
  const fields = fieldProblems(details);
  if (code === 'too_many_attempts') {
    const m = /in (\d+) minute/.exec(serverMessage);
    return m ? fill(table.too_many_attempts_in!, Number(m[1])) : table.too_many_attempts!;
  }
  const known = table[code];
  if (fields.length > 0 && code === 'bad_request') {
    return `${table.bad_request}${l === 'zh' ? '：' : ': '}${fields.map((f) => problemText(f, l)).join(l === 'zh' ? '；' : '; ')}`;
  }
  if (known && code !== 'bad_request') return known;
  return serverMessage || known || code;
}
