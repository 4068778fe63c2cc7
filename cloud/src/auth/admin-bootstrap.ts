import type { UsersRepository } from '../db/users-repo.js';
import { hashPassword, randomPassword, verifyPassword } from './passwords.js';

/** What {@link ensureAdmin} did. */
export interface AdminBootstrapResult {
  created: boolean;
  /** The generated password, only when this call created the admin without a configured password. */
  generatedPassword: string | null;
  /** True when an existing admin's password was replaced by the configured one. */
  passwordReset: boolean;
}

/**
 * Makes sure the configured admin account exists. A configured password is authoritative (applied to
 * an existing account too, which is how a lost password is reset); with none, a random password is
 * generated only when the account is created, and returned so it can be shown once.
 */
export async function ensureAdmin(
  users: UsersRepository,
  admin: { username: string; password: string },
  now: () => number = Date.now,
): Promise<AdminBootstrapResult> {
  const existing = users.findByUsername(admin.username);
  if (!existing) {
    const password = admin.password || randomPassword();
    users.create(admin.username, await hashPassword(password), 'admin', now());
    return { created: true, generatedPassword: admin.password ? null : password, passwordReset: false };
  }
  if (admin.password && !(await verifyPassword(existing.passwordHash, admin.password))) {
    users.setPasswordHash(existing.id, await hashPassword(admin.password), now());
    return { created: false, generatedPassword: null, passwordReset: true };
  }
  return { created: false, generatedPassword: null, passwordReset: false };
}
