/**
 * What the broker and the Connect worker share: one class path (.stack/lib), a log4j2 properties
 * file (console output, which the process manager sends to the part's log), and the java command.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StackPaths } from './config.js';

const LOG4J2_PROPERTIES = `# Written by the stack commands: console output, which goes to the part's log file.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
`;

export function writeProperties(file: string, properties: Readonly<Record<string, string | number>>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${value}`);
  fs.writeFileSync(
    file,
    `# Written by the stack commands; edit infra/stack, not this file.\n${lines.join('\n')}\n`,
  );
}

/** JVM arguments common to both parts: heap limits, log config, class path. */
export function jvmArgs(
  paths: StackPaths,
  heap: string,
  mainClass: string,
  args: readonly string[],
): string[] {
  const log4j = path.join(paths.config, 'log4j2.properties');
  fs.mkdirSync(paths.config, { recursive: true });
  fs.writeFileSync(log4j, LOG4J2_PROPERTIES);
  return [
    ...heap.split(' '),
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    `${paths.lib}/*`,
    mainClass,
    ...args,
  ];
}
