/**
 * gRPC server reflection and the standard health service, so grpcurl and clients in any language
 * can discover and probe the API. Reflection serves the repository's proto/ files, found relative
 * to this module (src/ and dist/ sit at the same depth).
 */
import { type Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OBJECTS_SERVICE = 'tsk.v1.Objects';

export function protoDir(): string {
  return fileURLToPath(new URL('../../../proto/', import.meta.url));
}

/** Adds reflection; returns false (and adds nothing) when proto/ is not shipped alongside. */
export function addReflection(server: Server): boolean {
  const dir = protoDir();
  if (!existsSync(`${dir}tsk/v1/api.proto`)) return false;
  const definition = loadSync('tsk/v1/api.proto', { includeDirs: [dir], keepCase: true, longs: String, enums: String, defaults: false, oneofs: true });
  new ReflectionService(definition).addToServer(server);
  return true;
}

export interface Health {
  setServing(serving: boolean): void;
}

export function addHealth(server: Server): Health {
  const health = new HealthImplementation({ '': 'NOT_SERVING', [OBJECTS_SERVICE]: 'NOT_SERVING' });
  health.addToServer(server);
  return {
    setServing(serving) {
      const value = serving ? 'SERVING' : 'NOT_SERVING';
      health.setStatus('', value);
      health.setStatus(OBJECTS_SERVICE, value);
    },
  };
}
