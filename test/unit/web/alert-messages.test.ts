import { describe, expect, it } from 'vitest';
import { alertTitles } from '../../../server/domain/alert-titles';
import {
  ALERT_MESSAGE_KEYS,
  alertTitleFields,
  alertTitleIn,
  readAlertTitle,
  renderAlertMessage,
  type AlertMessage,
} from '../../../web/src/features/alerts/messages';

// Every title the server builds (server/domain/alert-titles.ts), with what each language must say.
const samples: Array<[AlertMessage, string[], string[]]> = [
  [
    alertTitles.parcelLate('上海转运中心', 12),
    ['上海转运中心', '12 件包裹已超过承诺时效'],
    ['12 parcels past their promised deadline at 上海转运中心'],
  ],
  [alertTitles.parcelLate('SHA-O1', 1), ['1 件包裹'], ['1 parcel past its promised deadline at SHA-O1']],
  [
    alertTitles.parcelStalled('HGH-SC', 3),
    ['HGH-SC', '3 件包裹超过停滞时限'],
    ['3 parcels without a scan beyond the stall limit at HGH-SC'],
  ],
  [
    alertTitles.parcelAtRisk('BJS-O2', 1),
    ['BJS-O2', '预计无法按时送达'],
    ['1 parcel at BJS-O2 expected to miss its deadline'],
  ],
  [
    alertTitles.parcelSuspectedLost('CAN-TC', 4, 72),
    ['CAN-TC', '72 小时', '疑似丢失'],
    ['4 parcels without a scan for 72 h at CAN-TC: suspected lost'],
  ],
  [
    alertTitles.hubSilent('上海转运中心', [120, 98, 143]),
    ['上海转运中心', '120、98、143', '无任何扫描'],
    ['(120, 98, 143 events in the hours before)'],
  ],
  [alertTitles.hubVolumeLow('杭州分拣中心', 15, 240), ['15', '预期 240'], ['15 events in the last hour, 240 expected']],
  [
    alertTitles.hubVolumeHigh('杭州分拣中心', 900, null),
    ['900', '预期 —', '激增'],
    ['900 events in the last hour, — expected (surge)'],
  ],
  [
    alertTitles.hubExceptionSpike('北京朝阳网点', 0.123, 0.021),
    ['12.3%', '2.1%', '异常率'],
    ['exception rate 12.3 % in the last hour against 2.1 %'],
  ],
  [
    alertTitles.hubQuiet('南京分拣中心', 45, 320),
    ['45 分钟无任何扫描', '320 次'],
    ['has scanned nothing for 45 min (320 scans expected)'],
  ],
  [
    alertTitles.feedNoData(9, 340),
    ['已 9 分钟未收到任何扫描', '340 次'],
    ['No data from the feed for 9 min (340 scans expected)'],
  ],
  [alertTitles.feedCentresSilent(10, 12), ['12 个分拨中心中 10 个'], ['No scans from 10 of 12 centres at once']],
  [alertTitles.feedLagging(42), ['42 分钟前'], ['its newest scan is 42 min old']],
  [
    alertTitles.hubExceptionBurst('南京分拣中心', 14, 30, 0.2, 0.01),
    ['最近 30 分钟 14 次异常', '20.0%', '1.0%'],
    ['14 exceptions in the last 30 min, 20.0 % of scans against 1.0 %'],
  ],
  [
    alertTitles.hubCollectionSurge('上海浦东网点', 900, 200),
    ['900 次扫描', '通常 200 次', '揽收激增'],
    ['900 scans in the last hour, 200 usual at this hour (surge)'],
  ],
  [alertTitles.networkCollectionSurge(4, 6), ['6 个网点中 4 个'], ['Collections surge at 4 of 6 outlets']],
  [
    alertTitles.laneOverdue('SHA-TC', 'CAN-TC', 12, 20),
    ['SHA-TC → CAN-TC', '12 件', '20.0 小时'],
    ['12 parcels overdue on the lane SHA-TC → CAN-TC (usual leg 20.0 h)'],
  ],
  [
    alertTitles.laneLost('BJS-TC', 'SHA-TC', 9, '03:01', '04:33'),
    ['BJS-TC → SHA-TC', '03:01–04:33', '9 件包裹超时未到', '疑似整批丢失'],
    [
      '9 parcels that left BJS-TC for SHA-TC between 03:01 and 04:33 are overdue while parcels before and after arrived',
    ],
  ],
  [
    alertTitles.hubBacklog('杭州分拣中心', 2.54, 40),
    ['2.5 倍', '发出 40 件'],
    ['parcels dwell 2.5× their usual time (40 departures in the last hour)'],
  ],
  [alertTitles.networkBacklog(3, 5), ['5 个分拨中心中 3 个'], ['Parcels dwell longer than usual at 3 of 5 centres']],
  [
    alertTitles.courierAbsent('张伟', 'C-SHA-O1-01'),
    ['张伟（C-SHA-O1-01）', '今日尚无扫描'],
    ['张伟 (C-SHA-O1-01) has not scanned anything today'],
  ],
  [alertTitles.courierLateStart('张伟', 'C-SHA-O1-01', 47), ['47 分钟'], ['started 47 min late']],
  [alertTitles.courierEarlyStop('李娜', 'C-HGH-O1-02', 35), ['提前 35 分钟'], ['stopped 35 min early']],
  [
    alertTitles.complaintOverdue(17, 'delay', 24, 'PW123456789'),
    ['#17', '延误', '24 小时', 'PW123456789'],
    ['Complaint #17 (delay) unanswered past its 24 h limit (parcel PW123456789)'],
  ],
  [
    alertTitles.complaintOverdue(18, 'fee', 48, null),
    ['#18', '费用', '48 小时'],
    ['Complaint #18 (fee) unanswered past its 48 h limit'],
  ],
];

describe('alert titles as message keys', () => {
  it('has a builder sample for every key of the catalog', () => {
    expect(new Set(samples.map(([m]) => m.key))).toEqual(new Set(ALERT_MESSAGE_KEYS));
  });

  it.each(samples)('renders %j in Chinese and in English', (m, zh, en) => {
    const z = renderAlertMessage('zh', m);
    for (const part of zh) expect(z).toContain(part);
    expect(z).not.toMatch(/parcel|events|scan|expected|against|Complaint|limit|min |today|hour/);
    const e = renderAlertMessage('en', m);
    for (const part of en) expect(e).toContain(part);
    // Nothing Chinese but the names given as parameters.
    const names = Object.values(m.params).filter((v): v is string => typeof v === 'string');
    expect(names.reduce((t, n) => t.split(n).join(''), e)).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it("stores a message as a key and parameters and a person's words as written, and reads both back", () => {
    const stored = alertTitleFields(alertTitles.parcelLate('上海转运中心', 350));
    expect(stored).toEqual({ title: null, titleKey: 'parcel_late', titleParams: { hub: '上海转运中心', count: 350 } });
    const wire = JSON.parse(JSON.stringify(stored));
    expect(alertTitleIn('zh', readAlertTitle(wire)!)).toBe('上海转运中心：350 件包裹已超过承诺时效');
    expect(alertTitleIn('en', readAlertTitle(wire)!)).toBe('350 parcels past their promised deadline at 上海转运中心');
    const words = alertTitleFields('上海转运中心分拣线故障');
    expect(alertTitleIn('en', words)).toBe('上海转运中心分拣线故障');
    expect(readAlertTitle({ id: 3 })).toBeNull();
  });

  it('shows a title stored before keys as written, in either language (old rows stay readable)', () => {
    const old = readAlertTitle({
      title: '2 parcel(s) past their promised deadline at SHA-O1',
      titleKey: null,
      titleParams: null,
    })!;
    expect(alertTitleIn('zh', old)).toBe('2 parcel(s) past their promised deadline at SHA-O1');
  });

  it('never throws on a key it does not know or parameters of another shape', () => {
    expect(alertTitleIn('zh', { title: null, titleKey: 'lane_slowed_future', titleParams: {} })).toBe(
      'lane_slowed_future',
    );
    expect(
      alertTitleIn('zh', {
        title: 'fallback',
        titleKey: 'hub_silent',
        titleParams: { hub: 'X', before: 'not a list' },
      }),
    ).toBe('fallback');
  });
});
