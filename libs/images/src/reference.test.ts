import { describe, expect, it } from 'vitest';
import { familiarName, fullName, parseReference } from './reference.js';

describe('parseReference', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/user/app:v1', 'docker.io/user/app:v1', 'user/app:v1'],
    ['127.0.0.1:5000/x/y:z', '127.0.0.1:5000/x/y:z', '127.0.0.1:5000/x/y:z'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`, `busybox@sha256:${'a'.repeat(64)}`],
  ])('%s', (input, full, familiar) => {
    const ref = parseReference(input);
    expect(fullName(ref)).toBe(full);
    expect(familiarName(ref)).toBe(familiar);
  });

  it.each(['', 'Busybox', 'a//b', 'x:bad tag', 'x@sha256:123'])('refuses %j', (input) => {
    expect(() => parseReference(input)).toThrow(/parse reference/);
  });
});
