import fs from 'node:fs';
import pino from 'pino';
import { createLogger } from '../../platform/logger';
import { cliActor } from '../../platform/actor';
import { loadConfig } from '../../platform/config';
import { withActor, type Ctx } from '../../platform/context';
import { AppError, invalid } from '../../platform/errors';
import { createServices } from '../services';

/**
 * What every CLI subcommand shares: services for the length of one command (closed afterwards, so the
 * process can exit), the `cli` actor, passwords from a file or a prompt (never from argv, where `ps`
 * and shell history would show them), and output as text or --json.
 */
export async function withCtx<T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // logs go to stderr: stdout carries the command's answer (and --json must stay parseable)
  const logger = createLogger({
    name: 'postwerk-cli',
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    destination: pino.destination(2),
  });
  const services = createServices(config, { logger });
  try {
    return await fn(withActor(services, cliActor()));
  } finally {
    await services.close();
  }
}

export interface OutputOptions {
  json?: boolean;
}

export function output(opts: OutputOptions, value: unknown, human: (v: never) => string | string[]): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  const text = human(value as never);
  process.stdout.write((Array.isArray(text) ? text.join('\n') : text) + '\n');
}

/** Longest password accepted from a file or stdin; anything longer is not a password. */
const MAX_PASSWORD_INPUT = 1024;

export async function readPassword(opts: { passwordFile?: string }, prompt = 'Password: '): Promise<string> {
  if (opts.passwordFile) {
    let text: string;
    try {
      text = fs.readFileSync(opts.passwordFile === '-' ? 0 : opts.passwordFile, 'utf8');
    } catch (e) {
      throw invalid(`cannot read --password-file ${opts.passwordFile}: ${(e as Error).message}`);
    }
    return firstLine(text);
  }
  if (!process.stdin.isTTY) return firstLine(await readAll(process.stdin));
  const first = await promptHidden(prompt);
  const again = await promptHidden('Again: ');
  if (first !== again) throw invalid('the two passwords differ');
  return first;
}

function firstLine(text: string): string {
  if (text.length > MAX_PASSWORD_INPUT) throw invalid('the password input is too long');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw invalid('no password given (use --password-file FILE, pipe it on stdin, or type it at the prompt)');
  return line;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) {
    out += chunk.toString();
    if (out.length > MAX_PASSWORD_INPUT) break;
  }
  return out;
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new AppError('validation_failed', 'cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `10GiB`, `500M`, `1073741824` → bytes (binary units: the quota figures are binary too). */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw invalid(`"${text}" is not a size (examples: 1073741824, 500MiB, 10GiB)`);
  return Math.round(Number(m[1]) * unit);
}

export const intOption = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw invalid(`${name} must be a whole number, not "${v}"`);
  return Number(v);
};
