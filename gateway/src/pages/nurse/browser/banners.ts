/**
 * The two alerts above the page: the cart's store filling up (nothing is ever deleted to make room:
 * the nurse must know when it refuses) and readings the cloud refused, with the latest reason.
 */
import { byId } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { api } from './api.js';
import { t } from './state.js';
import type { Status } from './types.js';

let storeLevel = 'ok';
let refusedCount = 0;
let refusedReason = '';

export function renderStore(): void {
  const banner = byId('store');
  banner.hidden = storeLevel === 'ok';
  banner.dataset.level = storeLevel;
  banner.textContent =
    storeLevel === 'ok' ? '' : storeLevel === 'near-full' ? t().storeNearFull : storeLevel === 'full' ? t().storeFull : storeLevel;
}

export function renderRefused(): void {
  const banner = byId('refused-readings');
  banner.hidden = refusedCount === 0;
  // Text only: the reason comes from the server.
  banner.textContent =
    refusedCount === 0
      ? ''
      : format(refusedCount > 1 ? t().refusedReadingsMany : t().refusedReadingsOne, { n: refusedCount, reason: refusedReason });
}

export function noteStatus(status: Status): void {
  storeLevel = status.backlog?.capacity?.level || 'ok';
  renderStore();
  refusedCount = status.backlog?.rejected || 0;
  refusedReason = status.rejectedByCloud?.[0]?.reason || '';
  renderRefused();
}

export function pollStatus(): void {
  setInterval(() => {
    api<Status>('GET', '/api/status').then(noteStatus, () => {});
  }, 10_000);
}
