// Validating data files against a dataset's common schema (`schema.json`).
export { parseDataSchema } from './parse';
export { schemaFromProfile, MAX_SCHEMA_VALUES } from './fromProfile';
export { globToRegExp, sourceFor, validateProfile } from './check';
export { locateFindings, LOCATE_MAX_BYTES } from './locate';
export { findingsSarif, FINDING_HELP } from './sarif';
export { normalizeCategory, normalizeName, spellingRelation, suggestCanonical } from './categories';
export * from './schemaFile';
export * from './types';
