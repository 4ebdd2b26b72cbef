import type { PushSubscriptionData } from '../../events/push/events.ts';
import { builder, requireViewer } from '../builder.ts';
import { requestMetadata } from '../context.ts';

const PushDeviceRef = builder.objectRef<PushSubscriptionData>('PushDevice').implement({
  description: 'This device’s Web Push subscription (one per signed-in session).',
  fields: (t) => ({
    endpoint: t.exposeString('endpoint'),
    includeBody: t.exposeBoolean('includeBody', {
      description: 'Notifications carry the message text (off unless the user opted in).',
    }),
  }),
});

builder.queryField('pushPublicKey', (t) =>
  t.field({
    type: 'String',
    nullable: true,
    description:
      'The VAPID public key (base64url) to pass to `pushManager.subscribe` as `applicationServerKey`; null when push is off on this server.',
    resolve: (_root, _args, ctx) => ctx.services.queries.push.publicKey,
  }),
);

builder.queryField('pushDevice', (t) =>
  t.field({
    type: PushDeviceRef,
    nullable: true,
    description: 'The push subscription of this session, if it registered one.',
    resolve: (_root, _args, ctx) => ctx.services.queries.push.mine(requireViewer(ctx)),
  }),
);

builder.mutationField('registerPush', (t) =>
  t.field({
    type: PushDeviceRef,
    description:
      'Registers (or updates) this session’s push subscription: the endpoint (https) and keys from `PushSubscription.toJSON()`. Signing out removes it.',
    args: {
      endpoint: t.arg.string(),
      p256dh: t.arg.string({ description: '65-byte uncompressed P-256 public key, base64url.' }),
      auth: t.arg.string({ description: '16-byte authentication secret, base64url.' }),
      includeBody: t.arg.boolean({ required: false, description: 'Carry message text (default false).' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.commands.push.register(
        requireViewer(ctx),
        {
          endpoint: args.endpoint,
          p256dh: args.p256dh,
          auth: args.auth,
          includeBody: args.includeBody ?? false,
        },
        requestMetadata(ctx),
      ),
  }),
);

builder.mutationField('unregisterPush', (t) =>
  t.field({
    type: 'Boolean',
    description: 'Removes this session’s push subscription; false when it had none.',
    resolve: (_root, _args, ctx) =>
      ctx.services.commands.push.unregister(requireViewer(ctx), requestMetadata(ctx)),
  }),
);
