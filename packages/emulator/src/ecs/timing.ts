/**
 * Emulated durations (milliseconds) of the things ECS does on its own. Task
 * start and stop times per launch type, and the throttle of tasks that fail to
 * start, are in pacing.ts; health check timings come from each definition
 * (health.ts).
 */
export const TIMING = {
  /** From an API change to the scheduler's first pass over the service. */
  schedulerLatencyMs: 1_000,
  /**
   * The service scheduler's next pass after a task stopped: failed tasks are
   * replaced then (with the launch timings of pacing.ts, a Fargate crash loop
   * restarts about once a minute, as recorded in the corpus).
   */
  schedulerPassMs: 5_000,
  /** How often the scheduler tries again to place tasks that could not be placed. */
  placementRetryMs: 60_000,
  /** A container restarted in place by its restartPolicy starts again after this. */
  containerRestartMs: 2_000,
  /**
   * "If a task has no essential containers with a health check defined, the
   * service scheduler will wait for 40 seconds after a task reaches a RUNNING
   * state before the task is counted towards the minimum healthy percent total."
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
   */
  noHealthCheckGraceMs: 40_000,
  /** Essential container exit after RUNNING when a behaviour gives an exit code but no time (world.ts: 3 s). */
  defaultExitAfterMs: 3_000,
  /** One-off tasks (RunTask) run this long when the behaviour gives no runSeconds (world.ts: 5 s). */
  defaultRunMs: 5_000,
  /**
   * Stop sequence: DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED; the
   * deprovisioning time depends on the launch type (pacing.ts). Without a load
   * balancer there is nothing to deregister, and the emulated apps exit on SIGTERM.
   */
  deactivatingMs: 1_000,
  stoppingMs: 1_000,
  /** Instant lifecycle stages of blue/green, canary and linear deployments last this long. */
  stageMs: 1_000,
  /** How often ECS polls the deployment's CloudWatch alarms. */
  alarmPollMs: 10_000,
  /**
   * Rolling deployments with alarms bake before COMPLETED; AWS computes the time
   * from the alarm configuration ("You can't set this value", deployment-alarm-failure.html).
   * The emulator uses bakeTimeInMinutes when given, else this.
   */
  defaultRollingAlarmBakeMs: 5 * 60_000,
  /** "(service x) has reached a steady state." repeats every 6 hours while steady (service-event-messages.html). */
  steadyReminderMs: 6 * 60 * 60_000,
  /** Stopped tasks stay describable "for at least 1 hour". */
  stoppedTaskRetentionMs: 60 * 60_000,
  /** INACTIVE services stay describable for an hour, then DescribeServices answers MISSING. */
  inactiveServiceRetentionMs: 60 * 60_000,
} as const;
