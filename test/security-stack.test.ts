/**
 * The stack's secure mode, without starting it: the certificates openssl makes verify as the
 * clients check them (the server's for 127.0.0.1, both signed by the stack's CA), the ports move
 * with their variables, and the broker's listener takes SCRAM users at format time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackPaths } from '../infra/stack/config.js';
import { newClusterId } from '../infra/stack/kafka.js';
import { ensureSecureMaterial, securePorts, secureListener, secureEnv } from '../infra/stack/secure.js';
import { StackError } from '../infra/stack/stack-error.js';
import { loadConfig } from '../src/config.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-secure-stack-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the secure mode of the stack', () => {
  const material = ensureSecureMaterial(stackPaths(root));
  const certificate = (file: string): crypto.X509Certificate =>
    new crypto.X509Certificate(fs.readFileSync(file));

  it('makes a CA and a server certificate for 127.0.0.1 and localhost that it signed', () => {
    const ca = certificate(material.ca.cert);
    const server = certificate(material.server.cert);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('example.com')).toBeUndefined();
    expect(certificate(material.client.cert).verify(ca.publicKey)).toBe(true);
  });

  it('keeps the keys and passwords private to their owner, and keeps them across starts', () => {
    for (const file of [
      material.ca.key,
      material.server.key,
      material.client.key,
      material.kafkaPasswordFile,
    ])
      expect(fs.statSync(file).mode & 0o077).toBe(0);
    const password = fs.readFileSync(material.kafkaPasswordFile, 'utf8');
    expect(password).toMatch(/^[\w-]{32}$/);
    ensureSecureMaterial(stackPaths(root));
    expect(fs.readFileSync(material.kafkaPasswordFile, 'utf8')).toBe(password);
  });

  it('gives the broker a SASL_SSL listener with a PEM key store, a client certificate required, and SCRAM users at format', () => {
    const listener = secureListener(material, 19_094);
    expect(listener.properties).toMatchObject({
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
      'listener.name.sasl_ssl.ssl.client.auth': 'required',
    });
    const password = fs.readFileSync(material.kafkaPasswordFile, 'utf8');
    expect(listener.formatArgs).toEqual([
      '--add-scram',
      `SCRAM-SHA-256=[name=pipeline,password=${password}]`,
      '--add-scram',
      `SCRAM-SHA-512=[name=pipeline,password=${password}]`,
    ]);
    // The key store is the server's key, then its certificate.
    expect(fs.readFileSync(material.brokerKeyStore, 'utf8')).toBe(
      fs.readFileSync(material.server.key, 'utf8') + fs.readFileSync(material.server.cert, 'utf8'),
    );
  });

  it('points the pipeline at the secure parts with variables the configuration accepts', () => {
    const config = loadConfig(secureEnv(material, { kafka: 19_094, target: 15_434 }));
    expect(config.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
    expect(config.TARGET_DATABASE_URL).toBe(
      'postgres://postgres@127.0.0.1:15434/targetdb?sslmode=verify-full',
    );
  });

  it('moves its ports with CDC_KAFKA_SECURE_PORT and CDC_SECURE_TARGET_PORT', () => {
    expect(securePorts({})).toEqual({ kafka: 19_094, target: 15_434 });
    expect(securePorts({ CDC_KAFKA_SECURE_PORT: '39094', CDC_SECURE_TARGET_PORT: '35434' })).toEqual({
      kafka: 39_094,
      target: 35_434,
    });
    expect(() => securePorts({ CDC_KAFKA_SECURE_PORT: 'x' })).toThrow(StackError);
  });

  it('makes Kafka cluster ids as Kafka prints them: 16 bytes, base64url, never a leading dash', () => {
    for (let i = 0; i < 200; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});
