import { writeFileSync } from 'node:fs';
import { buildAsyncApiDocument } from './asyncapi.js';

const out = new URL('../asyncapi.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`);
console.log(`wrote ${out.pathname.split('/').slice(-2).join('/')}`);
