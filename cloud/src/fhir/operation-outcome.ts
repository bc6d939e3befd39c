/** FHIR R4 OperationOutcome: how the FHIR API says what went wrong, naming the parameter. */

/** FHIR R4 issue-type codes used here (http://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueCode = 'invalid' | 'not-found' | 'not-supported' | 'exception' | 'login' | 'forbidden';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: IssueCode;
    diagnostics: string;
    expression?: string[];
  }[];
}

export function operationOutcome(code: IssueCode, diagnostics: string, parameter?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics, ...(parameter !== undefined ? { expression: [parameter] } : {}) }],
  };
}

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
