import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import { ERROR_CODES, httpStatusFor, type ErrorCode } from '../../protocol/errors.js';

/** The code bases whose wire error codes must be documented. */
const SOURCE_DIRS = ['cloud/src', 'edge/src'];

/** The first argument of `new CodedError('X', …)` and `ackError('X', …)`. */
const CODE_USES = /\b(?:CodedError|ackError)\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g;

function tsFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    // A side of the system not written yet has no codes to check.
    return [];
  }
  return entries.flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

function codeUses(): { code: string; where: string }[] {
  return SOURCE_DIRS.flatMap((dir) =>
    tsFiles(path.join(repoRoot, dir)).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [...text.matchAll(CODE_USES)].map((m) => ({
        code: m[1] ?? '',
        where: `${path.relative(repoRoot, file)}:${text.slice(0, m.index).split('\n').length}`,
      }));
    }),
  );
}

describe('error codes', () => {
  it('every code passed to CodedError or ackError under cloud/src and edge/src is documented in protocol/errors.ts', () => {
    const uses = codeUses();
    // The scan must see the cloud's uses, or a broken pattern would pass silently.
    expect(uses.filter((u) => u.where.startsWith('cloud/')).length).toBeGreaterThan(10);
    const undocumented = uses.filter((u) => !Object.hasOwn(ERROR_CODES, u.code)).map((u) => `${u.code} at ${u.where}`);
    expect(undocumented).toEqual([]);
  });

  it('every documented code has a sentence and an HTTP status', () => {
    for (const [code, doc] of Object.entries(ERROR_CODES)) {
      expect(doc.length, code).toBeGreaterThan(20);
      const status = httpStatusFor(code as ErrorCode);
      expect(status >= 400 && status < 600, `${code} → ${status}`).toBe(true);
    }
  });
});
