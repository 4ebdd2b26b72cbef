/**
 * Counts the system calls a process makes over a window, with `strace -c` attached to it
 * (all its threads). A count is exact whatever else the machine runs, and it sees what an
 * instruction count cannot: callgrind counts user-space instructions only, so a change that
 * saves write system calls (each a loopback TCP send that also runs the receiver's network
 * path in the kernel) shows there as no change at all. strace slows the traced process a
 * lot: a run that counts system calls says nothing about CPU time.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The calls that move bytes on sockets and pipes, and the loop's waits. */
const TRACED = [
  'write',
  'writev',
  'sendto',
  'sendmsg',
  'read',
  'readv',
  'recvfrom',
  'recvmsg',
  'epoll_wait',
  'epoll_pwait',
  'futex',
];

export interface SyscallCounter {
  /** Detaches strace and returns the calls it counted, by name. */
  stop(): Promise<Record<string, number>>;
}

/** Attaches `strace -c -f` to `pid`; resolves once it is attached. */
export async function countSyscalls(pid: number, outFile: string): Promise<SyscallCounter> {
  const child = spawn(
    'strace',
    ['-c', '-f', '-p', String(pid), '-e', `trace=${TRACED.join(',')}`, '-o', outFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`strace did not attach: ${err}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (/attached/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`strace exited: ${err}`));
    });
  });
  return {
    async stop() {
      child.kill('SIGINT');
      await exited;
      return parseSummary(readFileSync(outFile, 'utf8'));
    },
  };
}

/** `strace -c`'s table: `% time seconds usecs/call calls [errors] syscall`. */
function parseSummary(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const name = cols.at(-1);
    if (cols.length < 5 || !name || !/^[a-z_0-9]+$/.test(name) || name === 'total') continue;
    const calls = Number(cols[3]);
    if (Number.isFinite(calls)) counts[name] = calls;
  }
  return counts;
}
