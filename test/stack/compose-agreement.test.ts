/**
 * infra/docker-compose.yaml cannot run on machines without Docker, so this keeps it honest: it must
 * agree with the native stack on ports, databases, versions, topic prefix, connector and init scripts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  COMPOSE_FILE,
  CONNECT_GROUP_ID,
  CONNECT_STORAGE_TOPICS,
  DATABASE_PASSWORD,
  DATABASE_USER,
  DEFAULT_PORTS,
  MAVEN_POM,
  SOURCE_DATABASE,
  SOURCE_INIT_SCRIPT,
  TARGET_DATABASE,
  TARGET_INIT_SCRIPT,
} from '../../infra/stack/config.js';
import { readConnectorFile } from '../../infra/stack/connect.js';
import { DEFAULT_PROMETHEUS_PORT, PIPELINE_JOB } from '../../infra/stack/prometheus.js';
import { DEFAULT_METRICS_PORT } from '../../src/defaults.js';

interface Service {
  image: string;
  environment?: Record<string, string | number>;
  command?: string[];
  ports?: string[];
  volumes?: string[];
}

const compose = parse(fs.readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, Service> };
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yaml has no service ${name}`);
  return found;
};
const pomProperty = (name: string): string => {
  const match = new RegExp(`<${name}>([^<]+)</${name}>`).exec(fs.readFileSync(MAVEN_POM, 'utf8'));
  if (!match?.[1]) throw new Error(`pom has no ${name}`);
  return match[1];
};
const hostPort = (s: Service, containerPort: number): number | undefined => {
  const mapping = s.ports?.map((p) => p.split(':')).find((parts) => Number(parts.at(-1)) === containerPort);
  return mapping ? Number(mapping.at(-2)) : undefined;
};
const mountedScript = (s: Service): string | undefined => {
  const volume = s.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
  return volume ? path.resolve(path.dirname(COMPOSE_FILE), volume.split(':')[0]!) : undefined;
};

describe('docker-compose.yaml agrees with the native stack', () => {
  const connector = readConnectorFile();

  it('publishes every part on the native ports, bound to 127.0.0.1', () => {
    expect(hostPort(service('source-db'), 5432)).toBe(DEFAULT_PORTS.source);
    expect(hostPort(service('target-db'), 5432)).toBe(DEFAULT_PORTS.target);
    expect(hostPort(service('kafka'), DEFAULT_PORTS.kafka)).toBe(DEFAULT_PORTS.kafka);
    expect(hostPort(service('connect'), 8083)).toBe(DEFAULT_PORTS.connect);
    const allPorts = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(allPorts.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
    expect(service('kafka').environment?.KAFKA_ADVERTISED_LISTENERS).toContain(
      `PLAINTEXT://127.0.0.1:${DEFAULT_PORTS.kafka}`,
    );
  });

  it('creates the same databases, users and init scripts', () => {
    for (const [name, database, script] of [
      ['source-db', SOURCE_DATABASE, SOURCE_INIT_SCRIPT],
      ['target-db', TARGET_DATABASE, TARGET_INIT_SCRIPT],
    ] as const) {
      const env = service(name).environment ?? {};
      expect(env.POSTGRES_DB).toBe(database);
      expect(env.POSTGRES_USER).toBe(DATABASE_USER);
      expect(env.POSTGRES_PASSWORD).toBe(DATABASE_PASSWORD);
      expect(mountedScript(service(name))).toBe(script);
    }
    expect(service('source-db').command).toContain('wal_level=logical');
  });

  it('runs the Kafka and Debezium versions the pom resolves', () => {
    expect(service('kafka').image).toBe(`apache/kafka:${pomProperty('kafka.version')}`);
    expect(service('connect').image).toBe(`quay.io/debezium/connect:${pomProperty('debezium.version')}`);
  });

  it('points the connector config at the compose source database', () => {
    expect(connector.config['database.hostname']).toBe('source-db');
    expect(connector.config['database.port']).toBe('5432');
    expect(connector.config['database.dbname']).toBe(SOURCE_DATABASE);
    expect(connector.config['database.user']).toBe(DATABASE_USER);
    expect(connector.config['topic.prefix']).toBe('dbserver1');
    expect(connector.config['plugin.name']).toBe('pgoutput');
    expect(connector.config['table.include.list']).toBe('public.users,public.orders');
  });

  it('runs Prometheus on the native port, scraping the pipeline, and Grafana with the dashboard provisioned', () => {
    expect(hostPort(service('prometheus'), 9090)).toBe(DEFAULT_PROMETHEUS_PORT);
    const mounted = (s: Service, inside: string): string => {
      const volume = s.volumes?.find((v) => v.split(':')[1] === inside);
      if (!volume) throw new Error(`nothing mounted at ${inside}`);
      return path.resolve(path.dirname(COMPOSE_FILE), volume.split(':')[0]!);
    };
    const config = parse(
      fs.readFileSync(mounted(service('prometheus'), '/etc/prometheus/prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(config.scrape_configs.map((job) => [job.job_name, job.static_configs[0]?.targets])).toEqual([
      [PIPELINE_JOB, [`host.docker.internal:${DEFAULT_METRICS_PORT}`]],
    ]);
    const dashboard = mounted(service('grafana'), '/var/lib/grafana/dashboards/cdc-pipeline.json');
    expect(path.relative(path.dirname(COMPOSE_FILE), dashboard)).toBe(
      path.join('grafana', 'cdc-pipeline.json'),
    );
    const provisioning = mounted(service('grafana'), '/etc/grafana/provisioning');
    const datasource = parse(
      fs.readFileSync(path.join(provisioning, 'datasources', 'prometheus.yaml'), 'utf8'),
    ) as {
      datasources: { url: string }[];
    };
    expect(datasource.datasources[0]?.url).toBe('http://prometheus:9090');
  });

  it('uses the same Connect storage topics and group as the native worker', () => {
    const env = service('connect').environment ?? {};
    expect(env.GROUP_ID).toBe(CONNECT_GROUP_ID);
    expect({
      config: env.CONFIG_STORAGE_TOPIC,
      offset: env.OFFSET_STORAGE_TOPIC,
      status: env.STATUS_STORAGE_TOPIC,
    }).toEqual(CONNECT_STORAGE_TOPICS);
  });
});
