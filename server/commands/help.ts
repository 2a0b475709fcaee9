import type { CommandDefinition } from '../../core/commands.ts';

/**
 * `--help` / `-h` for every command, from the command definitions alone: `lanyard <command words>
 * --help` prints that command's usage and options, `lanyard <first words> --help` the commands
 * starting with them, `lanyard --help | -h | help [words]` all of them. Answered before config is
 * loaded or a database opened, so help works on a machine that has neither.
 *
 * @example
 *   helpRequested(['user', 'add', '--help'], commands);
 *   // → 'usage: lanyard user add <upn> [--name <display>] ...\n\noptions:\n  --name <display>\n...'
 */
export type HelpEntry = Pick<CommandDefinition, 'words' | 'summary' | 'options'>;

const helpFlags = new Set(['--help', '-h']);

/** The help text when `argv` asks for help, else undefined. */
export function helpRequested(argv: readonly string[], entries: readonly HelpEntry[]): string | undefined {
  // After `--` every argument is an operand, never a flag.
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const flags = argv.slice(0, end);
  const asked = flags.some((arg) => helpFlags.has(arg)) || flags[0] === 'help';
  if (!asked) return undefined;
  const words = (flags[0] === 'help' ? flags.slice(1) : flags).filter((arg) => !arg.startsWith('-'));
  const command = entries
    .filter((entry) => entry.words.every((word, index) => words[index] === word))
    .sort((a, b) => b.words.length - a.words.length)[0];
  if (command) return commandHelp(command);
  const related = entries.filter((entry) => words.length > 0 && words.every((word, index) => entry.words[index] === word));
  return overview(related.length > 0 ? related : entries);
}

/** All commands, one usage line each: `lanyard --help`, and `lanyard` alone (as a usage error). */
export function overview(entries: readonly HelpEntry[]): string {
  return ['usage: lanyard <command> [options] [--json]      (lanyard <command> --help: its options)', '', ...entries.map((entry) => `  ${entry.summary}`)].join('\n');
}

/** One command: its usage line and every option, with the values a choice option takes. */
export function commandHelp(entry: HelpEntry): string {
  const options = Object.entries(entry.options ?? {}).map(([name, option]) => {
    if (option.type === 'boolean') return `--${name}`;
    return `--${name} ${option.choices ? option.choices.join('|') : placeholder(entry.summary, name)}`;
  });
  const lines = [...options, '--json                 machine-readable output', '-h, --help             this help'];
  return [`usage: lanyard ${entry.summary}`, '', 'options:', ...lines.map((line) => `  ${line}`)].join('\n');
}

/** The summary's name for an option's value (`--name <display>` → `<display>`), else `<value>`. */
function placeholder(summary: string, name: string): string {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`--${escaped} (<[^>]+>)`).exec(summary)?.[1] ?? '<value>';
}
