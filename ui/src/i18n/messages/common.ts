/** Words several pages use. */
import type { Messages } from '../types.js';

export const common = {
  /** The button that switches to the other language is written in that language. */
  switchToOther: { fr: 'English', en: 'Français' },
} as const satisfies Messages;
