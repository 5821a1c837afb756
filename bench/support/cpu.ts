// CPU accounting for the benchmarks: what each server of the bench's own stack, and the bench process
// itself, spent between two moments. Read at the phase boundaries, it says where each message's CPU
// goes on this machine, which no wall-clock figure does while other work shares the cores.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * CPU seconds used so far by the stack's servers (every process whose command line names the state
 * folder, and their children; exited children are in their parent's cutime), by server, and by this
 * process. Read at the phase boundaries, it says where each message's CPU goes on this machine.
 */
export function cpuSnapshot(home: string): Map<string, number> {
  const hz = 100;
  const procs = new Map<number, { ppid: number; comm: string; args: string; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.set(Number(d), { ppid: Number(f[1]), comm: stat.slice(stat.indexOf('(') + 1, close), args, ticks });
    } catch {
      // gone meanwhile
    }
  }
  // servers that retitle their processes (rspamd, redis) are found by their pid files
  const roots = new Map<number, string>();
  const walk = (dir: string, depth: number) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && depth < 3) walk(path.join(dir, e.name), depth + 1);
      else if (e.isFile() && e.name.endsWith('.pid')) {
        const pid = Number(readFileSync(path.join(dir, e.name), 'utf8').trim());
        if (pid) roots.set(pid, path.relative(home, dir).split('/')[0] || e.name);
      }
    }
  };
  try {
    walk(home, 0);
  } catch {
    // no state folder to look at (a stack from the environment without POSTWERK_HOME)
  }
  const server = (pid: number): string | undefined => {
    for (let id = pid, p = procs.get(id), n = 0; p && n < 10; id = p.ppid, p = procs.get(id), n++) {
      const root = roots.get(id);
      if (root) return root;
      if (p.args.includes(home)) {
        for (const name of ['rspamd', 'clamd', 'dovecot', 'redis']) if (p.args.includes(name) || p.comm.includes(name)) return name;
        return p.comm;
      }
    }
    return undefined;
  };
  const out = new Map<string, number>();
  for (const [pid, p] of procs) {
    const s = server(pid);
    if (s) out.set(s, (out.get(s) ?? 0) + p.ticks / hz);
  }
  const own = process.cpuUsage();
  out.set('node', (own.user + own.system) / 1e6);
  return out;
}

export function cpuPerMessage(before: Map<string, number>, after: Map<string, number>, n: number): string {
  return [...after]
    .map(([k, v]) => [k, ((v - (before.get(k) ?? 0)) * 1000) / n] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([k, ms]) => `${k} ${ms.toFixed(1)}`)
    .join(', ');
}
