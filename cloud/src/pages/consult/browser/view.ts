/** Which of the page's three views shows (body[data-view], read by the tests too). */
import { byId } from '@telecart/ui/browser';

export type View = 'loading' | 'login' | 'room' | 'consult';

export function show(view: View): void {
  document.body.dataset.view = view;
  byId('login').hidden = view !== 'login';
  byId('room').hidden = view !== 'room';
  byId('consult').hidden = view !== 'consult';
  byId('logout').hidden = view === 'login' || view === 'loading';
}

export function currentView(): string | undefined {
  return document.body.dataset.view;
}
