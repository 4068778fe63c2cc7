import type { Logger } from 'pino';
import sharp from 'sharp';
import Type from 'typebox';
import { ConfigError } from '../../../common/config-loader.js';
import {
  CameraSnapshotCommand,
  compileValidator,
  formatIssues,
  formatRuleSetProblems,
  Id,
  parseCameraRuleSet,
  ruleSetProblems,
  RulesRevision,
  type Ack,
  type CameraSnapshotAck,
  type RuleSetProblem,
  type RulesApplyAck,
  type RulesReport,
} from '../../../protocol/index.js';
import type { Pipeline } from '../pipeline.js';
import { keepFrame } from '../frame-lease.js';
import type { EdgeCommandSocket } from '../relay/index.js';
import type { AppliedRulesStore } from './applied-rules-store.js';

/** What rule sync needs of the pipeline. */
export type RulesPipelinePort = Pick<Pipeline, 'cameraRules' | 'planRules' | 'replaceRules' | 'latestFrame'>;

export interface RulesSyncOptions {
  pipeline: RulesPipelinePort;
  store: AppliedRulesStore;
  /** Camera ids the edge analyses, in config order. */
  cameraIds: readonly string[];
  /** The cloud revision each camera started with (loaded from the store); absent = config-file rules. */
  revisions: ReadonlyMap<string, number>;
  edgeId: string;
  jpegQuality: number;
  logger: Logger;
}

// The rule set is checked on its own afterwards, so its problems carry paths relative to the set.
const applyEnvelope = compileValidator(Type.Object({ cameraId: Id, revision: RulesRevision, rules: Type.Unknown() }, { additionalProperties: false }));
const snapshotValidator = compileValidator(CameraSnapshotCommand);

const refuse = (code: 'BAD_MESSAGE' | 'BAD_REQUEST' | 'NOT_FOUND' | 'INTERNAL', message: string, problems?: RuleSetProblem[]): RulesApplyAck => ({
  ok: false,
  error: { code, message },
  ...(problems ? { problems: problems.slice(0, 100) } : {}),
});

/**
 * The edge's side of camera rules managed in the cloud: reports what each camera runs, applies a
 * cloud revision live (checked like the config file, kept on disk, swapped between frames), and
 * answers a current picture of a camera for drawing zones on.
 */
export class RulesSync {
  private readonly revisions: Map<string, number>;
  /** One apply at a time per camera: a check, a write and a swap must not interleave with another's. */
  private readonly applying = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: RulesSyncOptions) {
    this.revisions = new Map(opts.revisions);
  }

  /** The cloud revision a camera runs; undefined = its config-file rules. */
  revisionOf(cameraId: string): number | undefined {
    return this.revisions.get(cameraId);
  }

  /** Every analysed camera's rules, revision and detectable classes, for `rules:report`. */
  report(): RulesReport {
    const cameras = this.opts.cameraIds.flatMap((cameraId) => {
      const now = this.opts.pipeline.cameraRules(cameraId);
      if (!now) return [];
      const revision = this.revisions.get(cameraId);
      return [{ cameraId, ...(revision !== undefined ? { revision } : {}), rules: now.rules, classes: [...now.classes] }];
    });
    return { edgeId: this.opts.edgeId, cameras };
  }

  /** Handles `rules:apply`; never throws. */
  apply(payload: unknown): Promise<RulesApplyAck> {
    const envelope = applyEnvelope.check(payload);
    if (!envelope.ok) return Promise.resolve(refuse('BAD_MESSAGE', `rules:apply: ${formatIssues(envelope.issues)}`));
    const { cameraId } = envelope.value;
    const previous = this.applying.get(cameraId) ?? Promise.resolve();
    const next = previous.then(() => this.applyNow(envelope.value.cameraId, envelope.value.revision, envelope.value.rules));
    this.applying.set(
      cameraId,
      next.catch(() => undefined),
    );
    return next.catch((err: unknown) => {
      this.opts.logger.error({ err, camera: cameraId }, 'applying cloud rules failed');
      return refuse('INTERNAL', `applying the rules failed on the edge: ${(err as Error).message}`);
    });
  }

  private async applyNow(cameraId: string, revision: number, raw: unknown): Promise<RulesApplyAck> {
    const { pipeline, store, logger } = this.opts;
    const current = pipeline.cameraRules(cameraId);
    if (!current) return refuse('NOT_FOUND', `camera ${cameraId} is not analysed on edge ${this.opts.edgeId}`);
    // A resend of what runs already (a lost ack, a reconnect): nothing to do.
    if (this.revisions.get(cameraId) === revision) return { ok: true, revision, ruleIds: [...current.ruleIds] };
    const parsed = parseCameraRuleSet(raw);
    if (!parsed.ok) return refuse('BAD_REQUEST', `rules of camera ${cameraId} refused: ${formatRuleSetProblems(parsed.problems)}`, parsed.problems);
    const rules = parsed.value;
    const structural = ruleSetProblems(rules);
    if (structural.length > 0) return refuse('BAD_REQUEST', `rules of camera ${cameraId} refused: ${formatRuleSetProblems(structural)}`, structural);
    let plan;
    try {
      // The same resolution as at config load: a class none of the camera's models detects is refused here.
      plan = pipeline.planRules(cameraId, rules);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const problems = err.problems.map((p) => ({ path: p.path, message: p.message }));
      return refuse('BAD_REQUEST', `rules of camera ${cameraId} refused: ${formatRuleSetProblems(problems)}`, problems);
    }
    // Kept before it runs: a crash right after the swap must not bring back the old rules at the next start.
    store.save({ cameraId, revision, rules, appliedAt: Date.now() });
    await pipeline.replaceRules(cameraId, rules, plan);
    this.revisions.set(cameraId, revision);
    logger.info({ camera: cameraId, revision }, 'cloud rules applied');
    return { ok: true, revision, ruleIds: plan.rules.map((r) => r.config.id) };
  }

  /** Handles `camera:snapshot`: the newest analysed frame as JPEG; never throws. */
  async snapshot(payload: unknown): Promise<CameraSnapshotAck> {
    const checked = snapshotValidator.check(payload);
    if (!checked.ok) return { ok: false, error: { code: 'BAD_MESSAGE', message: `camera:snapshot: ${formatIssues(checked.issues)}` } };
    const { cameraId } = checked.value;
    if (!this.opts.pipeline.cameraRules(cameraId)) return { ok: false, error: { code: 'NOT_FOUND', message: `camera ${cameraId} is not analysed on edge ${this.opts.edgeId}` } };
    const latest = this.opts.pipeline.latestFrame(cameraId);
    if (!latest) return { ok: false, error: { code: 'NOT_READY', message: `camera ${cameraId} has not delivered a frame yet` } };
    // Kept before the first await: analysis goes on while it is encoded, and its buffer must not be refilled.
    const frame = keepFrame(latest);
    try {
      const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality: this.opts.jpegQuality }).toBuffer();
      return { ok: true, jpeg, width: frame.width, height: frame.height, capturedAt: frame.capturedAt };
    } catch (err) {
      this.opts.logger.error({ err, camera: cameraId }, 'snapshot encoding failed');
      return { ok: false, error: { code: 'INTERNAL', message: 'the edge could not encode the frame' } };
    }
  }
}

/**
 * Routes the cloud's `rules:apply` and `camera:snapshot` on `socket` to `sync` and answers each.
 * @returns a function that removes the listeners
 */
export function attachRulesCommands(socket: EdgeCommandSocket, sync: RulesSync): () => void {
  const reply = <T>(ack: unknown, res: T): void => {
    if (typeof ack === 'function') (ack as (res: T) => void)(res);
  };
  // Payloads are typed by the event map but arrive from the network: RulesSync checks them.
  const onApply = (cmd: unknown, ack: unknown): void => {
    void sync.apply(cmd).then((res) => reply(ack, res));
  };
  const onSnapshot = (cmd: unknown, ack: unknown): void => {
    void sync.snapshot(cmd).then((res) => reply(ack, res));
  };
  socket.on('rules:apply', onApply);
  socket.on('camera:snapshot', onSnapshot);
  return () => {
    socket.off('rules:apply', onApply);
    socket.off('camera:snapshot', onSnapshot);
  };
}

/** Sends `rules:report` once (after an accepted hello); a lost one is sent again at the next hello. */
export async function sendRulesReport(socket: EdgeCommandSocket, sync: RulesSync, timeoutMs: number, logger: Logger): Promise<void> {
  try {
    const res = (await socket.timeout(timeoutMs).emitWithAck('rules:report', sync.report())) as Ack;
    if (!res.ok) logger.warn({ error: res.error }, 'cloud refused the rules report');
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'rules report not acknowledged');
  }
}
