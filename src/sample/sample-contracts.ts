/**
 * The sample as a stream of contracts: the universe, each underlying's share of the
 * requested contracts, then chain by chain, contract by contract. Nothing but the
 * underlyings and one series' strikes is held in memory, whatever the size.
 */
import { OptdbError } from '../errors.js';
import { apportion } from './apportion.js';
import { type ChainContract, chainCapacity, chainContracts } from './chain.js';
import { Random } from './random.js';
import { type ContractDay, simulateDay } from './trading-day.js';
import { tradingSession } from './trading-session.js';
import { type Underlying, buildUniverse } from './universe.js';

/**
 * A listed contract and its day. Two parts rather than one merged object: copying every
 * contract's fields into a new object took about a third of the generation time.
 */
export interface SampleContract {
  readonly contract: ChainContract;
  readonly day: ContractDay;
}

export interface SampleScope {
  readonly underlyings: number;
  /** Listed contracts in total; an odd number drops the very last put. */
  readonly contracts: number;
  readonly date: string;
  readonly seed: number;
}

export interface SamplePlan {
  readonly scope: SampleScope;
  readonly chains: readonly { readonly underlying: Underlying; readonly pairs: number }[];
}

/** Decides who lists how many contracts; fails before anything is written if they cannot. */
export function planSample(scope: SampleScope): SamplePlan {
  const universe = buildUniverse(scope.underlyings, new Random(scope.seed, 0));
  const capacities = universe.map((underlying) => chainCapacity(underlying, scope.date));
  const pairs = apportion(
    Math.ceil(scope.contracts / 2),
    universe.map((underlying) => underlying.weight),
    capacities,
  );
  if (!pairs) {
    const most = 2 * capacities.reduce((sum, capacity) => sum + capacity, 0);
    throw new OptdbError(
      'CONFIG_INVALID',
      `--contracts ${scope.contracts} is more than ${scope.underlyings} underlyings can list on ${scope.date} (at most ${most})`,
      { remedy: 'Raise --underlyings or lower --contracts.' },
    );
  }
  return { scope, chains: universe.map((underlying, i) => ({ underlying, pairs: pairs[i]! })) };
}

/** Every contract of the plan with its day; the same plan always yields the same values. */
export function* sampleContracts(plan: SamplePlan): Generator<SampleContract> {
  const session = tradingSession(plan.scope.date);
  let left = plan.scope.contracts;
  for (const [i, { underlying, pairs }] of plan.chains.entries()) {
    // One random stream per underlying: one chain's draws never shift another's.
    const random = new Random(plan.scope.seed, i + 1);
    for (const contract of chainContracts(underlying, plan.scope.date, pairs)) {
      if (left-- <= 0) return;
      yield { contract, day: simulateDay(contract, session, random) };
    }
  }
}
