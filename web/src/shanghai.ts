// Beijing time for the dashboard: the network runs on Asia/Shanghai whatever the viewer's
// machine says. China has kept UTC+8 all year since 1991 (no daylight saving), so a fixed
// offset is exact. The one place the web declares it (the server's is server/domain/clock.ts).

export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** The Beijing calendar day of an instant (epoch ms), YYYY-MM-DD. */
export function beijingDay(at: number): string {
  return new Date(at + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Beijing "YYYY-MM-DD HH:MM" of an instant (epoch ms), for printed reports and CSV names. */
export function beijingMinute(at: number): string {
  return new Date(at + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
