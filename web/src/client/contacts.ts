import type { ContactsQuery } from '../gql/graphql.ts';

export type Contact = ContactsQuery['contacts'][number];
export type Settings = ContactsQuery['settings'];
export type Plan = ContactsQuery['plan'];

/** The name to show for an address: my nickname for them, their display name, or the address. */
export function nameOf(
  contacts: readonly Contact[],
  address: string,
  fallback: string | null = null,
): string {
  const c = contacts.find((x) => x.address === address);
  return c?.nickname || c?.displayName || fallback || `${address.slice(0, 10)}…`;
}
