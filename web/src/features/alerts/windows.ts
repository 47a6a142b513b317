// Recurring maintenance windows on the alerts console: the REST calls
// (/api/v1/maintenance-windows, contract/alerts.ts) and how a window reads.
// The reading helpers are pure (unit-tested in node).

import { maintenanceWindow, maintenanceWindowList, type MaintenanceWindow } from '../../../../contract/alerts.ts';
import { postAs, request, requestAs } from '../../api';
import { t, type MessageKey } from '../../i18n';

export type { MaintenanceWindow };

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export interface WindowDraft {
  hub: string | null;
  rule: string | null;
  days: number[];
  start: string;
  end: string;
  comment: string;
}

export async function fetchWindows(): Promise<MaintenanceWindow[]> {
  return (await requestAs(maintenanceWindowList, '/api/v1/maintenance-windows')).windows;
}

export async function addWindow(d: WindowDraft): Promise<MaintenanceWindow> {
  const body = {
    ...(d.hub ? { hub: d.hub } : {}),
    ...(d.rule ? { rule: d.rule } : {}),
    days: d.days,
    start: d.start,
    end: d.end,
    comment: d.comment,
  };
  return postAs(maintenanceWindow, '/api/v1/maintenance-windows', body);
}

export async function removeWindow(id: number): Promise<void> {
  await request(`/api/v1/maintenance-windows/${id}`, { method: 'DELETE' });
}

/** "每天", "周一、周三", "Mon, Wed"; runs of three or more read as a range ("周一至周五", "Mon–Fri"). */
export function daysLabel(days: readonly number[]): string {
  if (days.length === 0 || days.length === 7) return t('mw.everyDay');
  const name = (d: number) => t(`mw.day.${d}` as MessageKey);
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${name(sorted[i]!)}${t('mw.dayRange')}${name(sorted[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(name(sorted[k]!));
    i = j + 1;
  }
  return parts.join(t('mw.daySep'));
}

/** "02:00–05:00", "23:00–次日 04:00" when it crosses midnight. */
export function hoursLabel(w: Pick<MaintenanceWindow, 'start' | 'end'>): string {
  return w.end < w.start ? `${w.start}–${t('mw.nextDay')} ${w.end}` : `${w.start}–${w.end}`;
}
