import { openRedis, type RedisConnection } from '../../proxy/store/redis/redis-connection';
import { RedisRateCounters } from '../../proxy/store/redis/redis-rate-counters';
import { describeRateCounters } from '../unit/store/rate-counters-contract';
import { findRedisServer, nextRedisDatabase, requireServer, sharedRedisServer, stopSharedServers, type RedisServer } from '../support/servers';

// Issue 12: the rate counters' contract (shared with the in-memory and SQLite backends) on a
// real Redis, each "process" on a connection of its own.

after(stopSharedServers);

describe('rate counters on Redis', function () {
  this.timeout(20_000);
  let redis: RedisServer;

  before(async function () {
    redis = await sharedRedisServer(requireServer(this, findRedisServer(), 'redis-server'));
  });

  describeRateCounters('Redis, a connection per process', async () => {
    const url = redis.url(nextRedisDatabase());
    const connections: RedisConnection[] = [];
    const first = await openRedis(url);
    await first.client.flushdb();
    connections.push(first);
    let handedFirst = false;
    return {
      connect: async () => {
        if (!handedFirst) {
          handedFirst = true;
          return new RedisRateCounters(first);
        }
        const connection = await openRedis(url);
        connections.push(connection);
        return new RedisRateCounters(connection);
      },
      dispose: async () => {
        await Promise.all(connections.map((connection) => connection.close()));
      },
    };
  });
});
