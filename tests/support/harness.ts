import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { mediaDir, modelsDir, repoRoot } from '../../common/env.js';

/**
 * Shared plumbing for integration and e2e tests: the real models and footage (MINGLIANG_MODELS_DIR and
 * MINGLIANG_MEDIA_DIR, falling back to ../shared beside the repository), temp dirs and a quiet logger.
 */
export const testModelsDir = (): string => (process.env.MINGLIANG_MODELS_DIR ? modelsDir() : path.join(repoRoot, '..', 'shared', 'models'));
export const testMediaDir = (): string => mediaDir();

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `ml-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that stays quiet unless TEST_LOG_LEVEL is set (e.g. `TEST_LOG_LEVEL=debug npx vitest …`). */
export function testLogger(name: string): Logger {
  return pino({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
