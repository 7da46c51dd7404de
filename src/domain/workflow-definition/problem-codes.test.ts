// Tests run on Node, not in the workflow sandbox: the domain's ban on Node built-ins does not apply here.
// node:test's describe/it return promises its runner tracks itself: nothing to await.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFINITION_PROBLEM_CODES, DEFINITION_WARNING_CODES } from './problem-codes';

const DOMAIN = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && entry.name !== 'problem-codes.ts' ? [path] : [];
  });
}

describe('definition problem codes', () => {
  const text = sources(DOMAIN)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const documented = { ...DEFINITION_PROBLEM_CODES, ...DEFINITION_WARNING_CODES };

  it('documents every code the domain emits', () => {
    const emitted = new Set([...text.matchAll(/code: '([a-z_]+)'/g)].map((m) => m[1]!));
    assert.ok(emitted.size > 10, 'the scan found the codes');
    for (const code of emitted) assert.ok(Object.hasOwn(documented, code), `code ${code} is emitted but not documented in problem-codes.ts`);
  });

  it('emits every documented code somewhere', () => {
    for (const code of Object.keys(documented)) assert.ok(text.includes(`'${code}'`), `code ${code} is documented but never emitted`);
  });
});
