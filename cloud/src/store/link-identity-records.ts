/** The identity state of a join link (migration 22): teleconsult/identity-check.ts says how it moves. */
export type CodeChannel = 'sms' | 'email';

/** The identity state of one join link (migration 22); `version` makes every write a compare-and-set. */
export interface LinkIdentityRecord {
  tokenSha256: string;
  version: number;
  codeHmac: string | null;
  codeChannel: CodeChannel | null;
  codeSentAt: string | null;
  codeExpiresAt: string | null;
  codesSent: number;
  /** Wrong answers so far (dates of birth and codes). */
  attempts: number;
  lockedAt: string | null;
  confirmedAt: string | null;
  confirmedBy: 'birth-date' | 'code' | null;
}
