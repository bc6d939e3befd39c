/** A section's free text as FHIR narrative XHTML (escaped by the renderer, one paragraph per line). */
import { renderFragment } from '@telecart/ui';

const XHTML = { xmlns: 'http://www.w3.org/1999/xhtml' } as Record<string, string>;

export function narrativeDiv(text: string): string {
  return renderFragment(
    // FHIR narrative must declare the XHTML namespace; preact's typings do not list xmlns on a div.
    <div {...XHTML}>
      {text.split('\n').map((line) => (
        <p>{line}</p>
      ))}
    </div>,
  );
}
