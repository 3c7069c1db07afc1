import * as E from 'fp-ts/lib/Either.js';
import { filter, map, pipe, tap, type Observer, type OperatorFunction } from 'rxjs';

/**
 * Forwards the rights and hands each left to `deadLetters.next`, so a record that failed to decode
 * or route goes to the dead-letter side while the stream goes on. Only `next` is called: the
 * dead-letter side's own completion belongs to whoever owns it. A throwing `next` errors the stream
 * (a dead letter that cannot be kept must not be dropped silently).
 */
export function splitFailures<L, A>(
  deadLetters: Pick<Observer<L>, 'next'>,
): OperatorFunction<E.Either<L, A>, A> {
  return pipe(
    tap((either) => {
      if (E.isLeft(either)) deadLetters.next(either.left);
    }),
    filter(E.isRight),
    map((right) => right.right),
  );
}
