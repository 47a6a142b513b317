// REST calls of the complaints, claims and finance pages. Each answer is checked against
// its wire schema (contract/money.ts, the one the server checks its own answers against);
// errors and answers outside the contract become ApiError (../api).

import * as wire from '../../../contract/money.ts';
import { financeLive } from '../../../contract/live.ts';
import type { ComplaintState, PaymentState } from '../../../contract/enums.ts';
import { postAs, postJson, requestAs } from '../api';
import { query } from './period';

export { COMPLAINT_STATES } from '../../../contract/enums.ts';
export type { ComplaintState, PaymentState };
export type {
  ByState,
  Category,
  Claim,
  ClaimLine,
  Complaint,
  FeeLine,
  FinanceSummary,
  LineChanges,
  Money,
  Statement,
  StatementChanges,
  StatementLine,
} from '../../../contract/money.ts';
export interface Lines<T> {
  lines: T[];
  count: number;
  fen: number;
}
export type StatementLineKind = 'fee' | 'claim';

/** Today's money (the REST twin of the `finance` live channel). */
export const fetchFinanceToday = () => requestAs(financeLive, '/api/v1/finance/today');
export const financeSummary = (from: string, to: string) =>
  requestAs(wire.financeSummary, `/api/v1/finance/summary?${query({ from, to })}`);
export type LineFilter = {
  from: string;
  to: string;
  day?: string;
  tier?: string;
  region?: string;
  state?: string;
  reason?: string;
};
export const feeLines = (f: LineFilter) =>
  requestAs(wire.feeLines, `/api/v1/finance/fees?${query({ ...f, limit: 500 })}`);
export const claimLines = (f: LineFilter) =>
  requestAs(wire.claimLines, `/api/v1/finance/compensation?${query({ ...f, limit: 500 })}`);
export const csvUrl = (table: string, f: LineFilter) => `/api/v1/finance/export.csv?${query({ ...f, table })}`;
export const recordPayments = (waybills: string[], state: 'paid' | 'invoiced') =>
  postAs(wire.paymentsAnswer, '/api/v1/finance/payments', { waybills, state });
export const listStatements = async () =>
  (await requestAs(wire.statementList, '/api/v1/finance/statements')).statements;
export const generateStatement = (from: string, to: string) => postJson('/api/v1/finance/statements', { from, to });
export const getStatement = (id: number) => requestAs(wire.statementDetail, `/api/v1/finance/statements/${id}`);
export const statementLines = (id: number, kind: StatementLineKind) =>
  requestAs(wire.statementLines, `/api/v1/finance/statements/${id}/lines?${query({ kind, limit: 500 })}`);
export const statementCsvUrl = (id: number, kind: StatementLineKind) =>
  `/api/v1/finance/statements/${id}/lines.csv?${query({ kind })}`;
export const stepStatement = (id: number, step: 'review' | 'approve', note: string) =>
  postJson(`/api/v1/finance/statements/${id}/${step}`, { note });

export const listComplaints = async (state: string) =>
  (await requestAs(wire.complaintList, `/api/v1/complaints?${query({ state })}`)).complaints;
export const getComplaint = async (id: number) =>
  (await requestAs(wire.complaintEnvelope, `/api/v1/complaints/${id}`)).complaint;
export const listCategories = async () =>
  (await requestAs(wire.categoryList, '/api/v1/complaint-categories')).categories;
export interface NewComplaint {
  channel: string;
  category: string;
  waybill: string | null;
  description: string;
  contact: { name?: string; phone?: string; email?: string };
}
export const createComplaint = async (c: NewComplaint) =>
  (await postAs(wire.complaintEnvelope, '/api/v1/complaints', c)).complaint;
export const moveComplaint = async (id: number, to: ComplaintState, note: string, satisfaction: number | null) =>
  (
    await postAs(wire.complaintEnvelope, `/api/v1/complaints/${id}/transition`, {
      to,
      note,
      ...(satisfaction ? { satisfaction } : {}),
    })
  ).complaint;

export const listClaims = async (state: string) =>
  (await requestAs(wire.claimList, `/api/v1/claims?${query({ state })}`)).claims;
export const getClaim = async (id: number) => (await requestAs(wire.claimEnvelope, `/api/v1/claims/${id}`)).claim;
export const createClaim = async (c: { waybill: string; reason: string; damagePercent?: number; note: string }) =>
  (await postAs(wire.claimEnvelope, '/api/v1/claims', c)).claim;
export const actOnClaim = async (
  id: number,
  action: 'approve' | 'reject' | 'pay',
  body: Record<string, string | number>,
) => (await postAs(wire.claimEnvelope, `/api/v1/claims/${id}/${action}`, body)).claim;
