/**
 * The specialist's consultation page (GET /consult): one static document (login, waiting room,
 * the consultation) driven by browser/main.ts; every string from the network goes in with
 * textContent. No external resources: the bundle and the stylesheet are inline, allowed by hash.
 * The page switches language in the browser: each translated text carries its catalogue key
 * (data-i18n for the text, data-i18n-aria for an accessible name).
 */
import { SUMMARY_VITALS, VITAL_CATALOGUE } from '@telecart/devices';
import type { TeleconsultStatus } from '@telecart/protocol';
import { CATALOGUE, InlineScript, JsonData, type Lang, loadPageBundle, PageHead, renderDocument, textsIn } from '@telecart/ui';
import { pageCsp } from '../../http/csp.js';
import { FAVICON_HREF } from '../../http/routes/favicon.js';
import { STATUS_LABELS } from '../../teleconsult/status-machine.js';
import type { ConsultConfig } from './config.js';
import { CONSULT_CSS } from './style.js';

const bundle = () => loadPageBundle(import.meta.url);

/** Our own inline script and style by hash; media only from WebRTC streams; connections to this origin. */
export function consultPageCsp(): string {
  return pageCsp({ scripts: [bundle().source], styles: [CONSULT_CSS], extra: ["media-src 'self' blob: mediastream:"] });
}

type Key = keyof typeof CATALOGUE.consult;

function statusesIn(lang: Lang): Record<TeleconsultStatus, string> {
  return Object.fromEntries(Object.entries(STATUS_LABELS).map(([k, v]) => [k, v[lang]])) as Record<TeleconsultStatus, string>;
}

export function renderConsultPage(o: { lang: Lang; timeZone: string }): string {
  const t = textsIn(CATALOGUE.consult, o.lang);
  const other: Lang = o.lang === 'fr' ? 'en' : 'fr';
  /** A text the browser re-translates when the language is switched. */
  const T = (p: { k: Key }) => <span data-i18n={p.k}>{t[p.k]}</span>;
  const config: ConsultConfig = {
    timeZone: o.timeZone,
    statuses: { fr: statusesIn('fr'), en: statusesIn('en') },
    vitals: SUMMARY_VITALS.map((key) => ({ key, labels: VITAL_CATALOGUE[key].labels, digits: VITAL_CATALOGUE[key].digits })),
  };
  return renderDocument(
    <html lang={o.lang}>
      <PageHead title={t.title} icon={FAVICON_HREF} css={CONSULT_CSS} titleKey="title" />
      <body data-view="loading">
        <header>
          <h1 data-i18n="heading">{t.heading}</h1>
          <span id="who" />
          <span id="ws-state" role="status" aria-live="polite" />
          <button type="button" id="lang-toggle" lang={other}>
            {t.switchTo}
          </button>
          <button type="button" id="logout" data-i18n="logout" hidden>
            {t.logout}
          </button>
        </header>
        <main>
          <section id="login" hidden aria-labelledby="login-heading">
            <h2 id="login-heading" data-i18n="loginHeading">
              {t.loginHeading}
            </h2>
            <form class="login" id="login-form" novalidate>
              <label>
                <T k="loginId" />
                <br />
                <input id="login-id" name="id" autocomplete="username" required maxLength={64} />
              </label>
              <label>
                <T k="loginPassword" />
                <br />
                <input id="login-password" name="password" type="password" autocomplete="current-password" required maxLength={256} />
              </label>
              <button type="submit" class="primary" data-i18n="loginSubmit">
                {t.loginSubmit}
              </button>
              <p id="login-error" class="error" role="alert" />
            </form>
          </section>

          <section id="room" hidden aria-labelledby="room-heading">
            <h2 id="room-heading" data-i18n="roomHeading">
              {t.roomHeading}
            </h2>
            <p id="room-empty" data-i18n="roomEmpty">
              {t.roomEmpty}
            </p>
            <table id="room-table" hidden>
              <thead>
                <tr>
                  {(['colPatient', 'colCart', 'colReason', 'colSince', 'colStatus'] as const).map((k) => (
                    <th scope="col" data-i18n={k}>
                      {t[k]}
                    </th>
                  ))}
                  <th scope="col" />
                </tr>
              </thead>
              <tbody id="room-list" />
            </table>
            <section id="home-call" class="panel" hidden aria-labelledby="home-call-heading">
              <h3 id="home-call-heading" data-i18n="homeCallHeading">
                {t.homeCallHeading}
              </h3>
              <p id="home-call-who" />
              {/* biome-ignore lint/a11y/useMediaCaption: the patient's live voice and face, no captions exist for a live call */}
              <video id="home-call-video" autoplay playsInline data-tracks="0" />
              <p id="home-call-remote-state" data-mic="" data-camera="" />
              <video id="home-call-self" autoplay playsInline muted aria-label={t.convoSelf} data-i18n-aria="convoSelf" />
              <button type="button" id="home-call-mic" aria-pressed="false">
                {t.convoMicOff}
              </button>
              <button type="button" id="home-call-cam" aria-pressed="false">
                {t.convoCamOff}
              </button>
              <button type="button" id="home-call-end" class="danger" data-i18n="homeCallEnd">
                {t.homeCallEnd}
              </button>
              <p id="home-call-note" class="muted" />
            </section>
          </section>

          {/* Who waits to be let in (the home patient, guests): beside either view, a guest arrives during a cart's act too. */}
          <section id="participants" class="panel" hidden aria-labelledby="participants-heading">
            <h3 id="participants-heading" data-i18n="participantsHeading">
              {t.participantsHeading}
            </h3>
            <ul id="participants-list" />
          </section>

          {/* The act's guests through the forwarding unit: shown beside either view (browser/unit-room.ts). */}
          <section id="unit-room" class="panel" hidden aria-labelledby="unit-room-heading">
            <h3 id="unit-room-heading" data-i18n="unitRoomHeading">
              {t.unitRoomHeading}
            </h3>
            <div id="unit-room-tiles" class="tiles" />
            <video id="unit-room-self" autoplay playsInline muted aria-label={t.unitRoomSelf} data-i18n-aria="unitRoomSelf" />
            <p id="unit-room-note" class="muted" />
          </section>

          <section id="consult" hidden aria-labelledby="consult-patient">
            <div class="top">
              {/* biome-ignore lint/a11y/useHeadingContent: the act's patient, filled in by the page's script */}
              <h2 id="consult-patient" />
              <span id="consult-caller" hidden />
              <span>
                <T k="colStatus" /> : <span id="act-status" class="status" />
              </span>
              <span id="conn-state" role="status" aria-live="polite" />
              <button type="button" id="hangup" class="danger" data-i18n="hangup">
                {t.hangup}
              </button>
              <a id="consult-report" href="/consult" target="_blank" rel="noopener" data-i18n="reportLink">
                {t.reportLink}
              </a>
              <button type="button" id="back" data-i18n="back" hidden>
                {t.back}
              </button>
            </div>
            <p id="consult-consent" class="muted" />
            <p id="consult-message" class="error" role="alert" />
            <section id="act-vitals" class="vitals" aria-labelledby="act-vitals-heading">
              <h3 id="act-vitals-heading" data-i18n="vitalsHeading">
                {t.vitalsHeading}
              </h3>
              <ul id="act-vitals-list" />
              <p id="act-vitals-none" class="muted" data-i18n="vitalsNone">
                {t.vitalsNone}
              </p>
            </section>
            <div class="grid">
              <div>
                <video id="video" autoplay playsInline muted />
                <div class="ecg-paper">
                  <canvas id="ecg-grid" />
                  <canvas
                    id="ecg"
                    aria-label={t.ecg}
                    data-i18n-aria="ecg"
                    data-chunks="0"
                    data-first-seq=""
                    data-last-seq=""
                    data-dropped="0"
                    data-skipped="0"
                    data-hr=""
                  />
                </div>
                <p class="muted ecg-info">
                  <span data-i18n="ecg">{t.ecg}</span> · <strong id="ecg-hr">{t.ecgRateNone}</strong> · <span id="ecg-scale" />{' '}
                  <button type="button" id="ecg-calibrate" data-i18n="ecgCalibrate">
                    {t.ecgCalibrate}
                  </button>
                </p>
                <div id="ecg-calibration" class="panel" hidden>
                  <p data-i18n="ecgCalibrationHelp">{t.ecgCalibrationHelp}</p>
                  <div id="ecg-card-bar" />
                  <label>
                    <span data-i18n="ecgCardWidth">{t.ecgCardWidth}</span>{' '}
                    <input id="ecg-card-width" type="range" min="150" max="900" step="1" />
                  </label>{' '}
                  <button type="button" id="ecg-calibration-save" data-i18n="ecgCalibrationSave">
                    {t.ecgCalibrationSave}
                  </button>{' '}
                  <button type="button" id="ecg-calibration-reset" data-i18n="ecgCalibrationReset">
                    {t.ecgCalibrationReset}
                  </button>
                </div>
              </div>
              <div class="panel">
                <h3 data-i18n="camera">{t.camera}</h3>
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: role=application, driven by the keyboard (arrows, +/−, space, digits) */}
                <div id="joystick" tabIndex={0} role="application" aria-label={t.joystick} data-i18n-aria="joystick">
                  <div id="knob" />
                </div>
                <div class="zoom">
                  <button type="button" id="zoom-out" aria-label={t.zoomOut} data-i18n-aria="zoomOut">
                    −
                  </button>
                  <input type="range" id="zoom" min="0" max="1" step="0.01" value="0" aria-label={t.zoom} data-i18n-aria="zoom" />
                  <button type="button" id="zoom-in" aria-label={t.zoomIn} data-i18n-aria="zoomIn">
                    +
                  </button>
                  <button type="button" id="ptz-stop" data-i18n="stop">
                    {t.stop}
                  </button>
                </div>
                <p id="ptz-info" class="muted" />
                <h3 data-i18n="presets">{t.presets}</h3>
                <ol id="presets" />
                <div class="zoom">
                  <input id="preset-name" maxLength={64} aria-label={t.presetName} data-i18n-aria="presetName" />
                  <button type="button" id="preset-save" data-i18n="presetSave">
                    {t.presetSave}
                  </button>
                </div>
                <h3 data-i18n="stethoscope">{t.stethoscope}</h3>
                {/* biome-ignore lint/a11y/useMediaCaption: the live stethoscope sound, no speech to caption */}
                <audio id="steth" autoplay controls />
              </div>
            </div>
            <section id="convo" class="panel" hidden aria-labelledby="convo-heading">
              <h3 id="convo-heading" data-i18n="convoHeading">
                {t.convoHeading}
              </h3>
              {/* biome-ignore lint/a11y/useMediaCaption: the cart's live conversation (voice and room), no captions exist for a live call */}
              <video id="convo-video" autoplay playsInline data-tracks="0" />
              <p id="convo-remote-state" data-mic="" data-camera="" />
              <video id="convo-self" autoplay playsInline muted aria-label={t.convoSelf} data-i18n-aria="convoSelf" />
              <button type="button" id="convo-mic" aria-pressed="false">
                {t.convoMicOff}
              </button>
              <button type="button" id="convo-cam" aria-pressed="false">
                {t.convoCamOff}
              </button>
              <p id="convo-note" class="muted" />
            </section>
          </section>
        </main>
        <JsonData id="consult-config" value={config} />
        <InlineScript source={bundle().source} />
      </body>
    </html>,
  );
}
