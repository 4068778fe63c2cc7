import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { CameraRuleSet, compileValidator, formatIssues, RulesRevision, EpochMs } from '../../../protocol/index.js';

/** What the edge keeps of a cloud revision of one camera's rules. */
export const AppliedRules = Type.Object(
  { cameraId: Type.String(), revision: RulesRevision, rules: CameraRuleSet, appliedAt: EpochMs },
  { additionalProperties: false },
);
export type AppliedRules = Static<typeof AppliedRules>;

const validator = compileValidator(AppliedRules);

/**
 * The cloud's rule revisions, one JSON file per camera under `<dataDir>/rules/<cameraId>.json`, so a
 * restarted edge runs the revision the cloud last applied rather than falling back to its config
 * file's rules. Written to a temporary file and renamed, so a crash leaves the old or the new file,
 * never half of one. Camera ids are safe file names (protocol `Id`: no slash, no leading dot).
 */
export class AppliedRulesStore {
  constructor(private readonly dir: string) {}

  private file(cameraId: string): string {
    return path.join(this.dir, `${cameraId}.json`);
  }

  /**
   * The stored revision of a camera, or undefined when there is none.
   * @throws Error when a file exists but cannot be read or is not a valid record (the caller decides)
   */
  load(cameraId: string): AppliedRules | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(cameraId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const checked = validator.check(JSON.parse(text));
    if (!checked.ok) throw new Error(`${this.file(cameraId)}: ${formatIssues(checked.issues)}`);
    if (checked.value.cameraId !== cameraId) throw new Error(`${this.file(cameraId)} holds the rules of camera ${checked.value.cameraId}`);
    return checked.value;
  }

  save(record: AppliedRules): void {
    mkdirSync(this.dir, { recursive: true });
    const target = this.file(record.cameraId);
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(tmp, target);
  }

  /** Forgets a camera's revision (the config file's rules apply again at the next start). */
  remove(cameraId: string): void {
    rmSync(this.file(cameraId), { force: true });
  }
}
