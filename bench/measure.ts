import { sign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** Operations per second of a synchronous operation, after a warm-up, over `durationMilliseconds`. */
export function rate(durationMilliseconds: number, operation: () => void): number {
  for (let warmup = 0; warmup < 50; warmup += 1) operation();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMilliseconds) {
    for (let batch = 0; batch < 20; batch += 1) operation();
    count += 20;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

/**
 * Completions per second of an asynchronous operation run by `concurrency` workers until
 * `durationMilliseconds` pass or `limit` operations have started.
 */
export async function concurrentRate(
  options: { durationMilliseconds: number; concurrency: number; limit?: number },
  operation: (worker: number, index: number) => Promise<void>,
): Promise<{ perSecond: number; count: number }> {
  const start = performance.now();
  let started = 0;
  let completed = 0;
  const worker = async (id: number) => {
    while (performance.now() - start < options.durationMilliseconds && started < (options.limit ?? Infinity)) {
      const index = started++;
      await operation(id, index);
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
  const elapsed = performance.now() - start;
  return { perSecond: (completed * 1000) / elapsed, count: completed };
}

/** One raw RSA-2048 PKCS#1 v1.5 SHA-256 signature over a SignedInfo-sized input: the floor of a signed token. */
const signedInfoSized = Buffer.alloc(700, 0x61);
export function rawRsaSignature(privateKey: KeyObject): Buffer {
  return sign('sha256', signedInfoSized, privateKey);
}

/** Raw RSA-2048 signatures per second on this thread (see rawRsaSignature). */
export function rsaSignaturesPerSecond(privateKey: KeyObject, durationMilliseconds: number): number {
  return rate(durationMilliseconds, () => rawRsaSignature(privateKey));
}

/** A process's peak resident set size in MiB (Linux VmHWM), or undefined where /proc is missing. */
export function peakRssMiB(pid: number = process.pid): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux), or undefined elsewhere. */
export function processCpuSeconds(pid: number = process.pid): number | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by every process with this command name (e.g. all `postgres` backends), from /proc. */
export function commandCpuSeconds(command: string): number | undefined {
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) total += processCpuSeconds(Number(entry)) ?? 0;
      } catch {
        // the process ended while being read
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** A figure as a ratio to its reference, with its target (≥) where it has one. */
export function ratioFigure(name: string, value: number, unit: string, reference: NonNullable<BenchFigure['reference']>, target?: number): BenchFigure {
  const ratio = value / reference.value;
  return { name, value, unit, reference, ratio, ...(target !== undefined && { target: `≥ ${target}`, met: ratio >= target }) };
}

/** One printed figure of `npm run bench`: a value, and where there is one, its ratio to a reference measured in the same run. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly reference?: { readonly name: string; readonly value: number; readonly unit: string };
  /** value ÷ reference (or reference ÷ value for times, as stated in `name`). */
  readonly ratio?: number;
  /** What the ratio should reach, e.g. "≥ 0.5". */
  readonly target?: string;
  readonly met?: boolean;
}

export function formatFigure(figure: BenchFigure): string {
  const value = `${figure.value.toFixed(figure.value < 10 ? 2 : 0)} ${figure.unit}`;
  const reference = figure.reference ? ` vs ${figure.reference.name} ${figure.reference.value.toFixed(figure.reference.value < 10 ? 2 : 0)} ${figure.reference.unit}` : '';
  const ratio = figure.ratio !== undefined ? `  ratio ${figure.ratio.toFixed(3)}` : '';
  const target = figure.target ? `  (target ${figure.target}: ${figure.met ? 'met' : 'NOT met'})` : '';
  return `${figure.name}: ${value}${reference}${ratio}${target}`;
}
