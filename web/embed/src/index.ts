/**
 * CallVault's embeddable elements: `<callvault-app>`, `<cv-chat>`, `<cv-call-button>` and
 * `<cv-launcher>`. Importing this module defines them (once: a second copy of the script on
 * the same page leaves the first definitions in place).
 *
 * These names live in the host page's registry only. The frame they render is a separate
 * document on CallVault's origin, whose own `cv-chat` (the app's conversation element) is in
 * that document's registry: the two never meet.
 */
import { CallVaultAppEmbed } from './callvault-app.ts';
import { CvCallButtonEmbed } from './cv-call-button.ts';
import { CvChatEmbed } from './cv-chat.ts';
import { CvLauncherEmbed } from './cv-launcher.ts';

export {
  CvCommandError,
  type CvCommandErrorCode,
  CvEmbedElement,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  FRAME_ALLOW,
} from './embed-element.ts';
export type { CvEmbedEventMap } from './events.ts';
export type {
  CallMedia,
  CallPhase,
  EventPayloads,
  StorageMode,
  ThemePayload,
} from './protocol.ts';
export { THEME_VARIABLES } from './theme.ts';
export { CallVaultAppEmbed, CvCallButtonEmbed, CvChatEmbed, CvLauncherEmbed };

const define = (name: string, element: CustomElementConstructor) => {
  if (!customElements.get(name)) customElements.define(name, element);
};
define('callvault-app', CallVaultAppEmbed);
define('cv-chat', CvChatEmbed);
define('cv-call-button', CvCallButtonEmbed);
define('cv-launcher', CvLauncherEmbed);

declare global {
  interface HTMLElementTagNameMap {
    'callvault-app': CallVaultAppEmbed;
    'cv-chat': CvChatEmbed;
    'cv-call-button': CvCallButtonEmbed;
    'cv-launcher': CvLauncherEmbed;
  }
}
