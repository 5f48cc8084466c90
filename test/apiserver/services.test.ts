/** Service cluster IPs and node ports, allocated by the API server as Kubernetes does. */
import { status } from '@grpc/grpc-js';
import { type Service } from '@tsk/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode, startServer, type ServerProcess } from './harness.js';

function svc(name: string, spec: Service['spec'] = {}): Service {
  return { metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

describe('Service addresses', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ apiOnly: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const create = async (s: Service): Promise<Service> => (await server.api.create({ object: { service: s } })).service!;

  it('gives every Service its own cluster IP in 10.96.0.0/16, none to a headless one', async () => {
    const ips = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const s = await create(svc(`web-${i}`));
      expect(s.spec?.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
      expect(s.spec?.clusterIPs).toEqual([s.spec?.clusterIP]);
      expect(['10.96.0.1', '10.96.0.10']).not.toContain(s.spec?.clusterIP);
      ips.add(s.spec!.clusterIP!);
    }
    expect(ips.size).toBe(20);
    expect((await create(svc('headless', { clusterIP: 'None' }))).spec?.clusterIP).toBe('None');
  });

  it('honours a requested address, refuses one that is taken, and frees it with its Service', async () => {
    const a = await create(svc('fixed-a', { clusterIP: '10.96.200.7' }));
    expect(a.spec?.clusterIP).toBe('10.96.200.7');
    const err = await expectCode(create(svc('fixed-b', { clusterIP: '10.96.200.7' })), status.INVALID_ARGUMENT);
    expect(err.details).toContain('spec.clusterIP: 10.96.200.7: provided IP is already allocated');
    await expectCode(create(svc('outside', { clusterIP: '192.168.1.1' })), status.INVALID_ARGUMENT);
    await server.api.delete({ kind: 'Service', namespace: 'default', name: 'fixed-a' });
    expect((await create(svc('fixed-b', { clusterIP: '10.96.200.7' }))).spec?.clusterIP).toBe('10.96.200.7');
  });

  it('allocates node ports in 30000-32767 for NodePort services', async () => {
    const s = await create(svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
    for (const p of s.spec?.ports ?? []) {
      expect(p.nodePort).toBeGreaterThanOrEqual(30000);
      expect(p.nodePort).toBeLessThanOrEqual(32767);
    }
    const taken = s.spec!.ports![0]!.nodePort!;
    const err = await expectCode(create(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: taken }] })), status.INVALID_ARGUMENT);
    expect(err.details).toContain(`spec.ports[0].nodePort: ${taken}: provided port is already allocated`);
  });

  it('keeps the address across a re-apply and a replace that omits it', async () => {
    const manifest = 'apiVersion: v1\nkind: Service\nmetadata: {name: kept}\nspec:\n  selector: {app: kept}\n  ports: [{port: 80}]\n';
    const first = await server.api.applyManifest({ manifest, filename: 'kept.yaml' });
    const ip = first.results![0]!.object!.service!.spec!.clusterIP!;
    expect(ip).toMatch(/^10\.96\./);
    const again = await server.api.applyManifest({ manifest, filename: 'kept.yaml' });
    expect(again.results![0]!.action).toBe('unchanged');
    const replaced = await server.api.update({ object: { service: svc('kept', { ports: [{ port: 81 }] }) } });
    expect(replaced.service?.spec?.clusterIP).toBe(ip);
  });
});
