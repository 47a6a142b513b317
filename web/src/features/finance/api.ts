// REST calls of the finance page. Each answer is checked against its wire schema
// (contract/money.ts, the one the server checks its own answers against); errors and
// answers outside the contract become ApiError (../../api). The complaints and claims
// pages have their own (../complaints/api.ts, ../claims/api.ts).

import * as wire from '../../../../contract/money.ts';
import { financeLive } from '../../../../contract/live.ts';
import type { PaymentState } from '../../../../contract/enums.ts';
import { postAs, postJson, requestAs } from '../../api';
import { query } from '../../money/period';

export type { PaymentState };
export type {
  ByState,
  ClaimLine,
  FeeLine,
  FinanceSummary,
  LineChanges,
  Money,
  Statement,
  StatementChanges,
  StatementLine,
} from '../../../../contract/money.ts';
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
