// `npm run api:types`: writes src/sim/api-types.ts, the TypeScript types of the HTTP API that
// openapi-typescript generates from the OpenAPI document (built without a database). Run it
// after changing a route's schema; test/contract.test.ts fails while the file is stale.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { API_TYPES_FILE, apiTypesSource, openApiDocument } from './lib/api-contract.ts';

const source = await apiTypesSource(await openApiDocument());
await writeFile(API_TYPES_FILE, source);
console.log(`wrote ${path.relative(process.cwd(), API_TYPES_FILE)} (${source.split('\n').length} lines)`);
