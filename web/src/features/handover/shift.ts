// Shifts of the control room: day 08:00–20:00 and night 20:00–08:00, Beijing time
// (Asia/Shanghai, UTC+8 all year, no DST), whatever the viewer's machine says.
// A shift is named by the Beijing date it starts on: the night shift of 27 Nov
// runs from 27 Nov 20:00 to 28 Nov 08:00. Pure module: no DOM, no Vue.

// '.ts': test/browser/handover.test.ts loads this module in Node.
import { DAY_MS, SHANGHAI_OFFSET_MS as OFFSET_MS } from '../../shanghai.ts';

export type ShiftKind = 'day' | 'night';

export interface Shift {
  /** Beijing calendar date the shift starts on, YYYY-MM-DD. */
  date: string;
  kind: ShiftKind;
}

const HOUR_MS = 3_600_000;
export const SHIFT_HOURS = 12;
/** Beijing hour the day shift starts; the night shift starts 12 hours later. */
const DAY_START_HOUR = 8;

const pad = (n: number) => String(n).padStart(2, '0');

function dateOfDayNumber(dayNumber: number): string {
  const d = new Date(dayNumber * DAY_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date, or null when it is not a real date. */
function dayNumberOf(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dateOfDayNumber(ms / DAY_MS) === date ? ms / DAY_MS : null;
}

/** The shift running at an instant (epoch ms). */
export function shiftAt(ms: number): Shift {
  const local = ms + OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const hour = (local - day * DAY_MS) / HOUR_MS;
  if (hour < DAY_START_HOUR) return { date: dateOfDayNumber(day - 1), kind: 'night' };
  if (hour < DAY_START_HOUR + SHIFT_HOURS) return { date: dateOfDayNumber(day), kind: 'day' };
  return { date: dateOfDayNumber(day), kind: 'night' };
}

/** Start of a shift, epoch ms (NaN for a shift whose date is not real). */
export function shiftStart(s: Shift): number {
  const day = dayNumberOf(s.date);
  if (day === null) return Number.NaN;
  const hour = s.kind === 'day' ? DAY_START_HOUR : DAY_START_HOUR + SHIFT_HOURS;
  return day * DAY_MS + hour * HOUR_MS - OFFSET_MS;
}

export function shiftEnd(s: Shift): number {
  return shiftStart(s) + SHIFT_HOURS * HOUR_MS;
}

export function nextShift(s: Shift): Shift {
  return shiftAt(shiftEnd(s));
}

export function previousShift(s: Shift): Shift {
  return shiftAt(shiftStart(s) - 1);
}

export function sameShift(a: Shift, b: Shift): boolean {
  return a.date === b.date && a.kind === b.kind;
}

/** The shift as a URL query value: "2026-11-27-day", "2026-11-27-night". */
export function formatShiftParam(s: Shift): string {
  return `${s.date}-${s.kind}`;
}

/** Reads `?shift=`; null when missing or malformed (the page then shows the shift now running). */
export function parseShiftParam(value: unknown): Shift | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})-(day|night)$/.exec(first);
  if (!m || dayNumberOf(m[1]!) === null) return null;
  return { date: m[1]!, kind: m[2] as ShiftKind };
}

/** Whether the shift has not started yet at `now` (its page would be empty: no next button). */
export function isFutureShift(s: Shift, now: number): boolean {
  return shiftStart(s) > now;
}

/** The API window of a shift; the server stops a running shift at now. */
export function shiftWindow(s: Shift): { from: string; to: string } {
  return { from: new Date(shiftStart(s)).toISOString(), to: new Date(shiftEnd(s)).toISOString() };
}

/** "2026-11-27 20:00 – 11-28 08:00" (Beijing), for the page title and the printout. */
export function shiftRangeText(s: Shift): string {
  const end = shiftAt(shiftEnd(s)).date;
  const startClock = s.kind === 'day' ? '08:00' : '20:00';
  const endClock = s.kind === 'day' ? '20:00' : '08:00';
  return `${s.date} ${startClock} – ${end === s.date ? '' : `${end.slice(5)} `}${endClock}`;
}
