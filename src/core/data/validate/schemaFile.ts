/**
 * `.mlops/datasets/<d>/schema.json`, format version 1: the common schema every source and version of a dataset is
 * checked against. Columns are an array and mappings are arrays of pairs, never objects keyed by data, so any
 * column name or category spelling (`__proto__` included) is plain text.
 */
import { z } from 'zod';
import { ColumnTypeSchema } from '../profile/schema';

export const DATA_SCHEMA_FORMAT_VERSION = 1;

const mappingPair = z.tuple([z.string(), z.string()]);

export const SchemaColumnSchema = z.looseObject({
  name: z.string().min(1).describe('canonical column name'),
  type: ColumnTypeSchema.describe('integer, float, boolean, datetime, categorical or string; an integer column also accepts whole floats like 3.0, a float column accepts integers'),
  required: z.boolean().default(true).describe('missing-column (error) when a file lacks it'),
  nullable: z.boolean().default(true).describe('false: any missing value is a null-rate error'),
  maxNullRate: z.number().min(0).max(1).optional().describe('null-rate warning above this share of missing values'),
  values: z.array(z.string()).optional().describe('allowed (canonical) values of a categorical column'),
  mapping: z.array(mappingPair).optional().describe('source spellings mapped to canonical values, e.g. [["S", "Southampton"], ["M", "male"]]'),
  range: z.object({ min: z.number().optional(), max: z.number().optional() }).optional().describe('inclusive numeric range'),
  unit: z.string().optional().describe('a note for people, e.g. "cm" or "EUR"; unit-scale discrepancies mention it'),
  format: z.string().optional().describe('datetime format, e.g. YYYY-MM-DD (tokens YYYY MM DD HH mm ss SSS Z)'),
  missingMarkers: z.array(z.string()).optional().describe('markers accepted as missing in this column (default: the schema-wide list)'),
  description: z.string().optional(),
});
export type SchemaColumn = z.infer<typeof SchemaColumnSchema>;

export const SchemaSourceSchema = z.looseObject({
  name: z.string().min(1).describe('a source of this dataset, e.g. "crm-export" or "uci"'),
  match: z.array(z.string()).optional().describe('path globs (relative to the workspace) of files from this source, e.g. ["data/uci/**"]'),
  renames: z.array(mappingPair).optional().describe('source column name → canonical name, e.g. [["education.num", "education_num"]]'),
  header: z.boolean().optional().describe('false when this source\'s files have no header line (columns are then taken by position)'),
  missingMarkers: z.array(z.string()).optional().describe('markers this source uses for missing values'),
});
export type SchemaSource = z.infer<typeof SchemaSourceSchema>;

export const DataSchemaSchema = z.looseObject({
  formatVersion: z.number().int().min(1),
  dataset: z.string(),
  description: z.string().optional(),
  createdFrom: z.string().optional().describe('the data version this schema was first written from'),
  missingMarkers: z.array(z.string()).default(['']).describe('markers accepted as missing in every column ("" = empty cell)'),
  allowNewColumns: z.boolean().default(false).describe('true: a column not in the schema is only info, not a new-column warning'),
  columns: z.array(SchemaColumnSchema),
  sources: z.array(SchemaSourceSchema).optional(),
}).meta({ title: 'MLOps Workbench data schema (.mlops/datasets/<d>/schema.json)' });
export type DataSchema = z.infer<typeof DataSchemaSchema>;
