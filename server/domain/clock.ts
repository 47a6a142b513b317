/**
 * Calendar arithmetic in Asia/Shanghai. China has kept UTC+8 all year since 1991
 * (no daylight saving), so a fixed offset is exact for every date this system sees.
 */
/** Asia/Shanghai's offset from UTC: the one place the server declares it. */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000
export const DAY_MS = 86_400_000
const OFFSET_MS = SHANGHAI_OFFSET_MS

export function startOfShanghaiDay(at: Date): Date {
  const local = at.getTime() + OFFSET_MS
  return new Date(local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - OFFSET_MS)
}

export function startOfMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000)
}
