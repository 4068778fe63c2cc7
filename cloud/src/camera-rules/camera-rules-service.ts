import type { FastifyBaseLogger } from 'fastify';
import {
  CodedError,
  formatRuleSetProblems,
  parseCameraRuleSet,
  ruleSetProblems,
  type CameraRulesResponse,
  type CameraRuleSet,
  type RulesReport,
} from '../../../protocol/index.js';
import type { AuthUser } from '../access/access-scope.js';
import type { Repositories } from '../db/repositories.js';
import type { CameraRulesRepository } from './camera-rules-repo.js';
import type { CameraSnapshot, EdgeRulesCommands } from './edge-rules-commands.js';

export interface CameraRulesServiceDeps {
  repos: Repositories;
  rules: CameraRulesRepository;
  edges: EdgeRulesCommands;
  /** Tells viewers a camera changed (its rule ids). */
  publishCamera: (cameraId: string) => void;
  log: FastifyBaseLogger;
  /** How long an edge may take to check and swap a rule set, or to encode a snapshot. */
  commandTimeoutMs: number;
  now?: () => number;
}

/** What a save did: applied on the edge now, or stored for the edge to get when it is back. */
export interface SaveOutcome {
  applied: boolean;
  revision: number;
  state: CameraRulesResponse;
}

/**
 * Camera rules managed in the cloud. A save is checked with the protocol's schema and geometry checks
 * (and the camera's detectable classes when its edge reported them), then sent to the owning edge,
 * which checks it again against its models and runs it; a refusal changes nothing and is answered
 * with the edge's problems. An edge that is away gets the saved revision when it reports its rules
 * after reconnecting. Work on one camera is serialised, so revisions never race.
 */
export class CameraRulesService {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly deps: CameraRulesServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The rules state of a camera the caller may see (scope is checked by the route). */
  state(cameraId: string): CameraRulesResponse {
    const camera = this.deps.repos.cameras.get(cameraId);
    if (!camera) throw new CodedError('NOT_FOUND', `no camera ${cameraId}`);
    const r = this.deps.rules.get(cameraId);
    const desired =
      r && r.revision !== null && r.rules !== null && r.updatedAt !== null
        ? { revision: r.revision, rules: r.rules, updatedAt: r.updatedAt, updatedBy: r.updatedBy }
        : null;
    const appliedRevision = r?.appliedRevision ?? null;
    return {
      cameraId,
      desired,
      applied: {
        revision: appliedRevision,
        at: r?.appliedAt ?? null,
        error: r?.applyError ?? null,
        inSync: desired === null || desired.revision === appliedRevision,
      },
      ruleIds: camera.rules,
      reported: r?.reported && r.reportedAt !== null ? { rules: r.reported, at: r.reportedAt } : null,
      classes: r?.classes ?? null,
      edgeOnline: this.deps.edges.isOnline(camera.edgeId),
    };
  }

  /**
   * Saves a new revision of a camera's rules and applies it on the edge if it is online.
   * @throws CodedError BAD_REQUEST naming every problem by key path (the cloud's checks or the edge's); nothing is stored then
   */
  save(cameraId: string, body: unknown, user: AuthUser): Promise<SaveOutcome> {
    return this.serial(cameraId, async () => {
      const camera = this.deps.repos.cameras.get(cameraId);
      if (!camera) throw new CodedError('NOT_FOUND', `no camera ${cameraId}`);
      const parsed = parseCameraRuleSet(body);
      if (!parsed.ok) throw new CodedError('BAD_REQUEST', `invalid rule set: ${formatRuleSetProblems(parsed.problems)}`);
      const rules = parsed.value;
      const classes = this.deps.rules.get(cameraId)?.classes;
      const problems = ruleSetProblems(rules, classes ? { labels: new Set(classes) } : {});
      if (problems.length > 0) throw new CodedError('BAD_REQUEST', `invalid rule set: ${formatRuleSetProblems(problems)}`);
      const revision = this.deps.rules.nextRevision(cameraId);
      const storePending = (): SaveOutcome => {
        this.deps.repos.transaction(() => this.deps.rules.saveDesired(cameraId, revision, rules, user.id, this.now()));
        return { applied: false, revision, state: this.state(cameraId) };
      };
      if (!this.deps.edges.isOnline(camera.edgeId)) return storePending();
      let ack;
      try {
        ack = await this.deps.edges.apply(camera.edgeId, { cameraId, revision, rules }, this.deps.commandTimeoutMs);
      } catch (err) {
        // Gone or silent: it may still have applied it; its next report tells, and the revision is sent again if not.
        this.deps.log.warn({ camera: cameraId, revision, reason: (err as Error).message }, 'rules not confirmed by the edge; kept as pending');
        return storePending();
      }
      if (!ack.ok) {
        const detail = ack.problems && ack.problems.length > 0 ? formatRuleSetProblems(ack.problems) : ack.error.message;
        if (ack.error.code === 'BAD_REQUEST' || ack.error.code === 'BAD_MESSAGE') {
          throw new CodedError('BAD_REQUEST', `edge ${camera.edgeId} refused the rule set: ${detail}`);
        }
        throw new CodedError('CONFLICT', `edge ${camera.edgeId} cannot apply rules to camera ${cameraId}: ${detail}`);
      }
      const at = this.now();
      const changed = this.deps.repos.transaction(() => {
        this.deps.rules.saveDesired(cameraId, revision, rules, user.id, at);
        this.deps.rules.markApplied(cameraId, ack.revision, at);
        return this.deps.repos.cameras.setRuleIds(cameraId, ack.ruleIds, at);
      });
      if (changed) this.deps.publishCamera(cameraId);
      return { applied: true, revision, state: this.state(cameraId) };
    });
  }

  /**
   * Records what an edge reports running, then sends the desired revision to each camera that runs
   * another one. Cameras of other edges are refused as a whole, like a heartbeat's.
   */
  report(edgeId: string, msg: RulesReport): void {
    if (msg.edgeId !== edgeId) throw new CodedError('BAD_MESSAGE', `/edgeId: ${msg.edgeId} is not this connection's edge ${edgeId}`);
    const foreign = msg.cameras.filter((c) => this.deps.repos.cameras.ownerOf(c.cameraId) !== edgeId).map((c) => c.cameraId);
    if (foreign.length > 0) throw new CodedError('FORBIDDEN', `camera(s) ${foreign.join(', ')} are not declared by edge ${edgeId}`);
    const at = this.now();
    this.deps.repos.transaction(() => {
      for (const c of msg.cameras) this.deps.rules.saveReport(c.cameraId, c.revision ?? null, c.rules, c.classes, at);
    });
    for (const c of msg.cameras) {
      void this.reconcile(edgeId, c.cameraId, c.revision ?? null).catch((err: unknown) =>
        this.deps.log.error({ err, camera: c.cameraId }, 'could not send the desired rules to the edge'),
      );
    }
  }

  /** A current JPEG of a camera from its edge. */
  async snapshot(cameraId: string): Promise<CameraSnapshot> {
    const camera = this.deps.repos.cameras.get(cameraId);
    if (!camera) throw new CodedError('NOT_FOUND', `no camera ${cameraId}`);
    if (!this.deps.edges.isOnline(camera.edgeId)) {
      throw new CodedError('NOT_READY', `edge ${camera.edgeId} of camera ${cameraId} is offline; a current picture needs it online`, 503);
    }
    return this.deps.edges.snapshot(camera.edgeId, { cameraId }, this.deps.commandTimeoutMs);
  }

  private reconcile(edgeId: string, cameraId: string, running: number | null): Promise<void> {
    return this.serial(cameraId, async () => {
      const desired = this.deps.rules.get(cameraId);
      if (!desired || desired.revision === null || desired.rules === null || desired.revision === running) return;
      const { revision } = desired;
      const rules: CameraRuleSet = desired.rules;
      this.deps.log.info({ edgeId, camera: cameraId, revision, running }, 'sending the desired rules to the edge');
      const ack = await this.deps.edges.apply(edgeId, { cameraId, revision, rules }, this.deps.commandTimeoutMs);
      const at = this.now();
      if (!ack.ok) {
        const detail = ack.problems && ack.problems.length > 0 ? formatRuleSetProblems(ack.problems) : ack.error.message;
        this.deps.log.warn({ edgeId, camera: cameraId, revision, reason: detail }, 'edge refused the desired rules');
        this.deps.repos.transaction(() => this.deps.rules.markError(cameraId, `revision ${revision} refused: ${detail}`));
        return;
      }
      const changed = this.deps.repos.transaction(() => {
        this.deps.rules.markApplied(cameraId, ack.revision, at);
        return this.deps.repos.cameras.setRuleIds(cameraId, ack.ruleIds, at);
      });
      if (changed) this.deps.publishCamera(cameraId);
    });
  }

  /** Runs `fn` after the camera's previous work, whatever its outcome. */
  private serial<T>(cameraId: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.queues.get(cameraId) ?? Promise.resolve()).then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(cameraId, tail);
    // Forget an idle camera so the map does not grow with every camera ever touched.
    void tail.then(() => {
      if (this.queues.get(cameraId) === tail) this.queues.delete(cameraId);
    });
    return result;
  }
}
