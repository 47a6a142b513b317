// Labels and small figures of the handover page, kept out of the components so
// they can be tested in node.

import { isMessageKey, t } from '../../i18n';
import { formatNumber } from '../../format';
import type { Holder, Incident, Silence } from './report';
import { shiftRangeText, type Shift } from './shift';

function label(prefix: string, value: string | null): string {
  if (value === null) return '—';
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

export const incidentKindLabel = (kind: string | null): string => label('handover.incident.kind', kind);
export const silenceKindLabel = (kind: string): string => label('handover.silence.kind', kind);
export const tierLabel = (tier: string): string => label('track.tier', tier);

/** "白班 2026-11-27 08:00 – 20:00" */
export function shiftTitle(s: Shift): string {
  return `${t(s.kind === 'day' ? 'handover.shift.day' : 'handover.shift.night')} ${shiftRangeText(s)}`;
}

/** Who holds an alert still open: a person, the manager (escalated), or nobody yet. */
export function holderText(h: Holder): string {
  switch (h.kind) {
    case 'acknowledged':
      return t('handover.holder.acknowledged', { by: h.by ?? t('handover.system') });
    case 'escalated':
      return `${t('handover.holder.escalated')}${t('handover.holder.level', { n: h.level })}`;
    default:
      return t('handover.holder.unowned');
  }
}

/** The state of an incident at the end of the shift, from its timestamps (they stop at the end). */
export function incidentState(
  i: Pick<Incident, 'acknowledgedAt' | 'resolvedAt'>,
): 'open' | 'acknowledged' | 'resolved' {
  if (i.resolvedAt) return 'resolved';
  return i.acknowledgedAt ? 'acknowledged' : 'open';
}

export function silenceScope(s: Pick<Silence, 'rule' | 'hubCode'>, ruleLabel: (rule: string) => string): string {
  return `${s.rule ? ruleLabel(s.rule) : t('handover.silence.anyRule')} · ${s.hubCode ?? t('handover.silence.anyHub')}`;
}

/** Signed change between two counts: "+3", "−2", "±0". */
export function changeText(start: number, end: number): string {
  const d = end - start;
  if (d === 0) return '±0';
  return d > 0 ? `+${formatNumber(d)}` : `−${formatNumber(-d)}`;
}

/** "96.5%" or "—" when there is nothing to rate. */
export function percentText(rate: number | null): string {
  if (rate === null) return '—';
  const pct = Math.round(rate * 1000) / 10;
  return `${pct}%`;
}
