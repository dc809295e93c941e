// Preload that reports the process's peak resident memory when it exits, on
// stderr as `BENCH_MAX_RSS_KIB=<n>`, so the benchmark compares two bundles the
// same way whatever they are.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KIB=${process.resourceUsage().maxRSS}\n`);
});
