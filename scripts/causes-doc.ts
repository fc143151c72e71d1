// Writes docs/causes.md from the catalog and the inventory of messages: `npm run docs` (--check compares).
import { causesDoc } from '../src/report/causes.ts';
import { writeOrCheck } from './generated-doc.ts';

if (import.meta.main) writeOrCheck(new URL('../docs/causes.md', import.meta.url), causesDoc());
