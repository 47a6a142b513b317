import { describe, expect, it } from 'vitest';
import { alertTitles } from '../../../server/domain/alert-titles';
import { alertTitleIn } from '../../../web/src/alerts/title';

// Every title the server writes, through the dashboard's translation: each comes out
// in Chinese with its figures, names and codes intact, none left in English.
const samples: Array<[string, string[]]> = [
  [alertTitles.parcelLate('SHA-O1', 12), ['SHA-O1', '12', '超过承诺时效']],
  [alertTitles.parcelStalled('HGH-SC', 3), ['HGH-SC', '3', '停滞']],
  [alertTitles.parcelAtRisk('BJS-O2', 1), ['BJS-O2', '1', '预计无法按时送达']],
  [alertTitles.parcelSuspectedLost('CAN-TC', 4, 72), ['CAN-TC', '4', '72 小时', '疑似丢失']],
  [alertTitles.hubSilent('上海转运中心', [120, 98, 143]), ['上海转运中心', '120, 98, 143', '无任何扫描']],
  [alertTitles.hubVolumeLow('杭州分拣中心', 15, 240), ['杭州分拣中心', '15', '240']],
  [alertTitles.hubVolumeHigh('杭州分拣中心', 900, 240), ['杭州分拣中心', '900', '240', '激增']],
  [alertTitles.hubExceptionSpike('北京朝阳网点', 0.123, 0.021), ['北京朝阳网点', '12.3%', '2.1%', '异常率']],
  [alertTitles.courierAbsent('张伟', 'C-SHA-O1-01'), ['张伟（C-SHA-O1-01）', '今日尚无扫描']],
  [alertTitles.courierLateStart('张伟', 'C-SHA-O1-01', 47), ['张伟（C-SHA-O1-01）', '47 分钟']],
  [alertTitles.courierEarlyStop('李娜', 'C-HGH-O1-02', 35), ['李娜（C-HGH-O1-02）', '35 分钟']],
  [alertTitles.complaintOverdue(17, 'delay', 24, 'PW123456789'), ['#17', '延误', '24 小时', 'PW123456789']],
  [alertTitles.complaintOverdue(18, 'fee', 48, null), ['#18', '费用', '48 小时']],
];

describe('alert titles on Chinese screens', () => {
  it.each(samples)('translates %s', (title, parts) => {
    const zh = alertTitleIn('zh', title);
    for (const p of parts) expect(zh).toContain(p);
    expect(zh).not.toMatch(/parcel|events|scan|expected|against|Complaint|limit|min |today|hour/);
  });

  it('leaves English screens and titles of unknown shape (an incident\'s own words) as written', () => {
    expect(alertTitleIn('en', alertTitles.parcelLate('SHA-O1', 2))).toBe('2 parcel(s) past their promised deadline at SHA-O1');
    expect(alertTitleIn('zh', '上海转运中心分拣线故障')).toBe('上海转运中心分拣线故障');
  });
});
