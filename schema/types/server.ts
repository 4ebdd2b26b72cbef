import { builder } from '../builder.ts';

builder.queryField('serverInfo', (t) =>
  t.field({
    type: builder.objectRef<{ mode: string; version: string }>('ServerInfo').implement({
      fields: (f) => ({
        mode: f.exposeString('mode', { description: '`memory` (demo mode, not durable) or `postgres`.' }),
        version: f.exposeString('version'),
      }),
    }),
    resolve: (_root, _args, ctx) => ({ mode: ctx.services.mode, version: ctx.services.version }),
  }),
);
