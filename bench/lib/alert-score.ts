/**
 * Scoring of the alert benchmark (bench/alerts.ts) against the simulator's
 * ground truth. Pure arithmetic: no database, no clock; unit-tested in
 * test/unit/bench/alert-score.test.ts.
 *
 * Definitions (all times simulated epoch ms):
 *  - a page: an alert of severity warning or critical, not muted, that opened
 *    (or rose from info) — what is pushed, sounds, or goes out by webhook;
 *  - a page is explained by an incident when one of its hubs (the alert's hub,
 *    or a lane's two ends) is a hub of the incident and it came between the
 *    incident's start and its end plus the kind's tail (the time its effects
 *    take to wash out: late parcels, a backlog scanned after a stop). It is
 *    attributed to an incident on its lane if any, else to the one active at the
 *    time, a hub's before the network's, then to the latest started;
 *  - recall: incidents of a paging kind with at least one page / all of them;
 *  - time to page: first page minus the start of the incident;
 *  - precision: explained pages / all pages;
 *  - noise: pages in 12-hour shifts (08:00–20:00, 20:00–08:00 Shanghai) during
 *    which no incident was active, per such shift (mean and worst shift);
 *  - duplicates: pages attributed to an incident beyond its first;
 *  - lag to auto-resolve: the last auto-resolution of the alerts that paged
 *    for an incident minus the end of its effect (effectTo, else its end; 0 if
 *    they resolved before);
 *    alerts still open when the run ends are counted apart.
 */

export interface TruthIncident {
  id: number
  kind: string
  /** Hub codes the incident concerns; ['*'] for the whole network. */
  hubs: readonly string[]
  from: number
  to: number
  /**
   * When its effect on the parcels ends, if later than `to`: a holiday backlog's centres
   * stay congested for a drain after its collections end (the simulator's
   * BACKLOG_DRAIN_MS), so its alerts rightly stay open that long. Lag to auto-resolve
   * counts from here.
   */
  effectTo?: number
  /** Whether it must page (recall counts it). */
  paging: boolean
}

export interface PageRecord {
  alertId: number
  rule: string
  /** The alert's hub and, for a lane, both ends. */
  hubs: readonly string[]
  at: number
  severity: 'warning' | 'critical'
}

export interface ScoreOptions {
  /** The scored window [start, end). */
  start: number
  end: number
  /** Per kind: how long after its end a page may still be its consequence. */
  tailMs: Readonly<Record<string, number>>
  /** Per kind: the target time to page (ms). */
  targetMs?: Readonly<Record<string, number>>
}

export interface Spread {
  n: number
  p50: number | null
  max: number | null
}

export interface IncidentOutcome {
  id: number
  kind: string
  pages: number
  /** null: never paged. */
  timeToPageMs: number | null
  /** null: no page, or an alert still open at the end. */
  resolveLagMs: number | null
  openAtEnd: boolean
}

export interface RunScore {
  incidents: number
  pagingIncidents: number
  paged: number
  recall: number
  timeToPage: Record<string, Spread>
  pages: number
  explained: number
  precision: number
  quietShifts: number
  quietShiftPages: number
  noisePerShift: number
  worstQuietShift: number
  duplicates: number
  resolveLag: Spread & { openAtEnd: number }
  outcomes: IncidentOutcome[]
}

const HOUR_MS = 3_600_000
const SHIFT_MS = 12 * HOUR_MS
/** Shifts change at 08:00 and 20:00 Shanghai (UTC+8): 00:00 and 12:00 UTC. */
const SHIFT_ANCHOR_MS = 0

/** The median (lower middle for an even count) and maximum; nulls for none. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { n: 0, p50: null, max: null }
  const s = [...values].sort((a, b) => a - b)
  return { n: s.length, p50: s[Math.floor((s.length - 1) / 2)]!, max: s[s.length - 1]! }
}

function covers(i: TruthIncident, hubs: readonly string[]): boolean {
  return i.hubs.includes('*') || hubs.some((h) => i.hubs.includes(h))
}

/** The incident a page is attributed to, or null when none explains it. */
export function attribute(
  page: PageRecord,
  incidents: readonly TruthIncident[],
  tailMs: Readonly<Record<string, number>>,
): TruthIncident | null {
  const candidates = incidents.filter(
    (i) => covers(i, page.hubs) && page.at >= i.from && page.at < i.to + (tailMs[i.kind] ?? 0),
  )
  if (candidates.length === 0) return null
  // A lane's page goes to an incident on that lane, even one over while a network-wide one is
  // under way (a lost batch pages hours after the loss, during a holiday backlog); otherwise the
  // incident active at the time, the most specific (a hub's over the network's), the latest started.
  const onLane = (i: TruthIncident) => i.hubs.length === 2 && i.hubs.every((h) => page.hubs.includes(h))
  const active = (i: TruthIncident) => page.at < i.to
  return [...candidates].sort(
    (a, b) =>
      Number(onLane(b)) - Number(onLane(a)) ||
      Number(active(b)) - Number(active(a)) ||
      Number(a.hubs.includes('*')) - Number(b.hubs.includes('*')) ||
      b.from - a.from ||
      a.id - b.id,
  )[0]!
}

/** The 12-hour shifts wholly inside [start, end) during which no incident was active. */
export function quietShifts(start: number, end: number, incidents: readonly TruthIncident[]): Array<[number, number]> {
  const first = Math.ceil((start - SHIFT_ANCHOR_MS) / SHIFT_MS) * SHIFT_MS + SHIFT_ANCHOR_MS
  const out: Array<[number, number]> = []
  for (let s = first; s + SHIFT_MS <= end; s += SHIFT_MS) {
    if (!incidents.some((i) => i.from < s + SHIFT_MS && i.to > s)) out.push([s, s + SHIFT_MS])
  }
  return out
}

/**
 * Scores one run: the incidents injected, the pages sent, and when each alert
 * auto-resolved (alert id → time; absent: still open at the end, or resolved
 * by a person).
 */
export function scoreRun(
  incidents: readonly TruthIncident[],
  pagesIn: readonly PageRecord[],
  autoResolvedAt: ReadonlyMap<number, number>,
  o: ScoreOptions,
): RunScore {
  const pages = pagesIn.filter((p) => p.at >= o.start && p.at < o.end)
  const byIncident = new Map<number, PageRecord[]>()
  let explained = 0
  for (const p of pages) {
    const i = attribute(p, incidents, o.tailMs)
    if (!i) continue
    explained++
    byIncident.set(i.id, [...(byIncident.get(i.id) ?? []), p])
  }
  const outcomes: IncidentOutcome[] = incidents.map((i) => {
    const mine = (byIncident.get(i.id) ?? []).sort((a, b) => a.at - b.at)
    const ids = [...new Set(mine.map((p) => p.alertId))]
    const openAtEnd = ids.some((id) => !autoResolvedAt.has(id))
    const lastResolve = ids.length > 0 && !openAtEnd ? Math.max(...ids.map((id) => autoResolvedAt.get(id)!)) : null
    return {
      id: i.id,
      kind: i.kind,
      pages: mine.length,
      timeToPageMs: mine.length > 0 ? mine[0]!.at - i.from : null,
      resolveLagMs: lastResolve === null ? null : Math.max(0, lastResolve - Math.max(i.to, i.effectTo ?? i.to)),
      openAtEnd,
    }
  })
  const paging = outcomes.filter((x) => incidents.find((i) => i.id === x.id)!.paging)
  const timeToPage: Record<string, Spread> = {}
  for (const kind of [...new Set(incidents.map((i) => i.kind))]) {
    timeToPage[kind] = spread(
      outcomes.filter((x) => x.kind === kind && x.timeToPageMs !== null).map((x) => x.timeToPageMs!),
    )
  }
  const shifts = quietShifts(o.start, o.end, incidents)
  const perShift = shifts.map(([s, e]) => pages.filter((p) => p.at >= s && p.at < e).length)
  const quietShiftPages = perShift.reduce((a, b) => a + b, 0)
  const withPages = outcomes.filter((x) => x.pages > 0)
  return {
    incidents: incidents.length,
    pagingIncidents: paging.length,
    paged: paging.filter((x) => x.pages > 0).length,
    recall: paging.length === 0 ? 1 : paging.filter((x) => x.pages > 0).length / paging.length,
    timeToPage,
    pages: pages.length,
    explained,
    precision: pages.length === 0 ? 1 : explained / pages.length,
    quietShifts: shifts.length,
    quietShiftPages,
    noisePerShift: shifts.length === 0 ? 0 : quietShiftPages / shifts.length,
    worstQuietShift: perShift.length === 0 ? 0 : Math.max(...perShift),
    duplicates: withPages.reduce((a, x) => a + x.pages - 1, 0),
    resolveLag: {
      ...spread(withPages.filter((x) => x.resolveLagMs !== null).map((x) => x.resolveLagMs!)),
      openAtEnd: withPages.filter((x) => x.openAtEnd).length,
    },
    outcomes,
  }
}

/** The seeds' scores together: sums and ratios over all incidents and pages, spreads over all values. */
export function combineScores(runs: readonly RunScore[]): RunScore {
  const outcomes = runs.flatMap((r) => r.outcomes)
  const sum = (f: (r: RunScore) => number) => runs.reduce((a, r) => a + f(r), 0)
  const kinds = [...new Set(runs.flatMap((r) => Object.keys(r.timeToPage)))]
  const timeToPage: Record<string, Spread> = {}
  for (const k of kinds)
    timeToPage[k] = spread(outcomes.filter((x) => x.kind === k && x.timeToPageMs !== null).map((x) => x.timeToPageMs!))
  const pagingIncidents = sum((r) => r.pagingIncidents)
  const paged = sum((r) => r.paged)
  const pages = sum((r) => r.pages)
  const explained = sum((r) => r.explained)
  const quiet = sum((r) => r.quietShifts)
  const quietPages = sum((r) => r.quietShiftPages)
  const withPages = outcomes.filter((x) => x.pages > 0)
  return {
    incidents: sum((r) => r.incidents),
    pagingIncidents,
    paged,
    recall: pagingIncidents === 0 ? 1 : paged / pagingIncidents,
    timeToPage,
    pages,
    explained,
    precision: pages === 0 ? 1 : explained / pages,
    quietShifts: quiet,
    quietShiftPages: quietPages,
    noisePerShift: quiet === 0 ? 0 : quietPages / quiet,
    worstQuietShift: Math.max(0, ...runs.map((r) => r.worstQuietShift)),
    duplicates: sum((r) => r.duplicates),
    resolveLag: {
      ...spread(withPages.filter((x) => x.resolveLagMs !== null).map((x) => x.resolveLagMs!)),
      openAtEnd: withPages.filter((x) => x.openAtEnd).length,
    },
    outcomes,
  }
}

export interface Targets {
  recall: number
  /** Minutes, per kind; kinds not listed use `slowBurnMinutes`. */
  timeToPageMinutes: Readonly<Record<string, number>>
  slowBurnMinutes: number
  precision: number
  pagesPerQuietShift: number
  duplicates: number
  resolveLagMinutes: number
}

/** The targets (issue 11). */
export const TARGETS: Targets = {
  recall: 1,
  timeToPageMinutes: { 'hub-stop': 15, 'damage-spike': 15 },
  slowBurnMinutes: 60,
  precision: 0.9,
  pagesPerQuietShift: 3,
  duplicates: 0,
  resolveLagMinutes: 30,
}

/** Which targets a score misses, as short sentences; empty when it meets them all. */
export function missedTargets(s: RunScore, pagingKinds: readonly string[], t: Targets = TARGETS): string[] {
  const out: string[] = []
  if (s.recall < t.recall) out.push(`recall ${(100 * s.recall).toFixed(0)} % < ${(100 * t.recall).toFixed(0)} %`)
  for (const k of pagingKinds) {
    const max = s.timeToPage[k]?.max
    const limit = t.timeToPageMinutes[k] ?? t.slowBurnMinutes
    if (max != null && max > limit * 60_000) out.push(`time to page ${k} ${Math.round(max / 60_000)} min > ${limit}`)
  }
  if (s.precision < t.precision)
    out.push(`precision ${(100 * s.precision).toFixed(0)} % < ${(100 * t.precision).toFixed(0)} %`)
  if (s.worstQuietShift > t.pagesPerQuietShift)
    out.push(`${s.worstQuietShift} pages in a quiet shift > ${t.pagesPerQuietShift}`)
  if (s.duplicates > t.duplicates) out.push(`${s.duplicates} duplicate pages`)
  if (s.resolveLag.max != null && s.resolveLag.max > t.resolveLagMinutes * 60_000)
    out.push(`auto-resolve lag ${Math.round(s.resolveLag.max / 60_000)} min > ${t.resolveLagMinutes}`)
  if (s.resolveLag.openAtEnd > 0) out.push(`${s.resolveLag.openAtEnd} incidents' alerts still open at the end`)
  return out
}
