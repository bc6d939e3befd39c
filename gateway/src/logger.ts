/**
 * The logging surface the gateway needs: a subset of pino's, so a pino logger plugs in as is and
 * tests can pass a silent one. Every call is (context object, message).
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
