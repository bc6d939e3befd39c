/**
 * What the RACP procedures need from the readings path: which devices are replaying their record
 * memory, the records each download committed (known or new), the highest record number committed
 * (the cursor may move past it), and the UPGRADE-ONLY format-1 cursor of a first download after the upgrade.
 */
import type { ObservationDraft } from '@telecart/devices';
import type { RecordOutcome } from './record-numbering.js';

export class RecordDownloads {
  /** Devices replaying their record memory (RACP report in progress): their readings are old on purpose. */
  private readonly downloading = new Set<string>();
  /** Record numbers committed during the latest download of each device: 'known' when already stored. */
  private readonly downloaded = new Map<string, Map<number, RecordOutcome>>();
  /** Highest device record number committed to the store, per device (for the RACP cursor). */
  private readonly committed = new Map<string, number>();
  /** UPGRADE-ONLY: format-1 cursors of devices whose first download after the upgrade is under way. */
  private readonly legacyKeyCursors = new Map<string, number>();

  setDownloading(deviceId: string, active: boolean): void {
    if (active) {
      this.downloading.add(deviceId);
      this.downloaded.set(deviceId, new Map());
    } else this.downloading.delete(deviceId);
  }

  isDownloading(deviceId: string): boolean {
    return this.downloading.has(deviceId);
  }

  downloadedRecords(deviceId: string): ReadonlyMap<number, RecordOutcome> {
    return this.downloaded.get(deviceId) ?? new Map();
  }

  setLegacyKeyCursor(deviceId: string, cursor: number | undefined): void {
    if (cursor === undefined) this.legacyKeyCursors.delete(deviceId);
    else this.legacyKeyCursors.set(deviceId, cursor);
  }

  /** UPGRADE-ONLY: the format-1 cursor, only while the device downloads. */
  legacyKeyCursor(deviceId: string): number | undefined {
    return this.downloading.has(deviceId) ? this.legacyKeyCursors.get(deviceId) : undefined;
  }

  highestCommitted(deviceId: string): number | undefined {
    return this.committed.get(deviceId);
  }

  /** A record committed (or already there): the RACP cursor may move past it; the download notes what it was. */
  noteRecord(deviceId: string, draft: ObservationDraft, duplicate: boolean): void {
    if (draft.recordNumber !== undefined && draft.recordNumber > (this.committed.get(deviceId) ?? -1)) {
      this.committed.set(deviceId, draft.recordNumber);
    }
    const downloaded = this.downloading.has(deviceId) ? this.downloaded.get(deviceId) : undefined;
    if (downloaded && draft.recordNumber !== undefined) {
      // A record is known only if all its readings were (a glucose record can give two: value and HbA1c).
      const known = duplicate && downloaded.get(draft.recordNumber) !== 'new';
      downloaded.set(draft.recordNumber, known ? 'known' : 'new');
    }
  }
}
