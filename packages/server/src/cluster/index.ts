/**
 * Cluster mode, on a subpath of its own (`@masterserver/server/cluster`) so that
 * a single instance never loads the Redis client: connect once, and hand the
 * cluster to the masterserver as its `cluster` option.
 *
 * @example
 * ```ts
 * import { MasterServer } from '@masterserver/server';
 * import { connectCluster } from '@masterserver/server/cluster';
 *
 * const cluster = await connectCluster({ url: 'redis://10.0.0.5:6379', registrationTtl: 30_000, maxServers: 100_000, logger });
 * const ms = new MasterServer({ cluster, logger });
 * await ms.listen({ port: 8080 });
 * // ... on shutdown
 * await ms.close();
 * await cluster.close();
 * ```
 *
 * @module
 */

export { type Cluster, type ClusterOptions, connectCluster } from './cluster.js';
export type { ClusterLink } from './cluster-link.js';
