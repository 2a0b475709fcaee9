import type { AppContext } from './context.ts';
import type { Services } from './services.ts';

export type OptionSpec = Readonly<Record<string, { type: 'string' | 'boolean'; choices?: readonly string[] }>>;

export interface CommandInput {
  /** Positional arguments after the command words, by the names in `positionals`. */
  readonly args: Readonly<Record<string, string>>;
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly context: AppContext;
  /** What the modules provide each other (core/services.ts), built from their `provide` as for the server. */
  readonly services: Services;
  /** Reads a secret from standard input (never from argv, where `ps` and shell history see it). */
  readSecret(): Promise<string>;
}

/** What a command produced: `json` for `--json`, `text` for people. */
export interface CommandOutput {
  readonly json: unknown;
  readonly text: string;
}

export interface CommandDefinition {
  /** The command words, e.g. ['user', 'mfa', 'enroll']. */
  readonly words: readonly string[];
  readonly positionals: readonly string[];
  readonly options?: OptionSpec;
  readonly summary: string;
  run(input: CommandInput): Promise<CommandOutput>;
}

/** Formats rows as an aligned text table. */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
