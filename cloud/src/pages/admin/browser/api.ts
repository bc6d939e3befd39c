/**
 * The page's calls to the cloud's JSON API (relative URLs, the login cookie): a reply is either the
 * JSON body or the server's refusal as worded, so the page can show it as it comes.
 */
export type Reply<T> = { ok: true; body: T } | { ok: false; message: string | null; status?: number };

export async function call<T>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
  let r: Response;
  try {
    r = await fetch(path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, message: null };
  }
  const json: unknown = r.status === 204 ? {} : await r.json().catch(() => null);
  if (r.ok) return { ok: true, body: json as T };
  const message = json !== null && typeof json === 'object' && 'message' in json && typeof json.message === 'string' ? json.message : null;
  return { ok: false, message, status: r.status };
}
