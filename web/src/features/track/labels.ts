// Labels and colours for the look-up page (pure; zh/en through i18n's `t`).

import { isMessageKey, t } from '../../i18n';
import type { Verdict } from './types';

function label(prefix: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

/** Parcel status (`in_transit` → 运输中 / In transit); unknown values are shown as sent. */
export const statusLabel = (status: string | null | undefined): string => label('track.status', status);
/** Scan event type (`arrived_hub` → 到达 / Arrived at hub). */
export const eventLabel = (type: string | null | undefined): string => label('track.event', type);
/** Exception reason (`refused` → 拒收 / Refused). */
export const reasonLabel = (reason: string | null | undefined): string => label('track.reason', reason);
/** Service tier (`express` → 特快 / Express). */
export const tierLabel = (tier: string | null | undefined): string => label('track.tier', tier);
/** Verdict (`at_risk` → 有延误风险 / At risk). */
export const verdictLabel = (verdict: string | null | undefined): string => label('track.verdict', verdict);
/** Payment state (`paid` → 已付 / Paid). */
export const paymentLabel = (state: string | null | undefined): string => label('track.payment', state);

export type Tone = 'good' | 'warn' | 'bad' | 'muted';

const VERDICT_TONES: Record<Verdict, Tone> = {
  on_time: 'good',
  on_track: 'good',
  at_risk: 'warn',
  late: 'bad',
  excused: 'muted',
};

/** on_time / on_track green, at_risk amber, late red, excused (and unknown / none) grey. */
export function verdictTone(verdict: string | null | undefined): Tone {
  return verdict && Object.prototype.hasOwnProperty.call(VERDICT_TONES, verdict)
    ? VERDICT_TONES[verdict as Verdict]
    : 'muted';
}

/** Colours of the tones; keep in sync with styles.css (--good, --warn, --bad, --muted). */
export const TONE_COLORS: Record<Tone, string> = {
  good: '#2ecc71',
  warn: '#f5a623',
  bad: '#ff5c5c',
  muted: '#8b98a5',
};

export function verdictColor(verdict: string | null | undefined): string {
  return TONE_COLORS[verdictTone(verdict)];
}

/** Status tone for the status chip: delivered green, exception/failed/returned red or amber. */
export function statusTone(status: string | null | undefined): Tone {
  switch (status) {
    case 'delivered':
      return 'good';
    case 'exception':
    case 'returned':
      return 'bad';
    case 'delivery_failed':
      return 'warn';
    default:
      return 'muted';
  }
}
