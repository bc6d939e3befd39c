/** The page's calls to the cloud's API: same origin, cookie sent, never cached. */
export function api(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
}
