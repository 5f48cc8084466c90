import { describe, expect, it } from 'vitest';
import { NodeCidrAllocator, PodIpPool, nodeBlockCount, parseCidr } from './cidr.js';

describe('node CIDRs', () => {
  it('hands out the lowest free /24s of the cluster CIDR', () => {
    const a = new NodeCidrAllocator(parseCidr('10.244.0.0/16')!);
    a.markUsed('10.244.1.0/24');
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual(['10.244.0.0/24', '10.244.2.0/24', '10.244.3.0/24']);
    expect(a.free()).toBe(256 - 4);
  });

  it('is exhausted after 256 nodes of a /16', () => {
    const net = parseCidr('10.244.0.0/16')!;
    expect(nodeBlockCount(net)).toBe(256);
    const a = new NodeCidrAllocator(net);
    for (let i = 0; i < 256; i++) expect(a.allocate()).toBeDefined();
    expect(a.allocate()).toBeUndefined();
  });

  it('gives pod IPs .2 to .254 of the node /24, reusing freed ones', () => {
    const pool = new PodIpPool('10.244.7.0/24');
    pool.claim('10.244.7.2');
    expect(pool.allocate()).toBe('10.244.7.3');
    pool.release('10.244.7.2');
    expect(pool.allocate()).toBe('10.244.7.2');
    for (let i = 0; i < 251; i++) pool.allocate();
    expect(pool.allocate()).toBeUndefined();
  });

  it('rejects what is not a CIDR', () => {
    expect(parseCidr('10.244.0.0')).toBeUndefined();
    expect(parseCidr('300.0.0.0/8')).toBeUndefined();
  });
});
