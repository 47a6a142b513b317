/**
 * Statistics the SLA workers use to flag anomalies. Pure: no clock (`now` is a
 * parameter where needed), no driver; the inputs are plain counts and instants
 * that the caller's SQL gathers. Code in anomaly-volume.ts, anomaly-exceptions.ts
 * and anomaly-courier.ts; this file states the rules and re-exports.
 *
 * 1. Hub event volume against its own baseline (hubVolumeAnomaly).
 *    Input: the hub's event count in one complete hour (normally the last complete
 *    hour, `lastCompleteHour(now)`; a partial current hour would read as low) and
 *    the counts of the same hour-of-week (Asia/Shanghai, UTC+8 all year) in
 *    previous weeks, e.g. 4–8 (`sameHourInPreviousWeeks`). Weeks with no data (the
 *    hub did not exist yet) are left out, not passed as 0; a real week with no
 *    events is a 0. Negative and non-finite baseline values are dropped as bad data.
 *      expected = median of the baseline weeks;
 *      scale    = max(1.4826 × MAD, 1 event, 10 % of the median)   (MAD = median
 *                 absolute deviation; 1.4826 × MAD estimates σ; the floors keep a
 *                 quiet hub, whose weeks are all equal, from dividing by ~0, and
 *                 keep a busy hub from alarming on swings smaller than 35 %);
 *      z        = (observed − expected) / scale.
 *    Status, first that applies:
 *      insufficient_data — fewer than 3 usable baseline weeks (z, expected null);
 *      high / low        — |z| ≥ 3.5 and |observed − expected| ≥ 10 events, by sign
 *                          (the minimum difference keeps 5 events against 0 at a
 *                          tiny outlet quiet); "low" catches a hub that stopped
 *                          scanning;
 *      normal            — otherwise.
 *    The median and MAD ignore an odd week (Double 11, an outage) as long as fewer
 *    than half the weeks are odd; a mean and standard deviation would not.
 *    Holidays are the caller's business: an hour during Spring Festival reads as
 *    low against ordinary weeks, and a holiday week in the baseline is just one of
 *    the odd weeks above.
 *    hourOfWeek(at): 0…167, Monday 00:00–00:59 Shanghai = 0.
 *    All thresholds are options (VOLUME_DEFAULTS).
 *
 * 2. Exception-rate spike of a hub (exceptionSpike).
 *    Input: exceptions and events (exceptions included) of a recent window and of
 *    a baseline window before it that does not overlap it (e.g. the previous 7
 *    days; an overlap dilutes the test). A spike needs all three:
 *      - at least 5 recent exceptions;
 *      - recent rate ≥ 2 × baseline rate (any rate counts when the baseline had
 *        events but no exceptions; ratio is then null);
 *      - one-sided Fisher exact test p ≤ 0.01: the chance of at least this many
 *        of the windows' exceptions falling into the recent window if both had
 *        the same rate. Exact for small counts, and honest about a small baseline
 *        as well (1 exception in 20 events is not a known 5 % rate).
 *    Without baseline events there is nothing to compare: p = 1, no spike.
 *    Examples: 12/400 against 100/10 000 (3 % vs 1 %) is a spike (p ≈ 0.0012);
 *    2/100 against 1 % is not (too few); 6/200 against 1 % is not (p ≈ 0.018).
 *    Thresholds are options (EXCEPTION_SPIKE_DEFAULTS). With many hubs checked
 *    every few minutes, some false alarms at p ≤ 0.01 are expected; deduplicating
 *    an ongoing spike is the caller's business.
 *
 * 3. Couriers starting late or stopping early, manual 4.3.1 (5) (courierShiftCheck).
 *    Input: a Shanghai day, the courier's first and last scan that day (both null
 *    if none), the shift (default 08:30–18:00 Shanghai, per courier, start before
 *    end on the same day: no overnight shifts) and a grace (default 30 min).
 *    Only working days of that courier may be passed: weekends, holidays, leave
 *    and rest days are the caller's business (the calendar, the roster).
 *      late start  — first scan strictly after start + grace; minutesLate counts
 *                    from the shift start (09:10 → 40), whole minutes, else 0;
 *      early stop  — last scan strictly before end − grace, judged only once
 *                    end + grace has passed at `now` (stopJudged); before that
 *                    earlyStop is false because it is not known yet; minutesEarly
 *                    counts to the shift end, else 0;
 *      attendance  — 'present' with any scan; with none, 'absent' once start +
 *                    grace has passed at `now`, else 'not_yet'. An absent courier
 *                    is neither lateStart nor earlyStop (one finding per courier
 *                    and day); 'absent' is provisional: a later first scan turns
 *                    it into present with lateStart.
 *    Scans uploaded late can change a verdict already given; the caller re-runs it.
 */
export {
  HOURS_PER_WEEK,
  MAD_TO_SIGMA,
  VOLUME_DEFAULTS,
  hourOfWeek,
  hubVolumeAnomaly,
  lastCompleteHour,
  median,
  medianAbsoluteDeviation,
  sameHourInPreviousWeeks,
  type VolumeInput,
  type VolumeOptions,
  type VolumeResult,
  type VolumeStatus,
} from './anomaly-volume.ts'
export {
  EXCEPTION_SPIKE_DEFAULTS,
  exceptionSpike,
  hypergeometricUpperTail,
  type ExceptionSpikeInput,
  type ExceptionSpikeOptions,
  type ExceptionSpikeResult,
  type WindowCounts,
} from './anomaly-exceptions.ts'
export {
  DEFAULT_GRACE_MINUTES,
  DEFAULT_SHIFT,
  courierShiftCheck,
  type Attendance,
  type CourierDayInput,
  type CourierShiftResult,
  type Shift,
} from './anomaly-courier.ts'
