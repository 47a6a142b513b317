// REST call of the handover page. Same-origin, session cookie; errors are ApiError, and an
// answer outside its wire schema (contract/handover.ts) is one too (requestAs).

import { handoverReport } from '../../../../contract/handover.ts';
import { requestAs } from '../../api';
import { handoverView, type HandoverReport } from './report';
import { shiftWindow, type Shift } from './shift';

export async function fetchHandover(shift: Shift, signal?: AbortSignal): Promise<HandoverReport> {
  const { from, to } = shiftWindow(shift);
  const query = new URLSearchParams({ from, to });
  return handoverView(
    await requestAs(handoverReport, `/api/v1/handover?${query.toString()}`, signal ? { signal } : {}),
  );
}
