/**
 * A shutdown request that nobody can miss: once requested it stays requested, and `requested$`
 * emits at once to a late subscriber. (A plain Subject drops a signal that arrives while nobody
 * listens — between two consumer sessions, say — and the service then ran on.)
 */
import { firstValueFrom, ReplaySubject, timer, race, map, type Observable } from 'rxjs';

export class Shutdown {
  private readonly signal = new ReplaySubject<void>(1);
  private isRequested = false;

  /** Emits once, when shutdown is requested (at once if it already was), then completes. */
  readonly requested$: Observable<void> = this.signal.asObservable();

  get requested(): boolean {
    return this.isRequested;
  }

  request(): void {
    if (this.isRequested) return;
    this.isRequested = true;
    this.signal.next();
    this.signal.complete();
  }

  /** Waits `ms`, or less when shutdown is requested meanwhile. Resolves true when it slept the whole time. */
  sleep(ms: number): Promise<boolean> {
    return firstValueFrom(race(timer(ms).pipe(map(() => true)), this.requested$.pipe(map(() => false))));
  }
}
