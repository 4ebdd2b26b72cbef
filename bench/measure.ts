/** Measuring helpers shared by the benchmarks: JSON-lines output, statistics, /proc readings. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export type Field = string | number | boolean | null | number[] | Record<string, number>;

/** Clock ticks per second of /proc times (USER_HZ). */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** A printer of one JSON line per measurement, tagged with the benchmark's name. */
export const emitter =
  (bench: string) =>
  (line: Record<string, Field>): void => {
    console.log(JSON.stringify({ bench, ...line }));
  };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const [utime, stime] = cpuTicks(pid);
  return (utime + stime) / CLK_TCK;
}

/** The part of `cpuSeconds` spent in the kernel on the process's behalf (stime). */
export function systemCpuSeconds(pid: number): number {
  return cpuTicks(pid)[1] / CLK_TCK;
}

/** utime and stime of a process, in clock ticks. */
function cpuTicks(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]), Number(fields[12])];
}

/** CPU seconds the whole machine has been busy (all cores, idle and iowait excluded). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!;
  return busy / CLK_TCK;
}

/** What every benchmark's first line says about the machine. */
export function machine(): Record<string, Field> {
  const cpus = os.cpus();
  return {
    machine: true,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    ram_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
  };
}
