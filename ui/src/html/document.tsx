/**
 * Pages are Preact components rendered to a string on the server: every text and attribute value
 * is escaped by the renderer, so page code never escapes by hand. The only raw HTML a page may emit
 * is what these components produce: a built script bundle, a stylesheet and JSON for the bundle,
 * each checked here so that it cannot close its element early.
 */
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

export function renderDocument(root: VNode): string {
  return `<!doctype html>\n${renderToString(root)}`;
}

/** Renders a fragment (a table body a page swaps in, say) with the same escaping. */
export function renderFragment(node: ComponentChildren): string {
  return renderToString(<>{node}</>);
}

/** JSON that is safe inside a <script> element (no `</script>`, no line separators JavaScript would choke on). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Data for the page's bundle: `<script type="application/json" id=…>`; read with JSON.parse(textContent). */
export function JsonData(props: { id: string; value: unknown }): VNode {
  return <script id={props.id} type="application/json" dangerouslySetInnerHTML={{ __html: scriptJson(props.value) }} />;
}

function refuseClosingTag(source: string, tag: 'script' | 'style'): string {
  if (new RegExp(`</${tag}`, 'i').test(source)) throw new Error(`inline ${tag} contains </${tag}: it would end the element early`);
  return source;
}

/** A built bundle inlined in the page (allowed by its hash in the page's CSP). */
export function InlineScript(props: { source: string }): VNode {
  return <script dangerouslySetInnerHTML={{ __html: refuseClosingTag(props.source, 'script') }} />;
}

/** The page's stylesheet inlined (allowed by its hash in the page's CSP). */
export function InlineStyle(props: { css: string }): VNode {
  return <style dangerouslySetInnerHTML={{ __html: refuseClosingTag(props.css, 'style') }} />;
}

/**
 * The <head> every page has: charset, viewport, title, icon and its inlined stylesheets, in that
 * order. Anything else a page needs there (a referrer policy, a linked stylesheet) comes as children,
 * before the styles.
 */
export function PageHead(props: {
  title: string;
  icon: string;
  css: string | readonly string[];
  /** The catalogue key the page's script re-translates the title with, when it does. */
  titleKey?: string;
  children?: ComponentChildren;
}): VNode {
  const styles = typeof props.css === 'string' ? [props.css] : props.css;
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {props.children}
      <title data-i18n={props.titleKey}>{props.title}</title>
      <link rel="icon" href={props.icon} type="image/svg+xml" />
      {styles.map((css) => (
        <InlineStyle css={css} />
      ))}
    </head>
  );
}
