//! `pod-security`: the Pod Security Standards as `k8s.io/pod-security-admission` enforces them.
crate::declare_rule! {
    /// ## What it does
    /// Checks every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
    /// CronJob, ReplicationController, Argo Rollout) against the Pod Security Standards level of
    /// the environment (`pod-security: baseline` by default, or `restricted`), control by control
    /// as the Kubernetes Pod Security admission (`k8s.io/pod-security-admission`, `policy/check_*.go`)
    /// implements them **as of the environment's `kube-version`** (its version gates: `sysctls`
    /// allowed set grows in 1.32 and 1.37, `seLinuxOptions` allows `container_engine_t` from
    /// 1.31, `hostProbesAndHostLifecycle` starts in 1.34, user-namespace pods (`hostUsers: false`)
    /// are relaxed for `procMount`, `runAsNonRoot` and `runAsUser` from 1.35, `procMount_restricted`
    /// from 1.35). Init and ephemeral containers are checked like containers.
    ///
    /// Baseline controls: `hostNamespaces`, `privileged`, `capabilities_baseline`,
    /// `hostPathVolumes`, `hostPorts`, `appArmorProfile`, `seLinuxOptions`, `procMount`,
    /// `seccompProfile_baseline`, `sysctls`, `windowsHostProcess`, `hostProbesAndHostLifecycle`.
    /// Restricted adds `restrictedVolumes` (replaces `hostPathVolumes`), `allowPrivilegeEscalation`,
    /// `runAsNonRoot`, `runAsUser`, `seccompProfile_restricted` (replaces the baseline one),
    /// `capabilities_restricted` (replaces the baseline one) and `procMount_restricted`.
    ///
    /// Each finding names the control id and the field path, at the line that set the field (the
    /// values line for charts), or at the container / pod spec when a required field is missing.
    ///
    /// ## Why
    /// A namespace that enforces a Pod Security level rejects the pods; a Deployment still syncs
    /// in Argo CD but its ReplicaSet never gets a pod. Finding it in the pull request is cheaper.
    ///
    /// ## Failing example
    /// ```yaml
    /// # pod-security: restricted
    /// spec:
    ///   containers:
    ///     - name: app
    ///       securityContext:
    ///         privileged: true          # privileged
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     seccompProfile: { type: RuntimeDefault }
    ///   containers:
    ///     - name: app
    ///       securityContext:
    ///         allowPrivilegeEscalation: false
    ///         capabilities: { drop: [ALL] }
    /// ```
    pub struct PodSecurity { id: "pod-security", severity: Error, summary: "Pod templates meet the environment's Pod Security Standards level (baseline or restricted) as its Kubernetes version enforces it." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::kube::{PodSecurityLevel, minor_of};
use crate::analyze::model::{Container, Resource, scalar_text};
use crate::yaml::Node;

impl Rule for PodSecurity {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let kube = &ctx.settings.kube;
        let v = minor_of(&kube.version);
        for r in ctx.resources {
            if let Some((spec, path)) = r.pod_spec {
                let mut c = Checker {
                    r,
                    spec,
                    path,
                    version: v,
                    level: kube.pod_security,
                    out,
                };
                c.run();
            }
        }
    }
}

const CAPS_BASELINE: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The safe sysctls of `check_sysctls.go` allowed at `(1, minor)`.
fn sysctl_allowed(name: &str, v: (u64, u64)) -> bool {
    const V1_0: &[&str] = &[
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ];
    const V1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
    const V1_29: &[&str] = &[
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];
    const V1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
    const V1_37: &[&str] = &[
        "net.ipv4.tcp_slow_start_after_idle",
        "net.ipv4.tcp_notsent_lowat",
    ];
    [
        ((1, 0), V1_0),
        ((1, 27), V1_27),
        ((1, 29), V1_29),
        ((1, 32), V1_32),
        ((1, 37), V1_37),
    ]
    .iter()
    .any(|(since, names)| v >= *since && names.contains(&name))
}

struct Checker<'a, 'o, 's> {
    r: &'a Resource<'a>,
    spec: &'a Node,
    path: &'static str,
    version: (u64, u64),
    level: PodSecurityLevel,
    out: &'o mut Sink<'s>,
}

/// The value of a field: strings as written, numbers and booleans as text.
fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(scalar_text)
}

impl<'a> Checker<'a, '_, '_> {
    fn at_least(&self, major: u64, minor: u64) -> bool {
        self.version >= (major, minor)
    }

    fn restricted(&self) -> bool {
        self.level == PodSecurityLevel::Restricted
    }

    fn emit(&mut self, control: &str, node: &'a Node, field: String, message: String) {
        self.out.push(raw(
            self.r,
            node,
            Some(field),
            format!(
                "{control}: {message} (Pod Security `{}`)",
                self.level.name()
            ),
        ));
    }

    /// `spec.hostUsers: false`: the 1.35+ relaxations for user-namespace pods.
    fn user_namespace(&self) -> bool {
        self.at_least(1, 35) && self.spec.get("hostUsers").and_then(Node::as_bool) == Some(false)
    }

    /// `spec.os.name: windows`: restricted's 1.25+ Windows exemptions.
    fn windows(&self) -> bool {
        self.spec.get_path(&["os", "name"]).and_then(Node::as_str) == Some("windows")
    }

    fn run(&mut self) {
        let containers: Vec<Container<'a>> = self.r.containers.clone();
        self.host_namespaces();
        self.pod_level_security_context();
        self.volumes();
        self.sysctls();
        self.annotations();
        for c in &containers {
            self.container(c);
        }
        if self.restricted() {
            self.restricted_pod_requirements(&containers);
        }
    }

    fn host_namespaces(&mut self) {
        for f in ["hostNetwork", "hostPID", "hostIPC"] {
            if let Some(n) = self.spec.get(f)
                && n.as_bool() == Some(true)
            {
                let field = format!("{}.{f}", self.path);
                self.emit("hostNamespaces", n, field, format!("{f}=true is forbidden"));
            }
        }
    }

    fn pod_level_security_context(&mut self) {
        let Some(sc) = self.spec.get("securityContext") else {
            return;
        };
        let base = format!("{}.securityContext", self.path);
        self.security_context_common(sc, &base, "pod");
        if self.restricted() {
            if let Some(n) = sc.get("runAsNonRoot")
                && n.as_bool() == Some(false)
                && !self.user_namespace()
            {
                self.emit(
                    "runAsNonRoot",
                    n,
                    format!("{base}.runAsNonRoot"),
                    "pod must not set securityContext.runAsNonRoot=false".into(),
                );
            }
            if let Some(n) = sc.get("runAsUser")
                && n.as_i64() == Some(0)
                && !self.user_namespace()
            {
                self.emit(
                    "runAsUser",
                    n,
                    format!("{base}.runAsUser"),
                    "pod must not set runAsUser=0".into(),
                );
            }
            if let Some(t) = sc.get_path(&["seccompProfile", "type"])
                && !self.windows_exempt()
            {
                self.seccomp_restricted_value(t, &format!("{base}.seccompProfile.type"), "pod");
            }
        }
    }

    /// Windows pods are exempt from restricted's allowPrivilegeEscalation, capabilities and
    /// seccomp checks since 1.25.
    fn windows_exempt(&self) -> bool {
        self.windows()
    }

    /// The checks pod and container security contexts share: seLinuxOptions, baseline seccomp,
    /// appArmorProfile and windowsHostProcess.
    fn security_context_common(&mut self, sc: &'a Node, base: &str, who: &str) {
        if let Some(opts) = sc.get("seLinuxOptions") {
            let allowed: &[&str] = if self.at_least(1, 31) {
                &[
                    "",
                    "container_t",
                    "container_init_t",
                    "container_kvm_t",
                    "container_engine_t",
                ]
            } else {
                &["", "container_t", "container_init_t", "container_kvm_t"]
            };
            if let Some(t) = opts.get("type") {
                let value = text(Some(t)).unwrap_or_default();
                if !allowed.contains(&value.as_str()) {
                    self.emit(
                        "seLinuxOptions",
                        t,
                        format!("{base}.seLinuxOptions.type"),
                        format!("{who} must not set seLinuxOptions type \"{value}\""),
                    );
                }
            }
            for f in ["user", "role"] {
                if let Some(n) = opts.get(f)
                    && !text(Some(n)).unwrap_or_default().is_empty()
                {
                    self.emit(
                        "seLinuxOptions",
                        n,
                        format!("{base}.seLinuxOptions.{f}"),
                        format!("{who} must not set seLinuxOptions {f}"),
                    );
                }
            }
        }
        // Baseline seccomp: Unconfined is forbidden (restricted checks the stricter set instead).
        if !self.restricted()
            && let Some(t) = sc.get_path(&["seccompProfile", "type"])
        {
            let value = text(Some(t)).unwrap_or_default();
            if value != "RuntimeDefault" && value != "Localhost" {
                self.emit(
                    "seccompProfile_baseline",
                    t,
                    format!("{base}.seccompProfile.type"),
                    format!(
                        "{who} must not set securityContext.seccompProfile.type to \"{value}\""
                    ),
                );
            }
        }
        if let Some(t) = sc.get_path(&["appArmorProfile", "type"]) {
            let value = text(Some(t)).unwrap_or_default();
            if value != "RuntimeDefault" && value != "Localhost" {
                self.emit(
                    "appArmorProfile",
                    t,
                    format!("{base}.appArmorProfile.type"),
                    format!("{who} must not set AppArmor profile type to \"{value}\""),
                );
            }
        }
        if let Some(n) = sc.get_path(&["windowsOptions", "hostProcess"])
            && n.as_bool() == Some(true)
        {
            self.emit(
                "windowsHostProcess",
                n,
                format!("{base}.windowsOptions.hostProcess"),
                format!("{who} must not set securityContext.windowsOptions.hostProcess=true"),
            );
        }
    }

    fn seccomp_restricted_value(&mut self, t: &'a Node, field: &str, who: &str) {
        let value = text(Some(t)).unwrap_or_default();
        if value != "RuntimeDefault" && value != "Localhost" {
            self.emit(
                "seccompProfile_restricted",
                t,
                field.to_string(),
                format!("{who} must not set securityContext.seccompProfile.type to \"{value}\""),
            );
        }
    }

    fn volumes(&mut self) {
        let Some(vols) = self.spec.get("volumes").and_then(Node::as_seq) else {
            return;
        };
        for (i, vol) in vols.iter().enumerate() {
            let Some(pairs) = vol.as_map() else { continue };
            let name = vol.get("name").and_then(Node::as_str).unwrap_or_default();
            let source = pairs
                .iter()
                .map(|(k, _)| k.key_string())
                .find(|k| k != "name");
            let field = |s: &str| format!("{}.volumes[{i}].{s}", self.path);
            if self.restricted() {
                let ty = source.clone().unwrap_or_else(|| "unknown".into());
                if !RESTRICTED_VOLUMES.contains(&ty.as_str()) {
                    let node = vol.get(&ty).unwrap_or(vol);
                    let f = field(&ty);
                    self.emit(
                        "restrictedVolumes",
                        node,
                        f,
                        format!("volume \"{name}\" uses restricted volume type \"{ty}\""),
                    );
                }
            } else if let Some(n) = vol.get("hostPath") {
                let f = field("hostPath");
                self.emit(
                    "hostPathVolumes",
                    n,
                    f,
                    format!("hostPath volume \"{name}\" is forbidden"),
                );
            }
        }
    }

    fn sysctls(&mut self) {
        let Some(list) = self
            .spec
            .get_path(&["securityContext", "sysctls"])
            .and_then(Node::as_seq)
        else {
            return;
        };
        for (i, s) in list.iter().enumerate() {
            let Some(n) = s.get("name") else { continue };
            let name = text(Some(n)).unwrap_or_default();
            if !sysctl_allowed(&name, self.version) {
                let field = format!("{}.securityContext.sysctls[{i}].name", self.path);
                self.emit("sysctls", n, field, format!("forbidden sysctl \"{name}\""));
            }
        }
    }

    /// The pod template's deprecated AppArmor and seccomp annotations.
    fn annotations(&mut self) {
        let meta_path = match self.path.strip_suffix("spec") {
            Some(prefix) => format!("{prefix}metadata"),
            None => return,
        };
        let Some(meta) = self.r.node.find_path(&meta_path) else {
            return;
        };
        let Some(pairs) = meta.get("annotations").and_then(Node::as_map) else {
            return;
        };
        for (k, v) in pairs {
            let key = k.key_string();
            let value = text(Some(v)).unwrap_or_default();
            let field = format!("{meta_path}.annotations.{key}");
            if key.starts_with("container.apparmor.security.beta.kubernetes.io/")
                && !(value.is_empty()
                    || value == "runtime/default"
                    || value.starts_with("localhost/"))
            {
                self.emit(
                    "appArmorProfile",
                    v,
                    field,
                    format!("forbidden AppArmor annotation {key}=\"{value}\""),
                );
                continue;
            }
            // The seccomp annotations are only read by PSA's 1.0-1.18 check (fields since 1.19),
            // older than every supported version: nothing to check.
        }
    }

    fn container(&mut self, c: &Container<'a>) {
        let sc = c.node.get("securityContext");
        let base = format!("{}.securityContext", c.path);
        let who = c.label();
        if let Some(sc) = sc {
            if let Some(n) = sc.get("privileged")
                && n.as_bool() == Some(true)
            {
                self.emit(
                    "privileged",
                    n,
                    format!("{base}.privileged"),
                    format!("{who} must not set securityContext.privileged=true"),
                );
            }
            self.security_context_common(sc, &base, &who);
            if let Some(n) = sc.get("procMount") {
                let value = text(Some(n)).unwrap_or_default();
                let relaxed = self.user_namespace();
                if value != "Default" {
                    // Restricted 1.35+ replaces the relaxed baseline check by the strict one.
                    if self.restricted() && self.at_least(1, 35) {
                        self.emit(
                            "procMount_restricted",
                            n,
                            format!("{base}.procMount"),
                            format!("{who} must not set securityContext.procMount to \"{value}\""),
                        );
                    } else if !relaxed {
                        self.emit(
                            "procMount",
                            n,
                            format!("{base}.procMount"),
                            format!("{who} must not set securityContext.procMount to \"{value}\""),
                        );
                    }
                }
            }
            // Capabilities: baseline's allowed set, or restricted's drop ALL / add only
            // NET_BIND_SERVICE (which replaces the baseline check).
            if !self.restricted() {
                for (i, cap) in sc
                    .get_path(&["capabilities", "add"])
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let name = text(Some(cap)).unwrap_or_default();
                    if !CAPS_BASELINE.contains(&name.as_str()) {
                        self.emit(
                            "capabilities_baseline",
                            cap,
                            format!("{base}.capabilities.add[{i}]"),
                            format!("{who} must not add non-default capability \"{name}\""),
                        );
                    }
                }
            }
        }
        for (probe, handler_path) in [
            ("livenessProbe", &[][..]),
            ("readinessProbe", &[][..]),
            ("startupProbe", &[][..]),
            ("lifecycle", &["postStart"][..]),
            ("lifecycle", &["preStop"][..]),
        ] {
            if !self.at_least(1, 34) {
                break;
            }
            let mut path: Vec<&str> = vec![probe];
            path.extend_from_slice(handler_path);
            let Some(h) = c.node.get_path(&path) else {
                continue;
            };
            for action in ["httpGet", "tcpSocket"] {
                if let Some(host) = h.get_path(&[action, "host"])
                    && !text(Some(host)).unwrap_or_default().is_empty()
                {
                    let value = text(Some(host)).unwrap_or_default();
                    self.emit(
                        "hostProbesAndHostLifecycle",
                        host,
                        format!("{}.{}.{action}.host", c.path, path.join(".")),
                        format!(
                            "{who} must not set {}.{action}.host \"{value}\"",
                            path.join(".")
                        ),
                    );
                }
            }
        }
        for (i, p) in c
            .node
            .get("ports")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(hp) = p.get("hostPort")
                && hp.as_i64().is_some_and(|v| v != 0)
            {
                self.emit(
                    "hostPorts",
                    hp,
                    format!("{}.ports[{i}].hostPort", c.path),
                    format!("{who} must not use hostPort {}", hp.as_i64().unwrap_or(0)),
                );
            }
        }
    }

    /// Restricted: what every container must set (explicitly or through the pod).
    fn restricted_pod_requirements(&mut self, containers: &[Container<'a>]) {
        let pod_sc = self.spec.get("securityContext");
        let pod_non_root = pod_sc
            .and_then(|s| s.get("runAsNonRoot"))
            .and_then(Node::as_bool)
            == Some(true);
        let pod_seccomp = pod_sc
            .and_then(|s| s.get_path(&["seccompProfile", "type"]))
            .and_then(Node::as_str)
            .is_some_and(|t| t == "RuntimeDefault" || t == "Localhost");
        let windows = self.windows_exempt();
        let userns = self.user_namespace();
        for c in containers {
            let sc = c.node.get("securityContext");
            let base = format!("{}.securityContext", c.path);
            let who = c.label();
            let at = sc.unwrap_or(c.node);
            // allowPrivilegeEscalation (1.8; Windows exempt from 1.25).
            if !windows {
                match sc.and_then(|s| s.get("allowPrivilegeEscalation")) {
                    Some(n) if n.as_bool() == Some(false) => {}
                    Some(n) => self.emit(
                        "allowPrivilegeEscalation",
                        n,
                        format!("{base}.allowPrivilegeEscalation"),
                        format!("{who} must set securityContext.allowPrivilegeEscalation=false"),
                    ),
                    None => self.emit(
                        "allowPrivilegeEscalation",
                        at,
                        format!("{base}.allowPrivilegeEscalation"),
                        format!("{who} must set securityContext.allowPrivilegeEscalation=false"),
                    ),
                }
            }
            // runAsNonRoot (relaxed for user-namespace pods from 1.35).
            if !userns {
                match sc.and_then(|s| s.get("runAsNonRoot")) {
                    Some(n) if n.as_bool() == Some(false) => self.emit(
                        "runAsNonRoot",
                        n,
                        format!("{base}.runAsNonRoot"),
                        format!("{who} must not set securityContext.runAsNonRoot=false"),
                    ),
                    Some(_) => {}
                    None if !pod_non_root => self.emit(
                        "runAsNonRoot",
                        at,
                        format!("{base}.runAsNonRoot"),
                        format!("pod or {who} must set securityContext.runAsNonRoot=true"),
                    ),
                    None => {}
                }
                if let Some(n) = sc.and_then(|s| s.get("runAsUser"))
                    && n.as_i64() == Some(0)
                {
                    self.emit(
                        "runAsUser",
                        n,
                        format!("{base}.runAsUser"),
                        format!("{who} must not set runAsUser=0"),
                    );
                }
            }
            if windows {
                continue;
            }
            // seccompProfile_restricted.
            match sc.and_then(|s| s.get_path(&["seccompProfile", "type"])) {
                Some(t) => {
                    self.seccomp_restricted_value(t, &format!("{base}.seccompProfile.type"), &who)
                }
                None if !pod_seccomp => self.emit(
                    "seccompProfile_restricted",
                    at,
                    format!("{base}.seccompProfile.type"),
                    format!(
                        "pod or {who} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""
                    ),
                ),
                None => {}
            }
            // capabilities_restricted: drop ALL, add nothing but NET_BIND_SERVICE.
            let caps = sc.and_then(|s| s.get("capabilities"));
            let drops_all = caps
                .and_then(|c| c.get("drop"))
                .and_then(Node::as_seq)
                .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("ALL")));
            if !drops_all {
                let node = caps.and_then(|c| c.get("drop")).or(caps).unwrap_or(at);
                self.emit(
                    "capabilities_restricted",
                    node,
                    format!("{base}.capabilities.drop"),
                    format!("{who} must set securityContext.capabilities.drop=[\"ALL\"]"),
                );
            }
            for (i, cap) in caps
                .and_then(|c| c.get("add"))
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let name = text(Some(cap)).unwrap_or_default();
                if name != "NET_BIND_SERVICE" {
                    self.emit(
                        "capabilities_restricted",
                        cap,
                        format!("{base}.capabilities.add[{i}]"),
                        format!(
                            "{who} must not include \"{name}\" in securityContext.capabilities.add"
                        ),
                    );
                }
            }
        }
    }
}
