/** One AWS API call as the emulator answered it (control endpoint `GET /_emulator/calls`). */
export interface CallRecord {
  /** Sequence number, from 1. */
  seq: number;
  /** `ecs`, `ecr`, `sts`, `logs`, or `unknown`. */
  service: string;
  operation: string;
  /** Emulated time of the call, ISO-8601. */
  time: string;
  /** Real time of the call, epoch milliseconds. */
  realMs: number;
  /** Real milliseconds taken to answer (latency faults included). */
  durationMs: number;
  /** HTTP status; 0 when the connection was reset. */
  status: number;
  /** Error code (`__type` / XML Code), `ConnectionReset` for a reset. */
  errorCode?: string;
  /** Identity making the call. */
  callerArn: string;
  /** Id of the injected fault that shaped this answer. */
  faultId?: string;
  /** The IAM decision when the call was authorised against the caller's policies (scenario `iam`). */
  authorization?: 'allow' | 'explicit-deny' | 'implicit-deny';
}

export interface CallFilter {
  service?: string;
  operation?: string;
  /** Only failed calls (status ≥ 400 or reset) when true, only successes when false. */
  failed?: boolean;
}

const MAX_RECORDS = 100_000;

export class CallLog {
  private records: CallRecord[] = [];
  private seq = 0;

  add(record: Omit<CallRecord, 'seq'>): CallRecord {
    const full = { seq: ++this.seq, ...record };
    this.records.push(full);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    return full;
  }

  list(filter: CallFilter = {}): CallRecord[] {
    return this.records.filter(
      (record) =>
        (!filter.service || record.service === filter.service) &&
        (!filter.operation || record.operation === filter.operation) &&
        (filter.failed === undefined || filter.failed === (record.status === 0 || record.status >= 400)),
    );
  }

  clear(): void {
    this.records = [];
  }
}
