/**
 * Command-line values checked once, at start-up, with messages that name the option,
 * the rule and the value received.
 */
import { InvalidArgumentError } from 'commander';
import { parseUnderlyingList } from '../poll/watchlist.js';

export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got \`${value}\``);
    }
    return number;
  };
}

export function choiceOption<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got \`${value}\``);
    }
    return value as T;
  };
}

export function checked<T>(parse: (value: string) => T | undefined, rule: string) {
  return (value: string): T => {
    const parsed = parse(value);
    if (parsed === undefined) throw new InvalidArgumentError(`expected ${rule}, got \`${value}\``);
    return parsed;
  };
}

/** `--underlyings`, repeatable: each value checked as it is parsed, so a bad ticker is a bad command line (exit 2). */
export function underlyingsOption(value: string, list: string[] = []): string[] {
  try {
    parseUnderlyingList(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  return [...list, value];
}
