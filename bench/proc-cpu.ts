import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc times (USER_HZ is 100 on every mainstream kernel build). */
const HZ = 100;

interface ProcCpu {
  pid: number;
  ppid: number;
  comm: string;
  /** user + system CPU seconds so far. */
  cpu: number;
}

function readStat(pid: number): ProcCpu | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
  // comm is in parentheses and may contain spaces: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  const ppid = Number(f[1]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  return { pid, ppid, comm, cpu: (utime + stime) / HZ };
}

/**
 * CPU seconds of the live descendants of `root` whose command name matches `comm` (all when omitted),
 * leaving out the processes in `exclude` (and their descendants).
 */
export function descendantsCpu(root: number, comm?: string, exclude: ReadonlySet<number> = new Set()): number {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(Number(d)))
    .filter((p): p is ProcCpu => p !== undefined);
  const children = new Map<number, ProcCpu[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let total = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop();
    if (!p) break;
    if (exclude.has(p.pid)) continue;
    if (!comm || p.comm === comm) total += p.cpu;
    stack.push(...(children.get(p.pid) ?? []));
  }
  return total;
}

/** CPU seconds of this Node process (all its threads: main, workers, libuv and onnxruntime pools). */
export function selfCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
