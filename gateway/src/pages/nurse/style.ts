/** The nurse page's stylesheet: inlined in the page, allowed by its hash in the page's CSP. */
export const NURSE_PAGE_CSS = `
  body { font: 18px system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #111; }
  header { background: #0b5394; color: #fff; padding: .6em 1em; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 1.1em; margin: 0; flex: 1; }
  select, button { font-size: 1em; padding: .35em .6em; }
  main { padding: 1em; }
  #who { font-weight: bold; font-size: 1.2em; margin-bottom: .6em; }
  #who.none { color: #b45309; }
  #live { color: #555; min-height: 1.4em; }
  ul { list-style: none; padding: 0; }
  li { background: #fff; margin: .4em 0; padding: .6em .8em; border-radius: 6px; display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
  li .v { font-weight: bold; min-width: 10em; }
  li .held { color: #b45309; font-weight: bold; }
  li.invalid .v { color: #6b7280; text-decoration: line-through; }
  li .invalid-note { color: #b91c1c; }
  li .t { color: #555; font-size: .85em; }
  #tc { background: #fff; border-radius: 6px; padding: .6em .8em; margin-bottom: 1em; display: flex; gap: .8em; align-items: center; flex-wrap: wrap; }
  #tc-call { background: #0b5394; color: #fff; border: 0; border-radius: 4px; }
  #tc-call:disabled { background: #9fb3c8; }
  #tc-status { font-weight: bold; }
  #refused-readings { background: #fef3c7; color: #78350f; padding: .6em .8em; border-radius: 6px; margin-bottom: .6em; }
  #tc-patient { font-weight: bold; }
  #tc-patient .other { font-weight: normal; color: #b45309; }
  #store { background: #b91c1c; color: #fff; padding: .6em .8em; border-radius: 6px; margin-bottom: .6em; font-weight: bold; }
  #tc-status[data-status="in-progress"] { color: #15803d; }
  #tc-status[data-status="waiting"], #tc-status[data-status="reconnecting"] { color: #b45309; }
  #tc-consent { flex-basis: 100%; border: 1px solid #cbd5e1; border-radius: 6px; display: flex; gap: .4em 1em; flex-wrap: wrap; align-items: center; }
  #tc-consent input[type=text] { font-size: .9em; }
  /* The lock screen: keys and buttons at least 64 px, for gloved fingers (48 px is the floor). */
  #lock { max-width: 34em; margin: 1em auto; background: #fff; border-radius: 8px; padding: 1em; text-align: center; }
  #lock-msg { color: #b91c1c; font-weight: bold; min-height: 1.4em; }
  #lock-nurses { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr)); gap: .6em; }
  #lock-nurses li { padding: 0; background: none; margin: 0; }
  #lock-nurses button, #lock .wide { width: 100%; min-height: 64px; font-size: 1.1em; margin-top: .6em; }
  #keypad { display: grid; grid-template-columns: repeat(3, 1fr); gap: .6em; max-width: 20em; margin: .6em auto; }
  #keypad .key { min-height: 72px; min-width: 72px; font-size: 1.6em; border-radius: 8px; }
  #lock-pin-dots { display: block; font-size: 2em; letter-spacing: .3em; min-height: 1.4em; }
  #lock-full label { display: block; text-align: left; margin: .6em 0; }
  #lock-full input { display: block; width: 100%; box-sizing: border-box; min-height: 56px; font-size: 1.2em; }
  body[data-locked="1"] main, body[data-locked="1"] header label, body[data-locked="1"] #clear { display: none; }
  #nurse-name { font-weight: bold; }
  #nurse-lock, #nurse-change { min-height: 48px; }
  #convo-guests { display: flex; flex-wrap: wrap; gap: .75em; }
  #convo-guests figure { margin: 0; flex: 1 1 240px; max-width: 420px; }
  #convo-guests video { display: block; width: 100%; aspect-ratio: 16 / 9; background: #000; }
  #convo-guests figcaption { font-weight: bold; }
  #convo-guests figure[data-speaking="true"] video { outline: 4px solid #2e7d32; }
  #convo-guests figure[data-pinned="true"] figcaption::before { content: "📌 "; }
`;
