// Tiny i18n: zh (default) and en labels, `t(key)` is reactive through `lang`.
// The choice is persisted in localStorage (guarded: works without a DOM too).

import { ref } from 'vue';

export type Lang = 'zh' | 'en';

const zh = {
  'app.name': 'ParcelWatch 包裹监控',
  'app.langToggle': 'English',
  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.networkError': '无法连接服务器，请稍后重试',
  'login.missingFields': '请输入用户名和密码',
  'login.unexpected': '登录失败',
  'live.logout': '退出登录',
  'live.waiting': '等待数据',
  'live.waitingHint': '正在获取最新的包裹指标…',
  'live.chartTitle': '近 60 分钟每分钟事件',
  'live.snapshotAt': '数据时间',
  'conn.open': '在线',
  'conn.connecting': '连接中',
  'conn.closed': '离线',
  'conn.staleSince': '数据停滞于',
  'kpi.inFlight': '在途包裹',
  'kpi.collectedToday': '今日揽收',
  'kpi.deliveredToday': '今日签收',
  'kpi.exceptionsToday': '今日异常',
  'kpi.eventsPerMinute': '每分钟事件',
  'series.total': '全部事件',
  'series.delivered': '签收',
  'series.exceptions': '异常',
  'role.admin': '管理员',
  'role.manager': '经理',
  'role.control_room': '监控中心',
  'role.on_call': '值班',
  'role.cs_operator': '客服',
  'role.finance': '财务',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'app.name': 'ParcelWatch 包裹监控',
  'app.langToggle': '中文',
  'login.title': 'Sign in',
  'login.username': 'User name',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.networkError': 'Cannot reach the server, please try again',
  'login.missingFields': 'Enter your user name and password',
  'login.unexpected': 'Sign-in failed',
  'live.logout': 'Log out',
  'live.waiting': 'Waiting for data',
  'live.waitingHint': 'Fetching the latest parcel metrics…',
  'live.chartTitle': 'Events per minute, last 60 minutes',
  'live.snapshotAt': 'Data as of',
  'conn.open': 'Live',
  'conn.connecting': 'Connecting',
  'conn.closed': 'Offline',
  'conn.staleSince': 'stale since',
  'kpi.inFlight': 'Parcels in flight',
  'kpi.collectedToday': 'Collected today',
  'kpi.deliveredToday': 'Delivered today',
  'kpi.exceptionsToday': 'Exceptions today',
  'kpi.eventsPerMinute': 'Events per minute',
  'series.total': 'All events',
  'series.delivered': 'Delivered',
  'series.exceptions': 'Exceptions',
  'role.admin': 'Admin',
  'role.manager': 'Manager',
  'role.control_room': 'Control room',
  'role.on_call': 'On call',
  'role.cs_operator': 'Customer service',
  'role.finance': 'Finance',
};

const messages: Record<Lang, Record<MessageKey, string>> = { zh, en };

const STORAGE_KEY = 'parcelwatch.lang';

function readStoredLang(): Lang {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

function applyDocumentLang(value: Lang): void {
  if (typeof document !== 'undefined') {
    document.documentElement.lang = value === 'zh' ? 'zh-CN' : 'en';
  }
}

/** Current language (reactive). Change it through `setLang`. */
export const lang = ref<Lang>(readStoredLang());
applyDocumentLang(lang.value);

export function setLang(value: Lang): void {
  lang.value = value;
  applyDocumentLang(value);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, value);
  } catch {
    // Storage may be unavailable (private mode, quota); the choice just isn't persisted.
  }
}

export function toggleLang(): void {
  setLang(lang.value === 'zh' ? 'en' : 'zh');
}

export function t(key: MessageKey): string {
  return messages[lang.value][key];
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zh, key);
}

/** Localised role name; unknown roles are shown as sent by the server. */
export function roleLabel(role: string): string {
  const key = `role.${role}`;
  return isMessageKey(key) ? t(key) : role;
}
