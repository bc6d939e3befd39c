/**
 * The virtual nurse's day: at start the demo books a few teleconsultation acts on its cart with the
 * demo specialist, through the cloud's own appointments API (POST /api/appointments, as a
 * specialist with the run's API token), so the cart's day on the nurse page, the specialist's
 * /agenda and the invitations in the mailbox have something in them. A run that finds acts still
 * to come on the cart (a restart on the same data directory) books none.
 */

export interface DemoPatient {
  id: string;
  given?: string | undefined;
  family?: string | undefined;
}

export interface DemoAct {
  patient: string;
  gateway: string;
  start: string;
  minutes: number;
  reason: string;
  specialist: string;
}

const MINUTE = 60_000;

/** The next whole 5 minutes at or after `at` (slots people can read: 10:35, not 10:33:17). */
function roundUp5(at: number): number {
  return Math.ceil(at / (5 * MINUTE)) * 5 * MINUTE;
}

/**
 * Three acts for the cart's first patients: one soon (about 10 minutes: the nurse's call in that
 * window takes it), one later today, one tomorrow. Fewer patients, fewer acts.
 */
export function demoActs(now: Date, gateway: string, patients: readonly DemoPatient[], specialist: string): DemoAct[] {
  const plan = [
    { after: 10 * MINUTE, minutes: 20, reason: 'Avis cardiologique : essoufflement à l’effort (démo)' },
    { after: 2 * 60 * MINUTE, minutes: 20, reason: 'Suivi de l’insuffisance cardiaque (démo)' },
    { after: 24 * 60 * MINUTE, minutes: 30, reason: 'Contrôle ECG après adaptation du traitement (démo)' },
  ];
  return plan.flatMap((p, i) => {
    const patient = patients[i];
    if (!patient) return [];
    return [
      {
        patient: patient.id,
        gateway,
        start: new Date(roundUp5(now.getTime() + p.after)).toISOString(),
        minutes: p.minutes,
        reason: p.reason,
        specialist,
      },
    ];
  });
}

interface Booked {
  appointment: { id: string; patientId: string; start: string };
}

/**
 * Books `acts` unless the cart already has scheduled ones to come. Returns a line per act for the
 * terminal; a refusal (the API's reason) is a line too: the demo goes on without that act.
 */
export async function bookDemoActs(o: {
  cloudUrl: string;
  token: string;
  gateway: string;
  acts: readonly DemoAct[];
  now: Date;
}): Promise<string[]> {
  const headers = { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' };
  const q = new URLSearchParams({ gateway: o.gateway, from: o.now.toISOString(), status: 'scheduled' });
  const listed = await fetch(`${o.cloudUrl}/api/appointments?${q}`, { headers });
  if (!listed.ok) return [`agenda: cannot read the cart's appointments (HTTP ${listed.status} ${await listed.text()})`];
  const { appointments } = (await listed.json()) as { appointments: unknown[] };
  if (appointments.length > 0) return [`agenda: ${appointments.length} act(s) already booked on the cart; none added`];
  const lines: string[] = [];
  for (const act of o.acts) {
    const res = await fetch(`${o.cloudUrl}/api/appointments`, { method: 'POST', headers, body: JSON.stringify(act) });
    if (res.status === 201) {
      const { appointment } = (await res.json()) as Booked;
      lines.push(`agenda: booked ${appointment.id} for ${appointment.patientId} at ${appointment.start}`);
    } else lines.push(`agenda: booking for ${act.patient} at ${act.start} refused (HTTP ${res.status}: ${await res.text()})`);
  }
  return lines;
}
