/**
 * `npm run docs:config`: rewrites the README's configuration table from CONFIG_SPEC, so the table
 * always says what `loadConfig` accepts (test/config.test.ts fails when they disagree).
 */
import fs from 'node:fs';
import path from 'node:path';
import { withConfigTable } from '../../src/config-docs.js';
import { PROJECT_ROOT } from '../stack/config.js';

const readme = path.join(PROJECT_ROOT, 'README.md');
fs.writeFileSync(readme, withConfigTable(fs.readFileSync(readme, 'utf8')));
console.log(`Configuration table of ${path.relative(process.cwd(), readme) || readme} rewritten.`);
