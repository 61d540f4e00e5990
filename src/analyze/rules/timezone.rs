//! `timezone`: valid IANA time zones and cron schedules; CronJobs say which zone they run in.
crate::declare_rule! {
    /// ## What it does
    /// - A literal `TZ` environment variable of a container must be a valid IANA zone
    ///   (`Europe/Copenhagen`, `UTC`).
    /// - A CronJob `spec.schedule` must be a cron expression Kubernetes accepts: five fields or a
    ///   `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/`@hourly` macro; a
    ///   `TZ=`/`CRON_TZ=` prefix is rejected as the API server rejects it.
    /// - `spec.timeZone`, when set, must be a valid IANA zone.
    /// - A CronJob without `spec.timeZone` gets an info finding: it runs in the controller's zone,
    ///   which is UTC on the platform. Option `require-cronjob-timezone: true` makes it an error.
    /// - A `hostPath` volume of `/etc/localtime` is flagged: set `TZ` instead.
    ///
    /// ## Why
    /// Clusters run in UTC. A wrong zone name silently falls back to UTC; a schedule written for
    /// local time fires an hour or two off; mounting the node's `/etc/localtime` ties the pod to
    /// the node's configuration.
    ///
    /// ## Options
    /// `require-cronjob-timezone` (boolean, default `false`).
    ///
    /// ## Failing example
    /// ```yaml
    /// kind: CronJob
    /// spec:
    ///   schedule: "CRON_TZ=Europe/Copenhagen 0 3 * * *"
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// kind: CronJob
    /// spec:
    ///   schedule: "0 3 * * *"
    ///   timeZone: Europe/Copenhagen
    /// ```
    pub struct Timezone { id: "timezone", severity: Error, summary: "Time zones are valid IANA names, cron schedules are valid and CronJobs state their time zone." }
}
