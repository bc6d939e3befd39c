/** The patient page's wording (filled when the page moves to patient's pages/ folder). */
import type { Messages } from '../types.js';

export const patient = {} as const satisfies Messages;
