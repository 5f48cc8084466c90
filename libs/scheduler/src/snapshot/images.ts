/**
 * Image names compared the way the container runtime resolves them, so a pod asking for "nginx"
 * finds a node that reports "docker.io/library/nginx:latest" (Kubernetes' ImageLocality does the
 * same normalization).
 */
export function normalizeImageName(image: string): string {
  let name = image.trim();
  if (name === '') return name;
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // A first component with a dot or a port, or "localhost", is a registry; otherwise Docker Hub.
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = slash === -1 ? `docker.io/library/${name}` : `docker.io/${name}`;
  const lastSlash = name.lastIndexOf('/');
  const tail = name.slice(lastSlash + 1);
  if (!tail.includes(':') && !tail.includes('@')) name = `${name}:latest`;
  return name;
}
