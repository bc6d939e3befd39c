/** The act's report page (pages/report/), opened beside the call so the specialist writes it during the act. */
import { byId } from '@telecart/ui/browser';

export function linkReport(sessionId: string): void {
  const a = byId<HTMLAnchorElement>('consult-report');
  a.href = `/consult/acts/${encodeURIComponent(sessionId)}/report?lang=${document.documentElement.lang === 'en' ? 'en' : 'fr'}`;
}
