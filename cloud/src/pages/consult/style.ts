/** The consultation page's stylesheet (inline, allowed by hash in the CSP). */
export const CONSULT_CSS = `
:root { color-scheme: light; --blue: #0b5394; --line: #d0d7de; }
body { font: 16px system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #111; }
#home-call-video { display: block; width: 100%; max-width: 640px; background: #000; }
#home-call-self { width: 160px; background: #222; }
#unit-room .tiles { display: flex; flex-wrap: wrap; gap: .75rem; }
#unit-room figure { margin: 0; flex: 1 1 280px; max-width: 480px; }
#unit-room figure video { display: block; width: 100%; aspect-ratio: 16 / 9; background: #000; }
#unit-room figcaption { font-weight: 600; }
#unit-room figure[data-speaking="true"] video { outline: 4px solid #2e7d32; }
#unit-room figure[data-pinned="true"] figcaption::before { content: "📌 "; }
#unit-room-self { width: 160px; background: #222; }
header { background: var(--blue); color: #fff; padding: .5em 1em; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
header h1 { font-size: 1.15em; margin: 0; flex: 1; }
header button { font-size: .9em; }
main { padding: 1em; max-width: 1200px; margin: 0 auto; }
[hidden] { display: none !important; }
button { font-size: 1em; padding: .35em .7em; cursor: pointer; }
button.primary { background: var(--blue); color: #fff; border: 1px solid var(--blue); border-radius: 4px; }
button.danger { background: #b42318; color: #fff; border: 1px solid #b42318; border-radius: 4px; }
form.login { background: #fff; padding: 1em 1.5em; border-radius: 8px; max-width: 22em; display: grid; gap: .6em; }
form.login input { font-size: 1em; padding: .3em; }
.error { color: #b42318; min-height: 1.2em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .45em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
td .details { display: block; color: #555; font-size: .85em; }
.badge { background: #fef3c7; color: #92400e; border-radius: 3px; padding: 0 .4em; font-size: .8em; margin-left: .4em; }
.status { font-weight: 600; }
#consult .top { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; }
#consult h2 { margin: .2em 0; flex: 1; }
.grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(16em, 1fr); gap: 1em; margin-top: .6em; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
video { width: 100%; background: #000; aspect-ratio: 16 / 9; border-radius: 6px; }
/* ECG paper: its size in millimetres is set by the page (true to scale); wider than the column, it scrolls. */
.ecg-paper { position: relative; overflow-x: auto; margin-top: .6em; background: #fff; border: 1px solid #f0c4c4; border-radius: 4px; }
.ecg-paper canvas { display: block; }
#ecg-grid { position: absolute; left: 0; top: 0; }
#ecg { position: relative; }
#ecg-hr { font-size: 1.1em; }
.vitals { background: #fff; border-radius: 6px; padding: .4em .8em; margin: .4em 0; }
.vitals h3 { font-size: 1em; margin: .2em 0; }
.vitals ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .3em 1.4em; }
#ecg-card-bar { height: 1.2em; background: #0b5394; border-radius: 4px; margin: .4em 0; width: 323px; }
.panel { background: #fff; border-radius: 6px; padding: .6em .8em; display: grid; gap: .6em; align-content: start; }
.panel h3 { margin: 0; font-size: 1em; }
#joystick { position: relative; width: 160px; height: 160px; border-radius: 50%; background: #e8eef5; border: 2px solid #9fb3c8;
  touch-action: none; user-select: none; margin: 0 auto; }
#joystick:focus { outline: 3px solid #f59e0b; }
#knob { position: absolute; width: 44px; height: 44px; left: 58px; top: 58px; border-radius: 50%; background: var(--blue); pointer-events: none; }
.zoom { display: flex; gap: .4em; align-items: center; }
.zoom input { flex: 1; }
#presets { margin: 0; padding-left: 1.4em; }
#presets li { margin: .2em 0; }
#presets button { font-size: .8em; margin-left: .3em; }
.muted { color: #555; font-size: .85em; }
audio { width: 100%; }
`;
