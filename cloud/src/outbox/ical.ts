/**
 * The iCalendar (RFC 5545, iTIP RFC 5546) object of an invitation, built with ical-generator: an
 * appointment-like plain input, METHOD REQUEST or CANCEL. The UID is the caller's stable id of the
 * appointment, so a reschedule (same UID, higher SEQUENCE) updates the event already in the
 * attendee's calendar instead of adding a second one, and a CANCEL removes it.
 */
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

export interface CalendarParty {
  name: string;
  email: string;
}

export interface InvitationInput {
  /** Stable per appointment (e.g. `<appointment id>@<host>`): the same for every update and the cancellation. */
  uid: string;
  /** 0 for the first invitation, then one more per change: calendars apply the highest they received. */
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
  start: Date;
  end: Date;
  /** Shown in the attendee's calendar: say what the act is, not why (no diagnosis). */
  summary: string;
  /** Where, or the link of a teleconsultation. */
  location?: string;
  url?: string;
  description?: string;
  organizer: CalendarParty;
  attendee: CalendarParty;
  /** When this version was issued (DTSTAMP): the injected clock. */
  stamp: Date;
}

export class InvitationError extends Error {
  override readonly name = 'InvitationError';
}

/** The text/calendar content of the invitation; throws InvitationError on an impossible one. */
export function buildInvitation(i: InvitationInput): string {
  if (!(i.end.getTime() > i.start.getTime()))
    throw new InvitationError(`invitation ${i.uid}: end (${i.end.toISOString()}) is not after start (${i.start.toISOString()})`);
  if (!Number.isInteger(i.sequence) || i.sequence < 0)
    throw new InvitationError(`invitation ${i.uid}: sequence must be a whole number ≥ 0 (got ${i.sequence})`);
  if (i.uid.trim() === '') throw new InvitationError('invitation: empty uid');
  const cal = ical({
    prodId: { company: 'telecart', product: 'telecart-cloud', language: 'FR' },
    method: i.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL,
  });
  cal.createEvent({
    id: i.uid,
    sequence: i.sequence,
    stamp: i.stamp,
    start: i.start,
    end: i.end,
    summary: i.summary,
    status: i.method === 'REQUEST' ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
    organizer: { name: i.organizer.name, email: i.organizer.email },
    attendees: [
      {
        name: i.attendee.name,
        email: i.attendee.email,
        role: ICalAttendeeRole.REQ,
        status: ICalAttendeeStatus.NEEDSACTION,
        rsvp: i.method === 'REQUEST',
      },
    ],
    ...(i.location !== undefined ? { location: i.location } : {}),
    ...(i.url !== undefined ? { url: i.url } : {}),
    ...(i.description !== undefined ? { description: i.description } : {}),
  });
  return cal.toString();
}
