import { builder } from './builder.ts';
import './types/audit.ts';
import './types/auth.ts';
import './types/calls.ts';
import './types/contacts.ts';
import './types/feed.ts';
import './types/identity.ts';
import './types/messages.ts';
import './types/push.ts';
import './types/server.ts';

export const schema = builder.toSchema({ sortSchema: true });
