export {
  CartPatientList,
  type CartPatientListOptions,
  type CartPatientsStore,
  type CartResident,
  MAX_PATIENT_LIST_BYTES,
  type PatientListRefusal,
} from './cart-patients.js';
export {
  type Assignment,
  FixedPatientError,
  PatientContext,
  type PatientContextConfig,
  type PatientContextEvents,
  patientRef,
  type Resident,
  type ResidentList,
  type ResidentSource,
  UnknownPatientError,
} from './context.js';
export { checkNir, INS_OIDS, type InsOid, isInsOid, type NirCheck, nirKey } from './ins.js';
