/**
 * The language of a JSON reply's message: the request's Accept-Language, the first of its
 * languages (by weight) the product speaks. The pages send theirs explicitly (`accept-language`
 * set to the page's language); a client that names none gets English, beside the stable `code`.
 */
import type { Lang } from '@telecart/ui';
import type { FastifyRequest } from 'fastify';

export function requestLang(req: Pick<FastifyRequest, 'headers'>): Lang {
  const header = req.headers['accept-language'];
  if (typeof header !== 'string') return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (primary === 'fr' || primary === 'en') return primary;
  }
  return 'en';
}
