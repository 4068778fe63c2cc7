import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Hashes a password with argon2id (the library's default algorithm; its default costs follow the
 * OWASP minimum of 19 MiB, 2 passes) into a PHC string that records its own parameters.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Checks a password against a PHC string; a malformed stored hash counts as a mismatch. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    // A corrupt or foreign hash string must not become a 500 on login; it simply does not match.
    return false;
  }
}

/** A random password for a bootstrap account: 18 bytes, 24 URL-safe characters. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}
