import { describe, expect, it } from 'vitest';
import { buildInvitation, InvitationError, type InvitationInput } from './ical.js';

const base: InvitationInput = {
  uid: 'appt-42@telecart.example',
  sequence: 0,
  method: 'REQUEST',
  start: new Date('2026-12-08T09:30:00Z'),
  end: new Date('2026-12-08T09:50:00Z'),
  summary: 'Téléconsultation',
  location: 'https://cloud.example/consult/join/abc',
  organizer: { name: 'Dr Anne Roux', email: 'anne.roux@example.org' },
  attendee: { name: 'EHPAD Les Tilleuls', email: 'ide@tilleuls.example' },
  stamp: new Date('2026-12-06T05:00:00Z'),
};

/** The unfolded lines of an iCalendar text (RFC 5545 §3.1: a line break followed by a space continues the line). */
const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('buildInvitation', () => {
  it('a REQUEST: one event with the stable UID, times in UTC, organizer and attendee asked to answer', () => {
    const l = lines(buildInvitation(base));
    expect(l).toContain('METHOD:REQUEST');
    expect(l).toContain('BEGIN:VEVENT');
    expect(l).toContain('UID:appt-42@telecart.example');
    expect(l).toContain('SEQUENCE:0');
    expect(l).toContain('DTSTART:20261208T093000Z');
    expect(l).toContain('DTEND:20261208T095000Z');
    expect(l).toContain('DTSTAMP:20261206T050000Z');
    expect(l).toContain('STATUS:CONFIRMED');
    expect(l).toContain('SUMMARY:Téléconsultation');
    expect(l.find((x) => x.startsWith('ORGANIZER'))).toMatch(/CN="Dr Anne Roux":mailto:anne.roux@example.org$/i);
    const attendee = l.find((x) => x.startsWith('ATTENDEE')) ?? '';
    expect(attendee).toMatch(/ROLE=REQ-PARTICIPANT/);
    expect(attendee).toMatch(/RSVP=TRUE/);
    expect(attendee).toMatch(/:mailto:ide@tilleuls.example$/i);
    expect(l.filter((x) => x === 'BEGIN:VEVENT')).toHaveLength(1);
  });

  it('a reschedule keeps the UID with a higher SEQUENCE; a cancellation says CANCEL and CANCELLED', () => {
    const moved = lines(
      buildInvitation({ ...base, sequence: 1, start: new Date('2026-12-09T10:00:00Z'), end: new Date('2026-12-09T10:20:00Z') }),
    );
    expect(moved).toContain('UID:appt-42@telecart.example');
    expect(moved).toContain('SEQUENCE:1');
    expect(moved).toContain('DTSTART:20261209T100000Z');
    const cancel = lines(buildInvitation({ ...base, sequence: 2, method: 'CANCEL' }));
    expect(cancel).toContain('METHOD:CANCEL');
    expect(cancel).toContain('STATUS:CANCELLED');
    expect(cancel).toContain('UID:appt-42@telecart.example');
    expect(cancel).toContain('SEQUENCE:2');
  });

  it('refuses an end not after the start, a negative sequence, an empty uid', () => {
    expect(() => buildInvitation({ ...base, end: base.start })).toThrow(InvitationError);
    expect(() => buildInvitation({ ...base, end: base.start })).toThrow(/appt-42@telecart.example: end .* is not after start/);
    expect(() => buildInvitation({ ...base, sequence: -1 })).toThrow(/sequence must be a whole number/);
    expect(() => buildInvitation({ ...base, uid: ' ' })).toThrow(/empty uid/);
  });
});
