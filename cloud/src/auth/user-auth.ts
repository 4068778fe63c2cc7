import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { JWT } from '@fastify/jwt';
import Type, { type Static } from 'typebox';
import { CodedError, compileValidator, ROLE_PERMISSIONS, UserRole, type LoginResponse } from '../../../protocol/index.js';
import type { AuthUser } from '../access/access-scope.js';
import type { RefreshTokensRepository } from '../db/refresh-tokens-repo.js';
import type { UserRecord, UsersRepository } from '../db/users-repo.js';
import type { LoginThrottle } from './login-throttle.js';
import { verifyPassword } from './passwords.js';

export type { AuthUser } from '../access/access-scope.js';

/** The claims inside a user access token. The role is informative: every check re-reads the user. */
export const UserClaims = Type.Object({
  sub: Type.String({ pattern: '^[0-9]+$' }),
  username: Type.String(),
  role: UserRole,
});
export type UserClaims = Static<typeof UserClaims>;

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: UserClaims;
    user: AuthUser;
  }
}

const claimsValidator = compileValidator(UserClaims);

/** Dependencies of {@link UserAuth}. */
export interface UserAuthDeps {
  jwt: JWT;
  users: UsersRepository;
  refreshTokens: RefreshTokensRepository;
  throttle: LoginThrottle;
  /** A hash of a random password, checked when the username does not exist so both cases take as long. */
  decoyHash: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  now?: () => number;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The session view of a user. */
export function sessionUser(user: UserRecord): LoginResponse['user'] {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    orgId: user.orgId,
    siteId: user.siteId,
    permissions: [...ROLE_PERMISSIONS[user.role]],
  };
}

/**
 * Password login, short-lived access tokens (JWT) with rotating refresh tokens, and access-token checks,
 * shared by REST routes and the viewer socket namespace.
 */
export class UserAuth {
  private readonly now: () => number;

  constructor(private readonly deps: UserAuthDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Checks a username and password and opens a session.
   * @param clientKey who is trying (the client address), for the failed-attempt throttle
   * @throws CodedError UNAUTHORIZED on any mismatch, RATE_LIMITED after too many failures
   */
  async login(username: string, password: string, clientKey: string): Promise<LoginResponse> {
    const key = `${clientKey}\u0000${username}`;
    const wait = this.deps.throttle.retryAfterMs(key, this.now());
    if (wait > 0) {
      throw new CodedError('RATE_LIMITED', `too many failed logins; retry in ${Math.ceil(wait / 1000)} s`);
    }
    const user = this.deps.users.findByUsername(username);
    const ok = await verifyPassword(user?.passwordHash ?? this.deps.decoyHash, password);
    if (!user || !ok || user.disabledAt !== null) {
      this.deps.throttle.recordFailure(key, this.now());
      throw new CodedError('UNAUTHORIZED', 'wrong username or password');
    }
    this.deps.throttle.recordSuccess(key);
    return this.issue(user, randomUUID());
  }

  /**
   * Exchanges a refresh token for a new access token and a new refresh token. A token used twice
   * means it leaked (or two tabs raced): the whole session is revoked and the caller must log in again.
   * @throws CodedError UNAUTHORIZED
   */
  refresh(refreshToken: string): LoginResponse {
    const now = this.now();
    const record = this.deps.refreshTokens.findByHash(sha256(refreshToken));
    if (!record || record.revokedAt !== null || record.expiresAt <= now) {
      throw new CodedError('UNAUTHORIZED', 'refresh token invalid or expired; log in again');
    }
    if (record.usedAt !== null || !this.deps.refreshTokens.markUsed(record.id, now)) {
      this.deps.refreshTokens.revokeFamily(record.family, now);
      throw new CodedError('UNAUTHORIZED', 'refresh token already used; the session was ended, log in again');
    }
    const user = this.deps.users.findById(record.userId);
    if (!user || user.disabledAt !== null) {
      this.deps.refreshTokens.revokeFamily(record.family, now);
      throw new CodedError('UNAUTHORIZED', 'user no longer exists or is disabled');
    }
    return this.issue(user, record.family);
  }

  /** Ends the session a refresh token belongs to; unknown tokens are ignored (logging out twice is fine). */
  logout(refreshToken: string): void {
    const record = this.deps.refreshTokens.findByHash(sha256(refreshToken));
    if (record) this.deps.refreshTokens.revokeFamily(record.family, this.now());
  }

  /** Ends every session of a user (password reset, disabling). Access tokens die at the next check. */
  endSessions(userId: number): void {
    this.deps.refreshTokens.revokeUser(userId, this.now());
  }

  /**
   * Verifies a token's signature and expiry, then that its user still exists and is enabled, so
   * disabling a user, or changing a role or scope, takes effect before the token expires.
   * @throws CodedError UNAUTHORIZED
   */
  verifyToken(token: unknown): AuthUser {
    if (typeof token !== 'string' || token === '') throw new CodedError('UNAUTHORIZED', 'missing token');
    let decoded: unknown;
    try {
      decoded = this.deps.jwt.verify<object>(token);
    } catch (err) {
      const expired = (err as { code?: unknown }).code === 'FAST_JWT_EXPIRED';
      throw new CodedError('UNAUTHORIZED', expired ? 'token expired' : 'invalid token');
    }
    const claims = claimsValidator.check(decoded);
    if (!claims.ok) throw new CodedError('UNAUTHORIZED', 'invalid token');
    const user = this.deps.users.findById(Number(claims.value.sub));
    if (!user || user.disabledAt !== null || user.username !== claims.value.username) {
      throw new CodedError('UNAUTHORIZED', 'user no longer exists or is disabled');
    }
    return { id: user.id, username: user.username, role: user.role, orgId: user.orgId, siteId: user.siteId };
  }

  /** Extracts the token of an `authorization: Bearer <token>` header. */
  static bearerToken(header: string | undefined): string | undefined {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }

  private issue(user: UserRecord, family: string): LoginResponse {
    const now = this.now();
    const claims: UserClaims = { sub: String(user.id), username: user.username, role: user.role };
    const refreshToken = randomBytes(32).toString('base64url');
    this.deps.refreshTokens.insert(user.id, family, sha256(refreshToken), now, now + this.deps.refreshTtlSeconds * 1000);
    return {
      token: this.deps.jwt.sign(claims),
      expiresIn: this.deps.accessTtlSeconds,
      refreshToken,
      user: sessionUser(user),
    };
  }
}
