import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helpRequested } from '../../server/commands/help.ts';
import { helpEntries } from '../../server/commands/registry.ts';

/**
 * Every command answers `--help` and `-h` with its usage and options (choices spelled out), and
 * exits 0 before it reads config or opens a database, so an admin can ask on a machine where
 * nothing is set up. The walk covers every registered command through the function the CLI
 * answers with; the real binaries are run for the top level and a sample (each run loads the
 * whole CLI, seconds of CPU), with no LANYARD_* settings but a database URL that cannot be
 * opened and an invalid public URL, in an empty directory that must stay empty.
 */
const root = path.resolve(import.meta.dirname, '../..');
const workDir = mkdtempSync(path.join(tmpdir(), 'lanyard-help-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Settings that make loading config, or opening the database, fail: help must need neither. */
const hostileEnv = { PATH: process.env.PATH ?? '', LANYARD_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LANYARD_PUBLIC_URL: 'not a url' };

function run(bin: 'lanyard' | 'lanyard-agent', args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', `${bin}.mjs`), ...args], { cwd: workDir, env: hostileEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('--help of every registered lanyard command', () => {
  it.each(helpEntries.map((entry) => [entry.words.join(' '), entry] as const))('%s', (_name, entry) => {
    for (const argv of [[...entry.words, '--help'], [...entry.words, '-h'], ['help', ...entry.words]]) {
      const text = helpRequested(argv, helpEntries);
      expect(text, argv.join(' ')).toBeDefined();
      expect(text!.split('\n')[0]).toBe(`usage: lanyard ${entry.summary}`);
      for (const [name, option] of Object.entries(entry.options ?? {})) {
        expect(text).toContain(`--${name}${option.choices ? ` ${option.choices.join('|')}` : ''}`);
      }
      expect(text).toContain('--json');
    }
  });

  it('finds the command with its positionals given, and lists a group by its first words', () => {
    expect(helpRequested(['user', 'add', 'alice@contoso.com', '--name', 'Alice', '-h'], helpEntries)?.split('\n')[0]).toBe(`usage: lanyard ${helpEntries.find((entry) => entry.words.join(' ') === 'user add')!.summary}`);
    const group = helpRequested(['user', '--help'], helpEntries)!;
    expect(group).toContain('user add <upn>');
    expect(group).toContain('user mfa enroll <upn>');
    expect(group).not.toContain('org create');
    expect(helpRequested(['user', 'add', 'x@y', '--', '--help'], helpEntries)).toBeUndefined();
    expect(helpRequested(['user', 'add', 'x@y'], helpEntries)).toBeUndefined();
  });
});

describe.concurrent('the real binaries answer help without config or database', () => {
  const lanyardCases: ReadonlyArray<readonly string[]> = [['--help'], ['-h'], ['help'], ['users', 'import', '--help'], ['user', 'add', '--help'], ['user', 'add', '-h'], ['federation', 'show', '-h'], ['serve', '--help']];

  it.each(lanyardCases.map((args) => [args.join(' '), args] as const))('lanyard %s', async (_name, args) => {
    const result = await run('lanyard', args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^usage: lanyard /);
    if (args.length === 1 || args[0] === 'help') for (const entry of helpEntries) expect(result.stdout).toContain(entry.summary);
    else expect(result.stdout.split('\n')[0]).toBe(`usage: lanyard ${helpEntries.find((entry) => entry.words.every((word, index) => args[index] === word))!.summary}`);
    expect(readdirSync(workDir)).toEqual([]);
  });

  const agentCases: ReadonlyArray<readonly string[]> = [['--help'], ['-h'], ['run', '--help'], ['run', '-h'], ['check', '--help'], ['help', 'run']];
  it.each(agentCases.map((args) => [args.join(' '), args] as const))('lanyard-agent %s', async (_name, args) => {
    const result = await run('lanyard-agent', args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^usage: lanyard-agent /);
    if (args.includes('run')) expect(result.stdout).toContain('--once');
    if (args.includes('check')) expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('--config <file>');
    expect(existsSync(path.join(workDir, 'data'))).toBe(false);
  });
});
