// Alert titles are stored in English (server/domain/alert-titles.ts: webhooks, logs,
// the English screens). The Chinese screens show them translated by their exact
// shapes; a title of another shape (an incident's own words) shows as written.
// Pure module: no DOM, no Vue. test/unit/web/alert-title.test.ts runs every server
// title through this.

const COMPLAINT_CATEGORY_ZH: Record<string, string> = {
  delay: '延误', attitude: '服务态度', damage: '破损', loss: '丢失', fee: '费用', other: '其他',
};

const ZH: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^(\d+) parcel\(s\) past their promised deadline at (.+)$/, (m) => `${m[2]}：${m[1]} 件包裹已超过承诺时效`],
  [/^(\d+) parcel\(s\) without a scan beyond the stall limit at (.+)$/, (m) => `${m[2]}：${m[1]} 件包裹超过停滞时限未扫描`],
  [/^(\d+) parcel\(s\) at (.+) expected to miss their deadline$/, (m) => `${m[2]}：${m[1]} 件包裹预计无法按时送达`],
  [/^(\d+) parcel\(s\) without a scan for ([\d.]+) h at (.+): suspected lost$/, (m) => `${m[3]}：${m[1]} 件包裹 ${m[2]} 小时无扫描，疑似丢失`],
  [/^(.+) has scanned nothing for an hour \(([\d, ]*) events in the hours before\)$/, (m) => `${m[1]}：一小时内无任何扫描（此前各小时 ${m[2]} 次）`],
  [/^(.+): (\d+) events in the last hour, (.+) expected \(surge\)$/, (m) => `${m[1]}：最近一小时 ${m[2]} 次扫描，预期 ${m[3]}（激增）`],
  [/^(.+): (\d+) events in the last hour, (.+) expected$/, (m) => `${m[1]}：最近一小时仅 ${m[2]} 次扫描，预期 ${m[3]}`],
  [/^(.+): exception rate ([\d.]+) % in the last hour against ([\d.]+) %$/, (m) => `${m[1]}：最近一小时异常率 ${m[2]}%，此前 ${m[3]}%`],
  [/^(.+) \(([^()]+)\) has not scanned anything today$/, (m) => `${m[1]}（${m[2]}）今日尚无扫描`],
  [/^(.+) \(([^()]+)\) started (\d+) min late$/, (m) => `${m[1]}（${m[2]}）晚 ${m[3]} 分钟开始扫描`],
  [/^(.+) \(([^()]+)\) stopped (\d+) min early$/, (m) => `${m[1]}（${m[2]}）提前 ${m[3]} 分钟停止扫描`],
  [/^Complaint #(\d+) \(([a-z_]+)\) unanswered past its (\d+) h limit(?: \(parcel ([A-Z0-9]+)\))?$/,
    (m) => `投诉 #${m[1]}（${COMPLAINT_CATEGORY_ZH[m[2]!] ?? m[2]}）超过 ${m[3]} 小时时限未答复${m[4] ? `（运单 ${m[4]}）` : ''}`],
];

/** The title in the screen's language: Chinese when its shape is known, else as stored. */
export function alertTitleIn(lang: 'zh' | 'en', title: string): string {
  if (lang === 'en') return title;
  for (const [re, zh] of ZH) {
    const m = re.exec(title);
    if (m) return zh(m);
  }
  return title;
}
