/**
 * An io-ts codec's `is`, rebuilt from the codec's own structure so that it allocates nothing.
 *
 * io-ts checks a union with `codecs.some((type) => type.is(u))` and an intersection with
 * `codecs.every(…)`: a new closure for every call. The change envelope holds a dozen unions (every
 * nullable field of `source` is one), so its `is` allocated about 1 KB for every change, all of it
 * garbage at once. The guard built here walks the same members in the same order with plain loops:
 * unions, intersections, `type` and `partial` are rebuilt (their members too); every other codec
 * is asked itself, so its answer is the codec's.
 */
import * as t from 'io-ts';

type Guard = (u: unknown) => boolean;

const isRecord = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === 'object' && !Array.isArray(u);

function compile(codec: t.Mixed): Guard {
  if (codec instanceof t.UnionType) {
    const members = (codec.types as readonly t.Mixed[]).map(compile);
    return (u) => {
      for (let i = 0; i < members.length; i++) if (members[i]!(u)) return true;
      return false;
    };
  }
  if (codec instanceof t.IntersectionType) {
    const members = (codec.types as readonly t.Mixed[]).map(compile);
    return (u) => {
      for (let i = 0; i < members.length; i++) if (!members[i]!(u)) return false;
      return true;
    };
  }
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType) {
    const props = codec.props as Readonly<Record<string, t.Mixed>>;
    const keys = Object.keys(props);
    const guards = keys.map((key) => compile(props[key]!));
    // As io-ts: a `type` key must be there (present as undefined counts), a `partial` key may be missing.
    const required = codec instanceof t.InterfaceType;
    return (u) => {
      if (!isRecord(u)) return false;
      for (let i = 0; i < keys.length; i++) {
        const value = u[keys[i]!];
        if (value === undefined) {
          if (!required) continue;
          if (!Object.hasOwn(u, keys[i]!)) return false;
        }
        if (!guards[i]!(value)) return false;
      }
      return true;
    };
  }
  return (u) => codec.is(u);
}

/** The codec's `is`, without an allocation per call (see above). */
export const allocationFreeGuard = <C extends t.Mixed>(codec: C): ((u: unknown) => u is t.TypeOf<C>) =>
  compile(codec) as (u: unknown) => u is t.TypeOf<C>;
