// RabbitMQ for cinder's RPC, run by hand on loopback: our own epmd (started and stopped by PID,
// instead of the one erl would daemonise), node, config, mnesia and logs in the instance folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPortOpen } from '../infra/processes';
import { HOST, type Layout } from './layout';
import type { ProcessGroup } from './process-group';

const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface RabbitMq {
  transportUrl: string;
}

export async function startRabbitMq(group: ProcessGroup, layout: Layout, timeoutMs = 60_000): Promise<RabbitMq> {
  const { amqp, amqpDist, epmd } = layout.ports;
  const dir = layout.dir('rabbitmq');
  const home = layout.dir('rabbitmq/home');
  const confFile = join(dir, 'rabbitmq.conf');
  writeFileSync(
    confFile,
    [`listeners.tcp.1 = ${HOST}:${amqp}`, 'log.console = true', 'log.file = false', ''].join('\n'),
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n'); // no management plugin: no extra listener
  writeFileSync(join(dir, 'rabbitmq-env.conf'), ''); // instead of /etc/rabbitmq/rabbitmq-env.conf

  const erlEnv = { ERL_EPMD_PORT: String(epmd), ERL_EPMD_ADDRESS: HOST, HOME: home };
  group.daemon('epmd', {
    command: 'epmd',
    args: ['-port', String(epmd), '-address', HOST],
    env: { ...process.env, ...erlEnv },
  });
  await group.waitFor(`epmd on ${HOST}:${epmd}`, () => isPortOpen(epmd), 10_000, 100);

  group.daemon(
    'rabbitmq',
    {
      command: RABBITMQ_SERVER,
      args: [],
      env: {
        ...process.env,
        ...erlEnv,
        RABBITMQ_NODENAME: `contract${amqp}@localhost`,
        RABBITMQ_NODE_IP_ADDRESS: HOST,
        RABBITMQ_NODE_PORT: String(amqp),
        RABBITMQ_DIST_PORT: String(amqpDist),
        RABBITMQ_CONFIG_FILE: confFile,
        RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
        RABBITMQ_MNESIA_BASE: layout.dir('rabbitmq/mnesia'),
        RABBITMQ_LOG_BASE: layout.dir('rabbitmq/log'),
        RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
        // Erlang distribution (used by rabbitmqctl) only on loopback; epmd is ours, already running.
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false',
      },
    },
    { graceMs: 20_000 },
  );
  // The AMQP listener opens only once the broker has booted.
  await group.waitFor(`RabbitMQ on ${HOST}:${amqp}`, () => isPortOpen(amqp), timeoutMs);
  return { transportUrl: `rabbit://guest:guest@${HOST}:${amqp}/` };
}
