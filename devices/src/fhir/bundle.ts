/** FHIR R4 searchset Bundle (Observations, Patients), for the cloud's FHIR export API. */
import type { FhirBundle, FhirResource } from './types.js';

export interface SearchsetOptions {
  /** Total number of matches across all pages, when known. */
  total?: number;
  /** The URL of this page (link relation 'self'). */
  selfUrl: string;
  /** The URL of the next page (link relation 'next'), when there is one. */
  nextUrl?: string;
  /** Server base, e.g. 'https://host/fhir': entry.fullUrl = <baseUrl>/<resourceType>/<id>. */
  baseUrl: string;
}

export function searchsetBundle<R extends FhirResource>(resources: R[], opts: SearchsetOptions): FhirBundle<R> {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const link = [{ relation: 'self', url: opts.selfUrl }];
  if (opts.nextUrl) link.push({ relation: 'next', url: opts.nextUrl });
  const bundle: FhirBundle<R> = { resourceType: 'Bundle', type: 'searchset' };
  if (opts.total !== undefined) bundle.total = opts.total;
  bundle.link = link;
  bundle.entry = resources.map((resource) => ({
    ...(resource.id ? { fullUrl: `${base}/${resource.resourceType}/${resource.id}` } : {}),
    resource,
    search: { mode: 'match' as const },
  }));
  return bundle;
}
