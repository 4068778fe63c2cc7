import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { modelsDir as defaultModelsDir } from '../common/env.js';
import { loadAllManifests, sha256File, type ModelManifest } from './manifest.js';

/**
 * `node dist/models/fetch.js [ids...]` (`npm run models:fetch -- [ids...]`): downloads the weights of
 * models whose manifest has a verified `download` source into the models directory. Each file goes to
 * a temporary name, is checked against the manifest sha256 and only then renamed into place, so an
 * interrupted download never leaves a file that looks valid. Files already present with the right hash
 * are skipped.
 */

/** One verified source of a file. */
export interface FetchSource {
  readonly url: string;
  readonly sha256: string;
}

/** What to do for one model. */
export type FetchAction =
  | { readonly kind: 'present'; readonly id: string; readonly file: string }
  | {
      readonly kind: 'fetch';
      readonly id: string;
      readonly file: string;
      readonly sha256: string;
      readonly sources: readonly FetchSource[];
      /** A file with another hash is in the way; it is replaced once the download verifies. */
      readonly replacing: boolean;
    }
  | { readonly kind: 'unavailable'; readonly id: string; readonly file: string; readonly reason: string };

/**
 * Decides per model whether to fetch. `existing` maps absolute weight paths that exist to their sha256.
 * Sources without a sha256 are never used: their content could not be checked.
 */
export function planFetch(
  manifests: readonly ModelManifest[],
  modelsDir: string,
  existing: ReadonlyMap<string, string>,
): FetchAction[] {
  return manifests.map((m): FetchAction => {
    const file = path.join(path.resolve(modelsDir), m.weights);
    const have = existing.get(file);
    if (have === m.sha256) return { kind: 'present', id: m.id, file };
    const sources = (m.download ?? []).flatMap((d) => (d.sha256 === undefined ? [] : [{ url: d.url, sha256: d.sha256 }]));
    if (sources.length > 0) return { kind: 'fetch', id: m.id, file, sha256: m.sha256, sources, replacing: have !== undefined };
    const unverified = (m.download ?? []).filter((d) => d.sha256 === undefined).map((d) => d.url);
    const why = have === undefined ? 'missing' : `present but its sha256 ${have.slice(0, 12)}… is not the manifest's ${m.sha256.slice(0, 12)}…`;
    const extra = unverified.length > 0 ? `; unverified sources, for a manual download at your own risk: ${unverified.join(', ')}` : '';
    return {
      kind: 'unavailable',
      id: m.id,
      file,
      reason: `${why}, and the manifest has no verified download source: copy the file (sha256 ${m.sha256}) there by hand${extra}`,
    };
  });
}

/** Picks the manifests named by `ids` (all when empty); unknown ids are returned, not thrown. */
export function selectManifests(
  all: readonly ModelManifest[],
  ids: readonly string[],
): { selected: ModelManifest[]; unknown: string[] } {
  if (ids.length === 0) return { selected: [...all], unknown: [] };
  const byId = new Map(all.map((m) => [m.id, m]));
  const selected: ModelManifest[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const m = byId.get(id);
    if (m) selected.push(m);
    else unknown.push(id);
  }
  return { selected, unknown };
}

/** `3.7 MB`, `512 kB`, `12 B` (decimal units, as download tools show them). */
export function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/** One progress line: `coco-yolox-nano: 1.2 MB / 3.7 MB (32%) 2.1 MB/s`; total unknown → no percentage. */
export function formatProgress(label: string, received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? ` ${formatBytes((received * 1000) / elapsedMs)}/s` : '';
  if (total === undefined || total <= 0) return `${label}: ${formatBytes(received)}${rate}`;
  const pct = Math.min(100, Math.floor((received / total) * 100));
  return `${label}: ${formatBytes(received)} / ${formatBytes(total)} (${pct}%)${rate}`;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Explains a failed download. Node's fetch reports network failures as `TypeError: fetch failed` with
 * the real reason in `cause`, which is what says whether the machine is offline.
 */
export function describeFetchError(err: unknown, url: string): string {
  const host = safeHost(url);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  if (code && OFFLINE_CODES.has(code)) {
    return `cannot reach ${host} (${code}): this machine seems to be offline or behind a firewall. Copy the weights by hand, or set MINGLIANG_MODELS_DIR to a directory that has them`;
  }
  if (err instanceof Error && err.name === 'TimeoutError') return `download from ${host} stalled (no data for a while)`;
  const msg = err instanceof Error ? err.message : String(err);
  return `download from ${host} failed: ${msg}${cause ? ` (${cause.message})` : ''}`;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    // Manifest URLs are schema-checked; fall back to the raw string for anything odd.
    return url;
  }
}

/** Progress callback: bytes so far and the announced total (undefined without Content-Length). */
export type ProgressFn = (received: number, total: number | undefined) => void;

/**
 * Downloads `url` into `file`: streams to `<file>.part-<pid>` while hashing, checks the sha256, then
 * renames. Throws (and removes the partial file) on HTTP errors, stalls and hash mismatches.
 */
export async function downloadVerified(url: string, file: string, sha256: string, onProgress: ProgressFn, stallMs = 30_000): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.part-${process.pid}`;
  const abort = new AbortController();
  let stall = setTimeout(() => abort.abort(new DOMException('no data', 'TimeoutError')), stallMs);
  const handle = await open(tmp, 'w');
  let ok = false;
  try {
    const res = await fetch(url, { signal: abort.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText} from ${url}`);
    const lengthHeader = Number(res.headers.get('content-length'));
    const total = Number.isFinite(lengthHeader) && lengthHeader > 0 ? lengthHeader : undefined;
    const hash = createHash('sha256');
    const reader = res.body.getReader();
    let received = 0;
    onProgress(0, total);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      clearTimeout(stall);
      stall = setTimeout(() => abort.abort(new DOMException('no data', 'TimeoutError')), stallMs);
      hash.update(value);
      await handle.write(value);
      received += value.byteLength;
      onProgress(received, total);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw new Error(`sha256 mismatch for ${url}: got ${actual}, expected ${sha256}`);
    await handle.close();
    await rename(tmp, file);
    ok = true;
  } finally {
    clearTimeout(stall);
    if (!ok) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    }
  }
}

/** Writes progress to stderr: redrawn in place on a terminal, every 25% otherwise (CI logs). */
function progressPrinter(label: string): ProgressFn {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  let lastQuarter = -1;
  return (received, total) => {
    const now = Date.now();
    const line = formatProgress(label, received, total, now - started);
    const finished = total !== undefined && received >= total;
    if (tty) {
      if (now - lastDraw < 100 && !finished) return;
      lastDraw = now;
      process.stderr.write(`\r${line}\x1b[K${finished ? '\n' : ''}`);
      return;
    }
    const quarter = total ? Math.floor((received / total) * 4) : Math.floor(received / 1e6);
    if (quarter !== lastQuarter) {
      lastQuarter = quarter;
      process.stderr.write(`${line}\n`);
    }
  };
}

const USAGE = `usage: node dist/models/fetch.js [--list] [model-id ...]
Downloads model weights into the models directory (MINGLIANG_MODELS_DIR, default models/ in the repo).
Without ids, every model that has a verified download source is fetched.
  --list   only show which weights are present, missing or not downloadable`;

/** CLI entry; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: { values: { list?: boolean; help?: boolean }; positionals: string[] };
  try {
    args = parseArgs({ args: [...argv], allowPositionals: true, options: { list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = defaultModelsDir();
  const { selected, unknown } = selectManifests(loadAllManifests(), args.positionals);
  if (unknown.length > 0) {
    process.stderr.write(`unknown model id(s): ${unknown.join(', ')}\n`);
    return 2;
  }
  const existing = new Map<string, string>();
  for (const m of selected) {
    const file = path.join(dir, m.weights);
    if (existsSync(file)) existing.set(file, await sha256File(file));
  }
  const plan = planFetch(selected, dir, existing);
  process.stderr.write(`models directory: ${dir}${process.env.MINGLIANG_MODELS_DIR ? ' (MINGLIANG_MODELS_DIR)' : ''}\n`);
  const explicit = args.positionals.length > 0;
  let failures = 0;
  for (const action of plan) {
    if (action.kind === 'present') {
      process.stderr.write(`${action.id}: present, sha256 ok\n`);
    } else if (action.kind === 'unavailable') {
      process.stderr.write(`${action.id}: ${action.reason}\n`);
      // Asked for by name, a model we cannot get is a failure; in "fetch everything" mode it is a note.
      if (explicit) failures++;
    } else if (args.values.list) {
      process.stderr.write(`${action.id}: ${action.replacing ? 'wrong sha256' : 'missing'}, downloadable from ${action.sources[0]?.url}\n`);
    } else if (!(await fetchOne(action))) {
      failures++;
    }
  }
  return failures > 0 ? 1 : 0;
}

async function fetchOne(action: Extract<FetchAction, { kind: 'fetch' }>): Promise<boolean> {
  for (const source of action.sources) {
    process.stderr.write(`${action.id}: downloading ${source.url}\n`);
    try {
      await downloadVerified(source.url, action.file, source.sha256, progressPrinter(action.id));
      process.stderr.write(`${action.id}: saved ${action.file}, sha256 ok\n`);
      return true;
    } catch (err) {
      // On a terminal the progress line has no newline yet.
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${action.id}: ${describeFetchError(err, source.url)}\n`);
    }
  }
  process.stderr.write(`${action.id}: no source worked; expected file ${action.file} (sha256 ${action.sha256})\n`);
  return false;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
