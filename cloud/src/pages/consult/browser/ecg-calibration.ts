/**
 * The screen calibration behind a true-to-scale ECG, and the rate and scale shown under the trace.
 * The specialist lays a payment card on the screen and sets the bar to its width; the density
 * (CSS px per mm) is kept in this browser. Until then the page uses CSS's nominal millimetre and
 * says the screen is not calibrated.
 */
import { byId } from '@telecart/ui/browser';
import { format } from '@telecart/ui/i18n';
import { CARD_WIDTH_MM, cssPxPerMmFromCard, NOMINAL_CSS_PX_PER_MM } from './ecg-paper.js';
import { t } from './i18n.js';

const STORAGE_KEY = 'telecart.ecg.cssPxPerMm';

/** The kept density, or undefined when this screen was never calibrated. */
export function storedScale(): number | undefined {
  try {
    const v = Number(localStorage.getItem(STORAGE_KEY));
    return cssPxPerMmFromCard(v * CARD_WIDTH_MM);
  } catch {
    return undefined;
  }
}

let lastRate: number | undefined;

/** Heart rate and scale texts, in the page's language (redrawn on a language switch). */
export function showEcgInfo(bpm: number | undefined = lastRate): void {
  lastRate = bpm;
  byId('ecg-hr').textContent = bpm === undefined ? t().ecgRateNone : format(t().ecgRate, { bpm });
  byId('ecg-scale').textContent = storedScale() === undefined ? t().ecgScaleNominal : t().ecgScaleCalibrated;
}

/** Wires the calibration panel; `apply` redraws the paper at a new density. */
export function initEcgCalibration(apply: (cssPxPerMm: number) => void): void {
  const panel = byId('ecg-calibration');
  const bar = byId('ecg-card-bar');
  const width = byId<HTMLInputElement>('ecg-card-width');
  const setBar = () => {
    bar.style.width = `${width.value}px`;
  };
  byId('ecg-calibrate').addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    width.value = String(Math.round((storedScale() ?? NOMINAL_CSS_PX_PER_MM) * CARD_WIDTH_MM));
    setBar();
  });
  width.addEventListener('input', setBar);
  byId('ecg-calibration-save').addEventListener('click', () => {
    const v = cssPxPerMmFromCard(Number(width.value));
    if (v === undefined) return;
    try {
      localStorage.setItem(STORAGE_KEY, String(v));
    } catch {
      /* storage off: this page keeps it until reload */
    }
    panel.hidden = true;
    apply(v);
    showEcgInfo();
  });
  byId('ecg-calibration-reset').addEventListener('click', () => {
    try {
      localStorage.removeItem(STORAGE_KEY);
    } catch {
      /* storage off */
    }
    panel.hidden = true;
    apply(NOMINAL_CSS_PX_PER_MM);
    showEcgInfo();
  });
  showEcgInfo();
}
