/**
 * The kinds of value a configuration variable takes. Each parser turns the variable's text into its
 * value or throws an Error whose message says what is wrong with it; `accepts` is what the README,
 * `--help` and error lines say is allowed. Only documented spellings are taken (`true`, never `yes`).
 */

/** One environment variable: its default, what it does, what it accepts and how it is read. */
export interface Variable<T> {
  readonly default: T;
  /** What the variable does, one sentence. */
  readonly doc: string;
  /** The accepted values, as a person reads them: `true or false`, `a whole number, 1 or more`. */
  readonly accepts: string;
  /** The value of the variable's text; throws an Error naming what is wrong. */
  readonly parse: (raw: string) => T;
  /** The default as the docs show it. */
  readonly shownDefault: string;
  /** A default that depends on other variables (a port moved by CDC_TARGET_PORT), as raw text. */
  readonly defaultFrom?: (env: NodeJS.ProcessEnv) => string;
  /** The raw text as error lines may show it, for values that hold a secret (a URL's password). */
  readonly redact?: (raw: string) => string;
}

type Kind<T> = Omit<Variable<T>, 'doc' | 'default' | 'shownDefault' | 'defaultFrom'> & {
  readonly show?: (value: T) => string;
};

/** A variable of a kind, with its default and doc. */
export function variable<T>(
  kind: Kind<T>,
  options: { default: T; doc: string; defaultFrom?: (env: NodeJS.ProcessEnv) => string },
): Variable<T> {
  const { show = String, ...rest } = kind;
  return { ...rest, ...options, shownDefault: show(options.default) };
}

/** A whole number within [min, max]; `off` documents what 0 means, when 0 is allowed. */
export function wholeNumber({ min, max, off }: { min: number; max?: number; off?: string }): Kind<number> {
  const range = max === undefined ? `${min} or more` : `from ${min} to ${max}`;
  return {
    accepts: `a whole number, ${range}${off ? ` (0 = ${off})` : ''}`,
    parse: (raw) => {
      if (!/^\d+$/.test(raw.trim())) throw new Error('not a whole number');
      const value = Number(raw);
      if (value < min || (max !== undefined && value > max)) throw new Error('out of range');
      return value;
    },
  };
}

export const boolean: Kind<boolean> = {
  accepts: 'true or false',
  parse: (raw) => {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new Error('not a boolean');
  },
};

export function oneOf<const T extends string>(choices: readonly T[]): Kind<T> {
  return {
    accepts: `one of ${choices.join(', ')}`,
    parse: (raw) => {
      if (!(choices as readonly string[]).includes(raw)) throw new Error('not a known value');
      return raw as T;
    },
  };
}

/** A comma-separated list of some of `choices` (empty: none). */
export function subsetOf<const T extends string>(choices: readonly T[]): Kind<readonly T[]> {
  return {
    accepts: `a comma-separated list of ${choices.join(', ')} (empty: none)`,
    parse: (raw) => {
      const names = raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
      const unknown = names.find((name) => !(choices as readonly string[]).includes(name));
      if (unknown !== undefined) throw new Error(`"${unknown}" is not one of ${choices.join(', ')}`);
      return names as T[];
    },
    show: (value) => (value.length === 0 ? '(none)' : value.join(',')),
  };
}

export const text: Kind<string> = {
  accepts: 'any non-empty text',
  parse: (raw) => {
    if (raw.trim() === '') throw new Error('empty');
    return raw;
  },
};

export const regex: Kind<RegExp> = {
  accepts: 'a JavaScript regular expression',
  parse: (raw) => {
    try {
      return new RegExp(raw);
    } catch (error) {
      throw new Error(`not a valid regular expression (${(error as Error).message})`);
    }
  },
  show: (value) => value.source,
};

export function url(protocols: readonly string[]): Kind<string> {
  return {
    accepts: `a URL (${protocols.map((protocol) => `${protocol}//…`).join(' or ')})`,
    parse: (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error('not a URL');
      }
      if (!protocols.includes(parsed.protocol)) throw new Error(`not a ${protocols.join(' or ')} URL`);
      return raw;
    },
  };
}

/** `host:port,host:port`: Kafka's bootstrap servers. */
export const hostPortList: Kind<string> = {
  accepts: 'comma-separated host:port entries',
  parse: (raw) => {
    const entries = raw.split(',').map((entry) => entry.trim());
    const bad = entries.find((entry) => {
      const match = /^(.+):(\d+)$/.exec(entry);
      return !match || Number(match[2]) < 1 || Number(match[2]) > 65535;
    });
    if (bad !== undefined) throw new Error(`entry "${bad}" is not host:port`);
    return entries.join(',');
  },
};

/** `topic=schema.table,topic2=schema.table2` */
export const tableMap: Kind<Readonly<Record<string, string>>> = {
  accepts: 'comma-separated topic=schema.table entries',
  parse: (raw) => {
    const map: Record<string, string> = {};
    for (const entry of raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const [topic, table, extra] = entry.split('=');
      if (!topic || !table || extra !== undefined || !/^[^.]+\.[^.]+$/.test(table)) {
        throw new Error(`entry "${entry}" is not topic=schema.table`);
      }
      map[topic] = table;
    }
    return map;
  },
  show: (value) =>
    Object.entries(value)
      .map(([topic, table]) => `${topic}=${table}`)
      .join(',') || '(none)',
};
