// JSON Schemas of the store files, generated from the zod schemas, for people writing `.mlops` files from other
// languages. `npm run schemas` writes them to schemas/; a unit test fails when the shipped ones are out of date.
import { z } from 'zod';
import { GoalsSchema } from '../goals/schema';
import { DataProfileSchema } from '../data/profile/schema';
import { DataSchemaSchema } from '../data/validate/schemaFile';
import { FILE_SCHEMAS } from './schemas';
import { PipelineFileSchema } from '../pipeline/schema';

export const SCHEMA_BASE_URI = 'urn:mlops-workbench:schema:v1:';

export function jsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries({ ...FILE_SCHEMAS, 'goals': GoalsSchema, 'data-profile': DataProfileSchema, 'data-schema': DataSchemaSchema, 'pipeline': PipelineFileSchema })) {
    const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
    out[name] = { $id: `${SCHEMA_BASE_URI}${name}`, ...js };
  }
  return out;
}

export function jsonSchemaText(schema: unknown): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
