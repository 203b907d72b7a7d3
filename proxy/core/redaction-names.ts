/** What redaction does with a call that holds a sensitive value (docs/privacy.md). */
export const redactionModes = ['off', 'redact', 'block'] as const;
export type RedactionMode = (typeof redactionModes)[number];

/** The built-in detectors, by the names the config, the CLI and the control API use. */
export const redactionDetectors = ['secrets', 'email', 'phone', 'credit-card', 'iban', 'ip-address'] as const;
export type RedactionDetector = (typeof redactionDetectors)[number];
