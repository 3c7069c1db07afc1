import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { SERVICE_NODE_FLAGS } from '../../src/cli/node-flags.js';

const read = (file: string): string => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

describe('the Node flags the service starts with', () => {
  it('are the same in the pipeline script, the installed command and SERVICE_NODE_FLAGS', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.pipeline).toBe(
      `exec node ${SERVICE_NODE_FLAGS.join(' ')} --import tsx src/cli/pipeline.ts`,
    );
    // env -S splits the rest of the line into words (Linux coreutils 8.30+, macOS, the BSDs).
    expect(read('src/cli/bin.ts').split('\n', 1)[0]).toBe(
      `#!/usr/bin/env -S node ${SERVICE_NODE_FLAGS.join(' ')}`,
    );
  });
});
