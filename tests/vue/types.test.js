// Type check of pkg/vue.d.ts: compiles types/usage.ts with the TypeScript compiler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

test('pkg/vue.d.ts types the documented usages (tsc -p types)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`tsc reported errors:\n${error.stdout}${error.stderr}`);
  }
});
