import { CodedError } from '../../../protocol/index.js';
import type { EdgesRepository } from '../db/edges-repo.js';
import { edgeTokenMatches } from './edge-tokens.js';

/** Checks edge credentials (socket.io handshake and evidence uploads) against the stored hashes. */
export class EdgeAuthenticator {
  constructor(private readonly edges: EdgesRepository) {}

  /**
   * @returns the authenticated edge id
   * @throws CodedError UNAUTHORIZED, with one message for every failure so callers learn nothing
   *   about which edge ids exist
   */
  authenticate(edgeId: unknown, token: unknown): string {
    if (typeof edgeId === 'string' && typeof token === 'string' && edgeId !== '' && token !== '') {
      const edge = this.edges.findActive(edgeId);
      if (edge && edgeTokenMatches(token, edge.tokenHash)) return edge.id;
    }
    throw new CodedError('UNAUTHORIZED', 'unknown edge, wrong token or revoked edge');
  }
}
