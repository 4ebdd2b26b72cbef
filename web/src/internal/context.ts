import { createContext } from '@lit/context';
import type { CallVaultClient } from '../client/client.ts';

/** The data layer, provided once by <callvault-app> to every element below it. */
export const clientContext = createContext<CallVaultClient>(Symbol('cv-client'));
