/** Times as a datetime-local input in Paris takes them, for tests that book through the pages. */
export const PARIS = 'Europe/Paris';

/** A wall-clock time in Paris for a datetime-local input, `m` minutes from now (rounded up to the minute), and the same instant in ISO. */
export function parisLocal(m: number): { input: string; iso: string } {
  const d = new Date(Math.ceil((Date.now() + m * 60_000) / 60_000) * 60_000);
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: PARIS,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return { input: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`, iso: d.toISOString() };
}
