/**
 * Preloaded into a CLI process (NODE_OPTIONS=--import=<this file's URL>) to run its wall
 * clock from OPTDB_TEST_CLOCK (an ISO time) onwards: `new Date()` and `Date.now()` start
 * there and advance in real time, so a test of "is the market open now" does not depend
 * on when it runs. Timers and performance.now() are untouched.
 */
const start = Date.parse(process.env.OPTDB_TEST_CLOCK ?? '');
if (Number.isNaN(start)) throw new Error(`OPTDB_TEST_CLOCK is not an ISO time: ${process.env.OPTDB_TEST_CLOCK}`);
const RealDate = Date;
const offset = start - RealDate.now();

class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...args);
  }

  static now() {
    return RealDate.now() + offset;
  }
}

globalThis.Date = ShiftedDate;
