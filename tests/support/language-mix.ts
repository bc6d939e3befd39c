/**
 * "No page mixes languages": the words a page shows in one language must not include a catalogue
 * message of the other one. Given the page's visible text (document.body.innerText, the title and
 * the accessible labels), returns the other language's messages found in it. Messages that are
 * the same in both languages, or too short to tell (≤ 3 letters: "ID", "ECG"), are not evidence.
 */
import { CATALOGUE, type Lang, type Message } from '../../ui/src/i18n/index.js';

/** `part` as whole words: English "Alert" is not found in French "Alertes". */
function containsWords(text: string, part: string): boolean {
  const escaped = part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u').test(text);
}

export function otherLanguageMessages(visibleText: string, lang: Lang): string[] {
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  const found: string[] = [];
  for (const [ns, messages] of Object.entries(CATALOGUE)) {
    for (const [key, m] of Object.entries(messages as Record<string, Message>)) {
      const foreign = m[other];
      if (foreign === m[lang] || foreign.replace(/\{\w+\}/g, '').trim().length <= 3) continue;
      // A message with placeholders is looked for by its longest fixed part that the page's own
      // language does not also use ('HR {bpm} /min' is not told by its '/min': 'FC {bpm} /min' has it too).
      const own = m[lang];
      const part =
        foreign
          .split(/\{\w+\}/)
          .map((p) => p.trim())
          .filter((p) => !own.includes(p))
          .sort((a, b) => b.length - a.length)[0] ?? '';
      if (part.length > 3 && containsWords(visibleText, part)) found.push(`${ns}.${key}: ${foreign}`);
    }
  }
  return found;
}
