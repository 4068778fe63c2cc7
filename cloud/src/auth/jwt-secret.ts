import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** File in the data directory that keeps a generated JWT secret across restarts. */
export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * The configured secret, or the one generated on a previous start, or a new one written now with
 * owner-only permissions. Keeping it in dataDir means issued tokens stay valid across restarts.
 */
export function resolveJwtSecret(configured: string, dataDir: string): string {
  if (configured !== '') return configured;
  const file = path.join(dataDir, JWT_SECRET_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= 32) return stored;
    throw new Error(`${file} holds a secret shorter than 32 characters; delete it to generate a new one`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(48).toString('base64url');
  // 'wx' fails if another process created the file meanwhile instead of silently replacing its secret.
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
