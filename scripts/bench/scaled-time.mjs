// Preload (`node --import ./scaled-time.mjs`) that runs a process's clock
// BENCH_TIME_SCALE times faster: Date, performance.now() and every timer. The
// benchmark runs a third-party action this way against an emulator at the same
// time scale, so its waits (the AWS SDK waiter's 15–600 s delays) shrink exactly
// as the emulator's rollouts do. Berth's own actions use BERTH_TIME_SCALE instead.
import { syncBuiltinESMExports } from 'node:module';
import timersPromises from 'node:timers/promises';

const scale = Number(process.env.BENCH_TIME_SCALE ?? '1');
if (Number.isFinite(scale) && scale > 1) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const origin = realNow();
  const scaledNow = () => Math.floor(origin + (realNow() - origin) * scale);
  class ScaledDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(scaledNow());
      else super(...args);
    }
    static now() {
      return scaledNow();
    }
  }
  globalThis.Date = ScaledDate;
  const perfNow = performance.now.bind(performance);
  const perfOrigin = perfNow();
  performance.now = () => perfOrigin + (perfNow() - perfOrigin) * scale;
  const shrink = (ms) => Math.max(0, Number(ms ?? 0) / scale);
  const { setTimeout: st, setInterval: si } = globalThis;
  globalThis.setTimeout = (fn, ms, ...rest) => st(fn, shrink(ms), ...rest);
  globalThis.setInterval = (fn, ms, ...rest) => si(fn, shrink(ms), ...rest);
  const promised = timersPromises.setTimeout;
  timersPromises.setTimeout = (ms, ...rest) => promised(shrink(ms), ...rest);
  syncBuiltinESMExports();
}
