import type { JWT } from '@fastify/jwt';
import Type, { type Static } from 'typebox';
import { CodedError, compileValidator } from '../../../protocol/index.js';
import type { UserRole, UsersRepository } from '../db/users-repo.js';
import type { LoginThrottle } from './login-throttle.js';
import { verifyPassword } from './passwords.js';

/** The claims inside a user token. */
export const UserClaims = Type.Object({
  sub: Type.String({ pattern: '^[0-9]+$' }),
  username: Type.String(),
  role: Type.Literal('admin'),
});
export type UserClaims = Static<typeof UserClaims>;

/** The user a request or viewer socket acts as. */
export interface AuthUser {
  id: number;
  username: string;
  role: UserRole;
}

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
  throttle: LoginThrottle;
  /** A hash of a random password, checked when the username does not exist so both cases take as long. */
  decoyHash: string;
  now?: () => number;
}

/** Password login and user-token checks, shared by REST routes and the viewer socket namespace. */
export class UserAuth {
  private readonly now: () => number;

  constructor(private readonly deps: UserAuthDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Checks a username and password and issues a token.
   * @param clientKey who is trying (the client address), for the failed-attempt throttle
   * @throws CodedError UNAUTHORIZED on any mismatch, RATE_LIMITED after too many failures
   */
  async login(username: string, password: string, clientKey: string): Promise<string> {
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
    const claims: UserClaims = { sub: String(user.id), username: user.username, role: user.role };
    return this.deps.jwt.sign(claims);
  }

  /**
   * Verifies a token's signature and expiry, then that its user still exists and is enabled, so
   * disabling a user takes effect before the token expires.
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
    return { id: user.id, username: user.username, role: user.role };
  }

  /** Extracts the token of an `authorization: Bearer <token>` header. */
  static bearerToken(header: string | undefined): string | undefined {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
}
