/** An identity's plan (stream `plan-<address>`): set by an operator. */
export type Plan = 'FREE' | 'PRO';
export type PlanEvent = { type: 'PlanChanged'; data: { plan: Plan } };
export const PLAN_STREAM_PREFIX = 'plan-';
export const planStream = (address: string) => `${PLAN_STREAM_PREFIX}${address}`;
