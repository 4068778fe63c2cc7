import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { AuthUser } from '../access/access-scope.js';
import type { AuditEntry, AuditRepository } from '../db/audit-repo.js';

/** What one audit call records besides who and when. */
export interface AuditRecord {
  action: string;
  targetKind?: string | null;
  targetId?: string | number | null;
  outcome?: AuditEntry['outcome'];
  detail?: Record<string, unknown> | null;
}

/**
 * Appends to the audit log. An audit write that fails is logged at error level and never fails the
 * request it describes: the action already happened (a file was streamed, a view started), and a
 * monitoring centre must not lose live video because its audit disk is full.
 */
export class AuditTrail {
  constructor(
    private readonly repo: AuditRepository,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an action by a user (or the system when `user` is null). */
  record(user: Pick<AuthUser, 'id' | 'username' | 'role'> | null, clientIp: string | null, rec: AuditRecord): void {
    try {
      this.repo.append({
        at: this.now(),
        userId: user?.id ?? null,
        username: user?.username ?? null,
        role: user?.role ?? null,
        action: rec.action,
        targetKind: rec.targetKind ?? null,
        targetId: rec.targetId === undefined || rec.targetId === null ? null : String(rec.targetId),
        outcome: rec.outcome ?? 'ok',
        clientIp,
        detail: rec.detail ?? null,
      });
    } catch (err) {
      this.log.error({ err, action: rec.action }, 'audit write failed');
    }
  }

  /** Records an action by the request's signed-in user (or anonymous, e.g. a failed login). */
  request(request: FastifyRequest, rec: AuditRecord): void {
    this.record(request.authUser, request.ip, rec);
  }
}
