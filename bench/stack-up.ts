/** `npm run bench:stack -- up|down`: the bench's own stack by hand (profiling a run, say). */
import { benchStackDown, benchStackUp } from './stack.js';

const say = (line: string): void => console.log(line);
const command = process.argv[2] ?? 'up';
if (command === 'up') await benchStackUp(say);
else if (command === 'down') await benchStackDown(say);
else throw new RangeError(`bench:stack ${command}: use up or down`);
