// REST calls of the complaints, claims and finance pages. Answers are trusted as the
// server's typed JSON (same origin, same release); errors become ApiError (../api).

import { postJson, request } from '../api';
import { query } from './period';

export type PaymentState = 'unpaid' | 'paid' | 'invoiced';
export interface Money { fen: number; count: number }
export type ByState = Record<PaymentState, Money>;
export interface FinanceSummary {
  from: string;
  to: string;
  fees: Money & { byState: ByState };
  compensation: Money & { byReason: Record<'lost' | 'damaged', Money> };
  netFen: number;
  byDay: Array<{ day: string; fees: Money; byState: ByState; compensation: Money; netFen: number }>;
  byTier: Array<{ tier: string; fees: Money; byState: ByState }>;
  byRegion: Array<{ region: string; fees: Money; byState: ByState }>;
}
export interface FeeLine { waybill: string; collectedAt: string; day: string; tier: string; originHub: string; region: string; paymentState: PaymentState; feeFen: number }
export interface ClaimLine { claimId: number; waybill: string; reason: string; paidAt: string; day: string; amountFen: number; basis: string; paymentRef: string | null; paidBy: string | null }
export interface Lines<T> { lines: T[]; count: number; fen: number }
export interface Statement {
  id: number; periodFrom: string; periodTo: string; state: 'draft' | 'reviewed' | 'approved';
  feesFen: number; feeLines: number; compensationFen: number; claimLines: number; netFen: number;
  generatedAt: string; generatedBy: string; reviewedAt: string | null; reviewedBy: string | null; reviewNote: string | null;
  approvedAt: string | null; approvedBy: string | null; approveNote: string | null;
}

export interface Complaint {
  id: number; channel: string; category: string; categoryZh: string; categoryEn: string; waybill: string | null; description: string;
  contactName: string | null; contactPhone: string | null; contactEmail: string | null; masked: boolean;
  state: ComplaintState; limitHours: number; receivedAt: string; dueAt: string; repliedAt: string | null; closedAt: string | null;
  satisfaction: number | null; createdBy: string | null; alertId: number | null; overdue: boolean;
  history?: Array<{ at: string; fromState: string | null; toState: string; by: string | null; note: string }>;
}
export const COMPLAINT_STATES = ['received', 'analysing', 'coordinating', 'replied', 'closed'] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];
export interface Category { code: string; labelZh: string; labelEn: string; limitHours: number }

export interface Claim {
  id: number; waybill: string; reason: 'lost' | 'damaged'; source: 'exception' | 'operator'; state: 'open' | 'approved' | 'rejected' | 'paid';
  amountFen: number; basis: { basis: string; baseFen: number; capFen: number; capped: boolean; damagePercent: number }; note: string;
  openedAt: string; openedBy: string | null; decidedAt: string | null; decidedBy: string | null; decisionNote: string | null;
  paidAt: string | null; paidBy: string | null; paymentRef: string | null; tier: string; feeTotalFen: number; declaredValueFen: number | null;
  history?: Array<{ at: string; action: string; by: string | null; note: string }>;
}

export const financeSummary = async (from: string, to: string) => (await request(`/api/v1/finance/summary?${query({ from, to })}`)) as FinanceSummary;
export type LineFilter = { from: string; to: string; day?: string; tier?: string; region?: string; state?: string; reason?: string };
export const feeLines = async (f: LineFilter) => (await request(`/api/v1/finance/fees?${query({ ...f, limit: 500 })}`)) as Lines<FeeLine>;
export const claimLines = async (f: LineFilter) => (await request(`/api/v1/finance/compensation?${query({ ...f, limit: 500 })}`)) as Lines<ClaimLine>;
export const csvUrl = (table: string, f: LineFilter) => `/api/v1/finance/export.csv?${query({ ...f, table })}`;
export const recordPayments = async (waybills: string[], state: 'paid' | 'invoiced') =>
  (await postJson('/api/v1/finance/payments', { waybills, state })) as { state: string; changed: string[]; unchanged: string[] };
export const listStatements = async () => ((await request('/api/v1/finance/statements')) as { statements: Statement[] }).statements;
export const generateStatement = (from: string, to: string) => postJson('/api/v1/finance/statements', { from, to });
export interface StatementLine { ref: string; waybill: string; day: string; tier: string | null; region: string | null; paymentState: PaymentState | null; reason: 'lost' | 'damaged' | null; amountFen: number }
export interface LineChanges { added: number; addedFen: number; removed: number; removedFen: number; changed: number; changedFen: number }
export interface StatementChanges { fees: LineChanges; claims: LineChanges }
export type StatementLineKind = 'fee' | 'claim';
export const getStatement = async (id: number) => (await request(`/api/v1/finance/statements/${id}`)) as { statement: Statement; changes: StatementChanges };
export const statementLines = async (id: number, kind: StatementLineKind) =>
  (await request(`/api/v1/finance/statements/${id}/lines?${query({ kind, limit: 500 })}`)) as Lines<StatementLine>;
export const statementCsvUrl = (id: number, kind: StatementLineKind) => `/api/v1/finance/statements/${id}/lines.csv?${query({ kind })}`;
export const stepStatement = (id: number, step: 'review' | 'approve', note: string) => postJson(`/api/v1/finance/statements/${id}/${step}`, { note });

export const listComplaints = async (state: string) => ((await request(`/api/v1/complaints?${query({ state })}`)) as { complaints: Complaint[] }).complaints;
export const getComplaint = async (id: number) => ((await request(`/api/v1/complaints/${id}`)) as { complaint: Complaint }).complaint;
export const listCategories = async () => ((await request('/api/v1/complaint-categories')) as { categories: Category[] }).categories;
export interface NewComplaint { channel: string; category: string; waybill: string | null; description: string; contact: { name?: string; phone?: string; email?: string } }
export const createComplaint = async (c: NewComplaint) => ((await postJson('/api/v1/complaints', c)) as { complaint: Complaint }).complaint;
export const moveComplaint = async (id: number, to: ComplaintState, note: string, satisfaction: number | null) =>
  ((await postJson(`/api/v1/complaints/${id}/transition`, { to, note, ...(satisfaction ? { satisfaction } : {}) })) as { complaint: Complaint }).complaint;

export const listClaims = async (state: string) => ((await request(`/api/v1/claims?${query({ state })}`)) as { claims: Claim[] }).claims;
export const getClaim = async (id: number) => ((await request(`/api/v1/claims/${id}`)) as { claim: Claim }).claim;
export const createClaim = async (c: { waybill: string; reason: string; damagePercent?: number; note: string }) => ((await postJson('/api/v1/claims', c)) as { claim: Claim }).claim;
export const actOnClaim = async (id: number, action: 'approve' | 'reject' | 'pay', body: Record<string, string | number>) =>
  ((await postJson(`/api/v1/claims/${id}/${action}`, body)) as { claim: Claim }).claim;
