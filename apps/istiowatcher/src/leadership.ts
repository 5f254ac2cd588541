// What the watcher needs to know of leadership, apart from how it is won: without leader election
// it is always leader, and this module loads no Kubernetes client.

/** Whether this replica may act now, and the token that fences what it writes. */
export interface Leadership {
  isLeader(): boolean;
  /**
   * The fencing token of this replica's current term: the Lease holder and its leaseTransitions
   * (`istiowatcher-0/3`), written as the owner annotation and `test`ed by every later write.
   * Undefined when not leading.
   */
  token(): string | undefined;
  /** How long this replica may still act without renewing (ms, monotonic); 0 when not leading. */
  remainingMs(): number;
  /** Reads the Lease now: true only if it still names this replica in this term. */
  confirm(): Promise<boolean>;
  stop(): Promise<void>;
}

/** `holder/leaseTransitions`. */
export function fencingToken(holder: string, transitions: number): string {
  return `${holder}/${transitions}`;
}

/** Without leader election (file router, dry run, or switched off) the one replica always acts; its token is its name. */
export function alwaysLeader(identity: string): Leadership {
  return {
    isLeader: () => true,
    token: () => identity,
    remainingMs: () => Number.POSITIVE_INFINITY,
    confirm: async () => true,
    stop: async () => {},
  };
}
