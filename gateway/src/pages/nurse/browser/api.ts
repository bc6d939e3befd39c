let unauthorized: () => void = () => undefined;

/** What to do when the gateway answers 401: the nurse's session ended there (idle, restart), so the page locks. */
export function whenUnauthorized(f: () => void): void {
  unauthorized = f;
}

/** JSON calls to the nurse API; a refusal throws with the server's message (shown to the nurse). */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) unauthorized();
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { message?: unknown };
    throw new Error(typeof problem.message === 'string' && problem.message ? problem.message : res.statusText);
  }
  return (res.status === 204 ? null : await res.json()) as T;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
