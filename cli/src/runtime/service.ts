/**
 * Runs one long-lived service (cloud, gateway, simulators) as a process: reports readiness
 * to a parent over IPC when there is one, stops cleanly on SIGINT/SIGTERM, and stops when
 * the parent goes away so `telecart demo` never leaves orphans behind.
 */
export interface RunningService {
  stop(): Promise<void>;
}

export interface ReadyMessage {
  type: 'ready';
  service: string;
  info: Record<string, unknown>;
}

/**
 * A service still starting says why it takes long (the gateway's store migration: minutes for a large
 * backlog): its parent's wait for `ready` no longer times out (children.ts); its exit still fails the start.
 */
export interface StartingMessage {
  type: 'starting';
  service: string;
  detail: string;
}

/** Tells the parent (when there is one) why the start takes long. */
export function sayStarting(service: string, detail: string): void {
  if (process.send) process.send({ type: 'starting', service, detail } satisfies StartingMessage);
}

export async function runService<S extends RunningService>(
  name: string,
  start: () => Promise<S>,
  describe: (s: S) => Record<string, unknown>,
  print: (info: Record<string, unknown>) => void,
): Promise<void> {
  let service: S;
  try {
    service = await start();
  } catch (e) {
    console.error(`telecart ${name}: failed to start: ${(e as Error).message}`);
    process.exit(1);
  }
  // From the process's own start (performance.now() counts from it): module loading included.
  const info = { ...describe(service), readyAfterMs: Math.round(performance.now()) };
  print(info);
  if (process.send) process.send({ type: 'ready', service: name, info } satisfies ReadyMessage);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      console.error(`telecart ${name}: did not stop within 10 s after ${why}, exiting`);
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await service.stop();
    } catch (e) {
      console.error(`telecart ${name}: error while stopping: ${(e as Error).message}`);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('disconnect', () => void stop('parent exit'));
}
