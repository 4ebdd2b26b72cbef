/**
 * `npm run bench -- <name> [args…]` runs one benchmark; `npm run bench` runs them all.
 * Each benchmark is a module with `run(args)` that prints one JSON line per measurement.
 * Adding one is one line below.
 */
export interface Bench {
  run(args: string[]): Promise<void>;
}

const benches: Record<string, () => Promise<Bench>> = {
  store: () => import('./store.ts'),
  connections: () => import('./connections.ts'),
  messaging: () => import('./messaging.ts'),
  cost: () => import('./cost.ts'),
  'tail-reads': () => import('./tail-reads.ts'),
  calls: () => import('./calls.ts'),
  startup: () => import('./startup.ts'),
  push: () => import('./push.ts'),
  audit: () => import('./audit.ts'),
  'web-load': () => import('./web-load.ts'),
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name.startsWith('-')) {
    for (const load of Object.values(benches)) await (await load()).run(argv);
    return;
  }
  const load = benches[name];
  if (!load) {
    console.error(`unknown bench "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.exit(1);
  }
  await (await load()).run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
