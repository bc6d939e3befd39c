/** The join page's own rules: the conversation big and its two buttons easy to hit (an elderly patient, a tablet). */
export const JOIN_CSS = `
#call-video { display: block; width: 100%; max-width: 960px; aspect-ratio: 16 / 9; background: #000; border-radius: .4rem; }
#call-self { width: 160px; border-radius: .3rem; background: #222; }
.call-buttons { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.call-buttons[hidden] { display: none; }
.call-buttons button { font-size: 1.5rem; padding: 1rem 1.5rem; min-width: 14rem; min-height: 4rem; border-width: 2px; }
.call-buttons button[aria-pressed="true"] { background: var(--accent); color: #fff; }
#call-remote-state { font-size: 1.35rem; font-weight: 600; min-height: 1.5em; }
.tiles { display: flex; flex-wrap: wrap; gap: 1rem; }
.tiles figure { margin: 0; flex: 1 1 320px; max-width: 640px; }
.tiles figure[data-speaking="true"] video { outline: 4px solid #2e7d32; }
.tiles figure[data-pinned="true"] figcaption::before { content: "📌 "; }
.tiles video { display: block; width: 100%; aspect-ratio: 16 / 9; background: #000; border-radius: .4rem; }
.tiles figcaption { font-size: 1.25rem; font-weight: 600; margin-top: .3rem; }
#guest-room-self { width: 160px; border-radius: .3rem; background: #222; }
`;
