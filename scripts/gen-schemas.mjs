// Writes schemas/<name>.schema.json from the zod schemas (run after `tsc`, which `npm run schemas` does).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { jsonSchemas, jsonSchemaText } = require(path.join(root, 'out/src/core/store/jsonSchema.js'));
const dir = path.join(root, 'schemas');
fs.mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  fs.writeFileSync(path.join(dir, `${name}.schema.json`), jsonSchemaText(schema));
  console.log(`schemas/${name}.schema.json`);
}
