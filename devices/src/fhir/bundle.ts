/** FHIR R4 searchset Bundle of Observations, for the cloud's FHIR export API. */
import type { FhirBundle, FhirObservation } from './types.js';

export interface SearchsetOptions {
  /** Total number of matches across all pages, when known. */
  total?: number;
  /** The URL of this page (link relation 'self'). */
  selfUrl: string;
  /** The URL of the next page (link relation 'next'), when there is one. */
  nextUrl?: string;
  /** Server base, e.g. 'https://host/fhir': entry.fullUrl = <baseUrl>/Observation/<id>. */
  baseUrl: string;
}

export function searchsetBundle(observations: FhirObservation[], opts: SearchsetOptions): FhirBundle<FhirObservation> {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const link = [{ relation: 'self', url: opts.selfUrl }];
  if (opts.nextUrl) link.push({ relation: 'next', url: opts.nextUrl });
  const bundle: FhirBundle<FhirObservation> = { resourceType: 'Bundle', type: 'searchset' };
  if (opts.total !== undefined) bundle.total = opts.total;
  bundle.link = link;
  bundle.entry = observations.map((resource) => ({
    ...(resource.id ? { fullUrl: `${base}/Observation/${resource.id}` } : {}),
    resource,
    search: { mode: 'match' as const },
  }));
  return bundle;
}
