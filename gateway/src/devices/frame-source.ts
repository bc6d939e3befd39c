/**
 * Where device frames come from: an emitter of 'frame' events (the BLE central, a serial reader)
 * or an async iterable (a replay, a test). Attaching returns a detach function.
 */
import type { DeviceFrame } from '@telecart/devices';

export interface FrameEmitter {
  on(event: 'frame', listener: (frame: DeviceFrame) => void): unknown;
  off(event: 'frame', listener: (frame: DeviceFrame) => void): unknown;
}

export type FrameSource = FrameEmitter | AsyncIterable<DeviceFrame>;

function isAsyncIterable(s: FrameSource): s is AsyncIterable<DeviceFrame> {
  return typeof (s as Partial<AsyncIterable<DeviceFrame>>)[Symbol.asyncIterator] === 'function';
}

/**
 * Feeds every frame of `source` to `onFrame` until detached. `onError` gets an iterable's failure
 * (the iteration then stops; an emitter's errors are its own business).
 */
export function attachFrameSource(source: FrameSource, onFrame: (f: DeviceFrame) => void, onError: (e: unknown) => void): () => void {
  if (!isAsyncIterable(source)) {
    source.on('frame', onFrame);
    return () => {
      source.off('frame', onFrame);
    };
  }
  const it = source[Symbol.asyncIterator]();
  let detached = false;
  void (async () => {
    try {
      for (;;) {
        const r = await it.next();
        if (r.done || detached) return;
        onFrame(r.value);
      }
    } catch (e) {
      if (!detached) onError(e);
    }
  })();
  return () => {
    if (detached) return;
    detached = true;
    void it.return?.()?.catch(() => undefined);
  };
}
