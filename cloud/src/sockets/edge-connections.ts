/** What the registry needs of an edge socket. */
export interface EdgeConnection {
  readonly id: string;
  readonly data: { edgeId: string; helloDone: boolean };
  disconnect(close?: boolean): unknown;
}

/**
 * The live connections of each edge: lets an administrator's revocation cut an edge off at once,
 * caps the connections one edge may hold, and tells whether an edge is still there when one of its
 * sockets goes away.
 */
export class EdgeConnections<S extends EdgeConnection = EdgeConnection> {
  private readonly byEdge = new Map<string, Set<S>>();

  constructor(private readonly maxPerEdge: number) {}

  /**
   * Registers a new connection. Past the cap the edge's oldest connection is closed: a reconnecting
   * edge often outruns the server noticing that its previous socket died, and the newest is the live one.
   * @returns the connections closed to make room
   */
  add(socket: S): S[] {
    let set = this.byEdge.get(socket.data.edgeId);
    if (!set) {
      set = new Set();
      this.byEdge.set(socket.data.edgeId, set);
    }
    const evicted: S[] = [];
    // Sets iterate in insertion order: the first is the oldest.
    for (const old of set) {
      if (set.size < this.maxPerEdge) break;
      set.delete(old);
      evicted.push(old);
    }
    set.add(socket);
    for (const old of evicted) old.disconnect(true);
    return evicted;
  }

  /** Forgets a closed connection. */
  remove(socket: S): void {
    const set = this.byEdge.get(socket.data.edgeId);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.byEdge.delete(socket.data.edgeId);
  }

  /** Whether the edge has a connection whose hello was accepted. */
  hasReady(edgeId: string): boolean {
    for (const s of this.byEdge.get(edgeId) ?? []) if (s.data.helloDone) return true;
    return false;
  }

  /** The edge's newest connection whose hello was accepted: where commands to the edge go. */
  ready(edgeId: string): S | undefined {
    let found: S | undefined;
    for (const s of this.byEdge.get(edgeId) ?? []) if (s.data.helloDone) found = s;
    return found;
  }

  /** Whether the edge has any live connection. */
  isConnected(edgeId: string): boolean {
    return (this.byEdge.get(edgeId)?.size ?? 0) > 0;
  }

  /** Closes every connection of an edge. @returns how many were closed */
  disconnect(edgeId: string): number {
    const set = this.byEdge.get(edgeId);
    if (!set) return 0;
    const sockets = [...set];
    this.byEdge.delete(edgeId);
    for (const s of sockets) s.disconnect(true);
    return sockets.length;
  }
}
