/**
 * Process metrics in Prometheus text format at /metrics. Counters live in this process (each node
 * reports its own; Prometheus sums across nodes).
 */
type Labels = Readonly<Record<string, string>>;

class Counter {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  add(labels: Labels = {}, amount = 1): void {
    const key = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
    this.values.set(key, (this.values.get(key) ?? 0) + amount);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ''} ${value}`);
    return lines.join('\n');
  }
}

export interface HttpMetrics {
  observeRequest(status: number, milliseconds: number): void;
}

export interface Metrics extends HttpMetrics {
  signIn(outcome: 'success' | 'failure', reason: string): void;
  tokenIssued(protocol: string, mfa: boolean): void;
  render(): string;
}

export function createMetrics(): Metrics {
  const requests = new Counter('lanyard_http_requests_total', 'HTTP requests by status class');
  const requestSeconds = new Counter('lanyard_http_request_seconds_total', 'Total seconds spent answering HTTP requests');
  const signIns = new Counter('lanyard_signin_attempts_total', 'Sign-in steps by outcome and reason');
  const tokens = new Counter('lanyard_tokens_issued_total', 'Signed tokens issued to Microsoft by protocol and MFA claim');
  return {
    observeRequest(status, milliseconds) {
      requests.add({ status: `${Math.floor(status / 100)}xx` });
      requestSeconds.add({}, milliseconds / 1000);
    },
    signIn: (outcome, reason) => signIns.add({ outcome, reason }),
    tokenIssued: (protocol, mfa) => tokens.add({ protocol, mfa: String(mfa) }),
    render: () => `${[requests, requestSeconds, signIns, tokens].map((counter) => counter.render()).join('\n')}\n`,
  };
}
