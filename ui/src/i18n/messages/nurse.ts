/** The nurse page's wording (filled when the page moves to nurse's pages/ folder). */
import type { Messages } from '../types.js';

export const nurse = {} as const satisfies Messages;
