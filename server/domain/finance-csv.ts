/**
 * Headers and labels of the finance CSVs, in Chinese like the product's other exports
 * (the SLA and alert CSVs): a finance clerk opens them in a spreadsheet, and
 * "payment_state,unpaid" meant nothing to one. Amounts stay plain numbers in yuan
 * (two decimals) so the spreadsheet can add them up; days stay YYYY-MM-DD.
 */
import { PAYMENT_STATES } from './finance.ts'

const TIERS: Record<string, string> = { express: '特快', standard: '标准', economy: '经济' }
const STATES: Record<string, string> = { unpaid: '未付', paid: '已付', invoiced: '已开票' }
const REASONS: Record<string, string> = { lost: '丢失', damaged: '破损' }

/** A code as the page shows it; an unknown code is written as sent. */
export const tierZh = (tier: string | null): string => (tier === null ? '' : (TIERS[tier] ?? tier))
export const paymentStateZh = (state: string | null): string => (state === null ? '' : (STATES[state] ?? state))
export const claimReasonZh = (reason: string | null): string => (reason === null ? '' : (REASONS[reason] ?? reason))

export const CSV_HEADERS = {
  fees: ['运单号', '揽收时间', '日期', '时效', '始发网点', '地区', '付款状态', '运费（元）'],
  compensation: ['理赔单号', '运单号', '原因', '赔付时间', '日期', '计算依据', '付款凭证号', '赔付金额（元）'],
  days: [
    '日期',
    '件数',
    '运费（元）',
    ...PAYMENT_STATES.flatMap((k) => [`${STATES[k]}件数`, `${STATES[k]}金额（元）`]),
    '赔付件数',
    '赔付金额（元）',
    '净额（元）',
  ],
  tiers: [
    '时效',
    '件数',
    '运费（元）',
    ...PAYMENT_STATES.flatMap((k) => [`${STATES[k]}件数`, `${STATES[k]}金额（元）`]),
  ],
  regions: [
    '地区',
    '件数',
    '运费（元）',
    ...PAYMENT_STATES.flatMap((k) => [`${STATES[k]}件数`, `${STATES[k]}金额（元）`]),
  ],
  statementFees: ['运单号', '日期', '时效', '地区', '付款状态', '运费（元）'],
  statementClaims: ['理赔单号', '运单号', '日期', '原因', '赔付金额（元）'],
} as const
