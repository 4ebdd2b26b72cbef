import client from 'prom-client';
import type { PushCounters } from '../app/push/sender.ts';
import type { CallTally } from '../events/calls/projection.ts';

interface OperationLabels {
  field: string;
  kind: string;
  outcome: string;
}

/** Prometheus metrics, one registry per app instance (tests build several apps in one process). */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  let push: PushCounters | null = null;
  let calls: (() => CallTally) | null = null;
  /** Operations by label values, counted here and handed to prom-client at each scrape. */
  const operationCounts = new Map<string, { labels: OperationLabels; count: number }>();
  return {
    registry,
    /**
     * Counts one GraphQL operation: a Map entry per label set, so the hot path skips
     * prom-client's label checks and hashing, which ran on every message (issue 16). Label
     * values come from the schema (api/graphql.ts), so the map stays small.
     */
    countOperation(field: string, kind: string, outcome: 'ok' | 'error') {
      const key = `${field} ${kind} ${outcome}`;
      const entry = operationCounts.get(key);
      if (entry) entry.count += 1;
      else operationCounts.set(key, { labels: { field, kind, outcome }, count: 1 });
    },
    /** Serves the push sender's counters (sent, failed, removed, retried, dropped). */
    observePush(counters: PushCounters | null) {
      push = counters;
    },
    pushNotifications: new client.Counter({
      name: 'callvault_push_notifications_total',
      help: 'Web Push notifications by outcome: sent, failed, removed (404/410), retried, dropped (queue full)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        if (!push) return;
        this.reset();
        for (const [outcome, value] of Object.entries(push)) this.labels({ outcome }).inc(value);
      },
    }),
    /**
     * Serves the call tally of the calls read model. Read from the projection, not counted by
     * this node as calls end: every node folds the whole log, so each one reports the same
     * totals, they survive restarts (replay rebuilds them), and a call ended on another node
     * is counted too.
     */
    observeCalls(tally: () => CallTally) {
      calls = tally;
    },
    calls: new client.Counter({
      name: 'callvault_calls_total',
      help: 'Ended calls (whole log) by outcome: connected (media connected, per the quality reports), failed (never connected), unreported (no report)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        if (!calls) return;
        const t = calls();
        this.reset();
        for (const outcome of ['connected', 'failed', 'unreported'] as const)
          this.labels({ outcome }).inc(t[outcome]);
      },
    }),
    callsRelayed: new client.Counter({
      name: 'callvault_calls_relayed_total',
      help: 'Ended calls (whole log) whose reported media path went through a TURN relay',
      registers: [registry],
      collect() {
        if (!calls) return;
        this.reset();
        this.inc(calls().relayed);
      },
    }),
    connections: new client.Gauge({
      name: 'callvault_websocket_connections',
      help: 'Open graphql-ws connections',
      registers: [registry],
    }),
    operations: new client.Counter({
      name: 'callvault_graphql_operations_total',
      // Never the client-chosen operation name: label values must be bounded (api/graphql.ts).
      help: 'GraphQL operations by root field (or "multiple"), kind and outcome',
      labelNames: ['field', 'kind', 'outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, count } of operationCounts.values()) this.inc(labels, count);
      },
    }),
    appendSeconds: new client.Histogram({
      name: 'callvault_event_append_seconds',
      help: 'Time to append events to the log (command handling included)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    subscriptionLagSeconds: new client.Histogram({
      name: 'callvault_subscription_lag_seconds',
      help: 'Time from an event being recorded to its delivery to a subscriber',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    projectionPosition: new client.Gauge({
      name: 'callvault_projection_position',
      help: 'Last log position folded into the read models',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
