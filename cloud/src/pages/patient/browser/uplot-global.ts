/**
 * uPlot is not bundled: the page loads it from /assets (uplot.iife.min.js, with Subresource
 * Integrity), where the browser caches it, and it defines the global `uPlot`. Only its type comes
 * from the uplot package (import type: nothing of it enters the bundle).
 */
import type UPlot from 'uplot';

export type { UPlot };

/** The chart library, or undefined if /assets could not be loaded. */
export function uplotGlobal(): typeof UPlot | undefined {
  return (window as unknown as { uPlot?: typeof UPlot }).uPlot;
}
