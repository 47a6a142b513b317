// REST calls of the complaints page, each answer checked against its wire schema
// (contract/money.ts); errors and answers outside the contract become ApiError (../../api).

import * as wire from '../../../../contract/money.ts';
import type { ComplaintState } from '../../../../contract/enums.ts';
import { postAs, requestAs } from '../../api';
import { query } from '../../money/period';

export { COMPLAINT_STATES } from '../../../../contract/enums.ts';
export type { ComplaintState };
export type { Category, Complaint } from '../../../../contract/money.ts';

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
