/**
 * fast-xml-parser, loaded at the first parse: the gateway imports this workspace at start but
 * parses ONVIF XML only in an act (the camera) or a discovery, and the parser is ~8 MiB resident
 * to load (docs/footprint.md). Parsing is synchronous, hence require rather than import().
 */
import { createRequire } from 'node:module';
import type { X2jOptions, XMLParser } from 'fast-xml-parser';

const require = createRequire(import.meta.url);

/** A parser with these options, made on first use. */
export function lazyXmlParser(options: X2jOptions): () => XMLParser {
  let parser: XMLParser | undefined;
  return () => {
    if (!parser) {
      const { XMLParser: Parser } = require('fast-xml-parser') as typeof import('fast-xml-parser');
      parser = new Parser(options);
    }
    return parser;
  };
}
