// Prints the API's OpenAPI document (the same one /api/v1/openapi.json serves), for openapi-typescript.
import { buildOpenApi } from '../../control-plane/api/openapi';
import { allRoutes } from '../../control-plane/api/routes';

process.stdout.write(JSON.stringify(buildOpenApi(allRoutes, { serverUrl: '/api/v1' }), null, 2) + '\n');
