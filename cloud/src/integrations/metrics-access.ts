import { timingSafeEqual, createHash } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import { parseAddressBlock } from './integrations-config.js';

/**
 * Who may read /metrics: a client whose address is in the allow list, or one that presents the
 * configured bearer token. Metrics name cameras, edges and routes, so the default (loopback only)
 * keeps them off the network until an operator opens them on purpose.
 */
export class MetricsAccess {
  private readonly blocks = new BlockList();
  private readonly tokenDigest: Buffer | null;

  /** @throws Error naming a malformed allow-list entry (the config check reports these first) */
  constructor(allow: readonly string[], token: string) {
    for (const entry of allow) {
      const block = parseAddressBlock(entry);
      if (!block) throw new Error(`metrics allow list: "${entry}" is not an IP address or CIDR block`);
      this.blocks.addSubnet(block.address, block.prefix, block.family);
    }
    this.tokenDigest = token === '' ? null : digest(token);
  }

  /** Whether a request from `ip` with this authorization header may read the metrics. */
  allows(ip: string, authorization: string | undefined): boolean {
    if (this.tokenDigest !== null && authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      // Digests have equal length, so the comparison takes the same time whatever was sent.
      if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), this.tokenDigest)) return true;
    }
    return this.addressAllowed(ip);
  }

  /** Whether the address is in the allow list (an IPv4-mapped IPv6 address counts as its IPv4 one). */
  addressAllowed(ip: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    if (mapped !== undefined) return this.blocks.check(mapped, 'ipv4');
    return this.blocks.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
