/** The dashboard page's wording (filled when the page moves to dashboard's pages/ folder). */
import type { Messages } from '../types.js';

export const dashboard = {} as const satisfies Messages;
