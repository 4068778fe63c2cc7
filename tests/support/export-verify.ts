import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { compileValidator, ExportManifest } from '../../protocol/index.js';

/** Reads every file entry of a zip into memory (test-sized zips only). */
export async function readZip(zipFile: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true });
  const out = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip
          .openReadStreamPromise(entry)
          .then(async (stream: Readable) => {
            const chunks: Buffer[] = [];
            for await (const c of stream) chunks.push(c as Buffer);
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          })
          .catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return out;
}

const manifestValidator = compileValidator(ExportManifest);

/** What {@link verifyExport} found. */
export interface ExportVerification {
  manifest: ExportManifest | undefined;
  /** Empty when every file matches. */
  problems: string[];
}

/**
 * Checks an export the way a recipient would: `manifest.json` matches its schema, every file it
 * lists is in the zip with that size and SHA-256 (recomputed here), no other file is in the zip, and
 * `SHA256SUMS` says the same as the manifest.
 */
export function verifyExport(entries: ReadonlyMap<string, Buffer>): ExportVerification {
  const problems: string[] = [];
  const raw = entries.get('manifest.json');
  if (!raw) return { manifest: undefined, problems: ['manifest.json is missing'] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    // Not JSON: that is the finding.
    return { manifest: undefined, problems: ['manifest.json is not JSON'] };
  }
  const checked = manifestValidator.check(parsed);
  if (!checked.ok) return { manifest: undefined, problems: [`manifest.json does not match its schema: ${checked.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`] };
  const manifest = checked.value;
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const data = entries.get(f.path);
    if (!data) {
      problems.push(`${f.path}: listed but not in the zip`);
      continue;
    }
    if (data.length !== f.size) problems.push(`${f.path}: ${data.length} bytes, manifest says ${f.size}`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== f.sha256) problems.push(`${f.path}: SHA-256 ${actual}, manifest says ${f.sha256}`);
  }
  for (const name of entries.keys()) {
    if (name !== 'manifest.json' && name !== 'SHA256SUMS' && !listed.has(name)) problems.push(`${name}: in the zip but not in the manifest`);
  }
  const sums = entries.get('SHA256SUMS')?.toString('utf8');
  const expected = manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
  if (sums !== expected) problems.push('SHA256SUMS does not match manifest.json');
  return { manifest, problems };
}
