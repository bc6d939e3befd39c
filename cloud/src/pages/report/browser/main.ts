/**
 * The report page: loads the act's report, fills the form with the draft (or the newest signed
 * version, read-only), saves, signs and corrects through the report API; lists the versions with
 * a link to each signed one's PDF. What the API refuses is shown with its message.
 */
import { byId } from '@telecart/ui/browser';
import { format, isLang, report, textsIn } from '@telecart/ui/i18n';

const SECTIONS = ['reason', 'history', 'examination', 'conclusion', 'prescription', 'recommendations'] as const;
type Content = Record<(typeof SECTIONS)[number], string>;
interface Version {
  version: number;
  status: 'draft' | 'signed';
  content: Content;
  signature: { name: string; at: string } | null;
}
interface ActReport {
  editable: boolean;
  versions: Version[];
}

const lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'fr';
const t = textsIn(report, lang);
const sessionId = byId('report').dataset.session ?? '';
const api = `/api/teleconsultations/${encodeURIComponent(sessionId)}/report`;
const message = byId('report-message');
const state = byId('report-state');
const list = byId('report-versions');
const when = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' });
const field = (k: (typeof SECTIONS)[number]) => byId<HTMLTextAreaElement>(`section-${k}`);
const buttons = {
  save: byId<HTMLButtonElement>('report-save'),
  sign: byId<HTMLButtonElement>('report-sign'),
  correct: byId<HTMLButtonElement>('report-correct'),
};
let current: ActReport = { editable: false, versions: [] };

function content(): Content {
  const c = {} as Content;
  for (const k of SECTIONS) c[k] = field(k).value;
  return c;
}

function show(r: ActReport): void {
  current = r;
  const last = r.versions.at(-1);
  const draft = last?.status === 'draft' ? last : undefined;
  for (const k of SECTIONS) {
    field(k).value = last?.content[k] ?? '';
    field(k).readOnly = !r.editable || (last !== undefined && draft === undefined);
  }
  buttons.save.disabled = !r.editable || (last !== undefined && draft === undefined);
  buttons.sign.disabled = !r.editable || (last !== undefined && draft === undefined);
  buttons.correct.disabled = !r.editable || last === undefined || draft !== undefined;
  state.textContent = !r.editable
    ? t.readOnly
    : last === undefined
      ? t.none
      : draft
        ? format(t.draftOf, { n: draft.version })
        : format(t.signedOf, { n: last.version, name: last.signature?.name ?? '', at: when.format(new Date(last.signature?.at ?? 0)) });
  list.replaceChildren(
    ...r.versions.map((v) => {
      const li = document.createElement('li');
      li.dataset.version = String(v.version);
      li.dataset.status = v.status;
      if (v.status === 'signed' && v.signature) {
        li.append(format(t.signedOf, { n: v.version, name: v.signature.name, at: when.format(new Date(v.signature.at)) }), ' — ');
        const a = document.createElement('a');
        a.href = `${api}/${v.version}/pdf?lang=${lang}`;
        a.target = '_blank';
        a.textContent = t.pdf;
        li.append(a);
      } else li.append(format(t.draftOf, { n: v.version }));
      return li;
    }),
  );
}

async function call(method: string, path: string, body?: unknown): Promise<boolean> {
  const r = await fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!r.ok) {
    const m = ((await r.json().catch(() => ({}))) as { message?: string }).message ?? String(r.status);
    message.textContent = format(t.failed, { message: m });
    return false;
  }
  return true;
}

async function reload(): Promise<void> {
  const r = await fetch(api);
  if (r.ok) show((await r.json()) as ActReport);
  else message.textContent = format(t.failed, { message: ((await r.json()) as { message?: string }).message ?? String(r.status) });
}

async function save(): Promise<boolean> {
  const draft = current.versions.at(-1);
  const ok =
    draft === undefined ? await call('POST', '', { content: content() }) : await call('PUT', `/${draft.version}`, { content: content() });
  if (ok) message.textContent = t.saved;
  await reload();
  return ok;
}

buttons.save.addEventListener('click', () => void save());
buttons.sign.addEventListener('click', () => {
  void (async () => {
    if (!(await save())) return;
    const v = current.versions.at(-1);
    if (v && (await call('POST', `/${v.version}/sign`))) message.textContent = format(t.signedOk, { n: v.version });
    await reload();
  })();
});
buttons.correct.addEventListener('click', () => {
  void (async () => {
    await call('POST', '/corrections');
    await reload();
  })();
});
void reload();
