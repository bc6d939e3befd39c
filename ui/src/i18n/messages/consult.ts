/** The consult page's wording (filled when the page moves to consult's pages/ folder). */
import type { Messages } from '../types.js';

export const consult = {} as const satisfies Messages;
