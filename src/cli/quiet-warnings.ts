/**
 * kafkajs 2.2.4 schedules some timers with a negative delay (a deadline already passed). Node 20
 * treated that as 1 ms silently; Node 24 prints a TimeoutNegativeWarning on stderr for it, which
 * our commands' users would read as a fault. The behaviour is the same on both, so only that one
 * warning is left out; every other warning is printed as Node prints it.
 */
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') return;
  console.error(`(node:${process.pid}) ${warning.name}: ${warning.message}`);
});
