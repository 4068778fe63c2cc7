import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Hashes an edge token for storage. Edge tokens are long random secrets, so a fast hash is enough:
 * unlike passwords they cannot be guessed from a dictionary, and a salt-free hash lets the cloud look
 * one up without knowing which edge sent it.
 */
export function hashEdgeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored hash in constant time. */
export function edgeTokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashEdgeToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
