/** BlueZ's D-Bus error names and texts (src/error.c), so clients see what a real bluetoothd says. */
import { DBusError } from 'dbus-next';

const e = (name: string, text: string) => new DBusError(`org.bluez.Error.${name}`, text);

export const bluezErrors = {
  failed: (text: string) => e('Failed', text),
  inProgress: () => e('InProgress', 'In Progress'),
  notConnected: () => e('NotConnected', 'Not Connected'),
  notPermitted: (text = 'Not Permitted') => e('NotPermitted', text),
  notSupported: () => e('NotSupported', 'Operation is not supported'),
  notReady: () => e('NotReady', 'Resource Not Ready'),
  invalidArguments: (text = 'Invalid arguments in method call') => e('InvalidArguments', text),
  invalidOffset: () => e('InvalidOffset', 'Invalid offset'),
  doesNotExist: (text = 'Does Not Exist') => e('DoesNotExist', text),
  alreadyExists: () => e('AlreadyExists', 'Already Exists'),
  authenticationFailed: (text = 'Authentication Failed') => e('AuthenticationFailed', text),
  authenticationRejected: (text = 'Authentication Rejected') => e('AuthenticationRejected', text),
  insufficientAuthentication: () => e('NotPermitted', 'Insufficient Authentication'),
  authenticationCanceled: () => e('AuthenticationCanceled', 'Authentication Canceled'),
  /** A GATT request the peer answered with an ATT error (gatt-client.c: "Operation failed with ATT error: 0x%02x"). */
  att: (code: number) => e('Failed', `Operation failed with ATT error: 0x${code.toString(16).padStart(2, '0')}`),
};
