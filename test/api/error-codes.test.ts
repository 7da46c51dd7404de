import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/api/error-codes';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
/** The worker side: its errors become Temporal failures, never HTTP answers. */
const NOT_HTTP = ['activities', 'workflows', 'linkedin'].map((d) => join(SRC, d));

const CLASS_STATUS: Record<string, number> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  UnprocessableError: 422,
  ServiceUnavailableError: 503,
};

function sourceFiles(dir: string): string[] {
  if (NOT_HTTP.includes(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every (code, status) a throw site in src/ can produce, with where it is. */
function thrownCodes(): Array<{ code: string; status: number | undefined; where: string }> {
  const found: Array<{ code: string; status: number | undefined; where: string }> = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    for (const m of text.matchAll(/new (\w+Error)\(\s*'([a-z_]+)'/g)) {
      const [, cls, arg] = m as unknown as [string, string, string];
      if (cls === 'NotFoundError') found.push({ code: `${arg}_not_found`, status: 404, where });
      else if (cls in CLASS_STATUS) found.push({ code: arg, status: CLASS_STATUS[cls], where });
    }
    if (/new UnauthorizedError\(\)/.test(text)) found.push({ code: 'unauthorized', status: 401, where });
    for (const m of text.matchAll(/new AppError\(\s*'([a-z_]+)',[^,]+,\s*(\d{3})/g)) found.push({ code: m[1]!, status: Number(m[2]), where });
    for (const m of text.matchAll(/\bapiError\(\s*'([a-z_]+)'/g)) found.push({ code: m[1]!, status: undefined, where });
    for (const m of text.matchAll(/\bnotFound\(\s*'([a-z_]+)'/g)) found.push({ code: `${m[1]!}_not_found`, status: 404, where });
  }
  return found;
}

function documentedCodes(): Map<string, number[]> {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, number[]>();
  for (const m of doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*([\d, ]+?)\s*\|/gm)) {
    assert.ok(!rows.has(m[1]!), `docs/errors.md lists ${m[1]} twice`);
    rows.set(m[1]!, m[2]!.split(',').map((s) => Number(s.trim())));
  }
  return rows;
}

void describe('error codes', () => {
  void it('every code thrown in src/ (HTTP side) is registered in ERROR_CODES with the same status', () => {
    const thrown = thrownCodes();
    assert.ok(thrown.length > 20, 'the scan finds the throw sites');
    for (const { code, status, where } of thrown) {
      const entry = ERROR_CODES[code as keyof typeof ERROR_CODES] as { status: number; alsoAs?: readonly number[] } | undefined;
      assert.ok(entry, `${code} (thrown in ${where}) is not in src/api/error-codes.ts`);
      if (status !== undefined) assert.ok([entry.status, ...(entry.alsoAs ?? [])].includes(status), `${code} is thrown with ${status} in ${where}, registered as ${entry.status}`);
    }
  });

  void it('every registered code is thrown somewhere (no stale entries)', () => {
    const thrown = new Set(thrownCodes().map((t) => t.code));
    for (const code of Object.keys(ERROR_CODES)) assert.ok(thrown.has(code), `${code} is registered but never thrown`);
  });

  void it('docs/errors.md lists exactly the registered codes, with their statuses', () => {
    const documented = documentedCodes();
    const registered = new Map(Object.entries(ERROR_CODES).map(([code, e]) => [code, [e.status, ...((e as { alsoAs?: readonly number[] }).alsoAs ?? [])]]));
    assert.deepEqual([...documented.keys()].sort(), [...registered.keys()].sort());
    for (const [code, statuses] of registered) assert.deepEqual(documented.get(code), statuses, `status of ${code} in docs/errors.md`);
  });
});
