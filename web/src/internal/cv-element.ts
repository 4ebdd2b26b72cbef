import { ContextConsumer } from '@lit/context';
import { LitElement } from 'lit';
import type { CallVaultClient } from '../client/client.ts';
import { clientContext } from './context.ts';

/**
 * Base of the app's elements: gets the data layer from context and re-renders on its
 * `change` event. Elements read the client's state and call its actions, nothing else.
 */
export class CvElement extends LitElement {
  #client: CallVaultClient | undefined;
  readonly #onChange = () => this.requestUpdate();

  constructor() {
    super();
    new ContextConsumer(this, {
      context: clientContext,
      subscribe: true,
      callback: (client) => this.#attach(client),
    });
  }

  get client(): CallVaultClient | undefined {
    return this.#client;
  }

  #attach(client: CallVaultClient): void {
    this.#client?.removeEventListener('change', this.#onChange);
    this.#client = client;
    client.addEventListener('change', this.#onChange);
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#client?.removeEventListener('change', this.#onChange);
    this.#client = undefined;
  }
}
