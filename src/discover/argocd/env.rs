//! Argo CD's build environment (`newEnv`, reposerver/repository/repository.go) and its
//! `Env.Envsubst`: Go's `os.Expand` over `$NAME` / `${NAME}`, where `$$` is a `$` and an
//! unknown name is empty. Argo CD substitutes it in a Helm source's `valueFiles` (after a
//! `$ref/` prefix is resolved), `fileParameters` paths and `parameters` values; never in
//! `values`/`valuesObject`.

use super::application::{Application, Source};

/// The variables of one source of an Application. The revision ones are the commit Argo CD
/// resolves, which a checkout does not say: a string naming them cannot be resolved.
pub struct Env {
    vars: Vec<(&'static str, String)>,
}

/// The largest substituted string (1 MiB): value file paths and `--set` values are short.
pub const MAX_EXPANDED: usize = 1 << 20;

/// The variables only Argo CD knows (the resolved commit).
const REVISION_VARS: [&str; 3] = [
    "ARGOCD_APP_REVISION",
    "ARGOCD_APP_REVISION_SHORT",
    "ARGOCD_APP_REVISION_SHORT_8",
];

/// Argo CD's `InstanceName`: the Application's name, prefixed with its namespace outside
/// Argo CD's own (`argocd`).
pub fn instance_name(app: &Application) -> String {
    match app.app_namespace.as_str() {
        "" | "argocd" => app.name.clone(),
        ns => format!("{ns}_{}", app.name),
    }
}

impl Env {
    pub fn new(app: &Application, source: &Source) -> Env {
        let name = instance_name(app);
        Env {
            vars: vec![
                ("ARGOCD_APP_NAME", name),
                (
                    "ARGOCD_APP_NAMESPACE",
                    app.dest_namespace.clone().unwrap_or_default(),
                ),
                ("ARGOCD_APP_PROJECT_NAME", app.project.clone()),
                ("ARGOCD_APP_SOURCE_REPO_URL", source.repo_url.clone()),
                (
                    "ARGOCD_APP_SOURCE_PATH",
                    source.path.clone().unwrap_or_default(),
                ),
                (
                    "ARGOCD_APP_SOURCE_TARGET_REVISION",
                    source.target_revision.clone().unwrap_or_default(),
                ),
            ],
        }
    }

    /// `s` with the variables substituted, or the revision variable it needs. The result is
    /// bounded ([`MAX_EXPANDED`]): `$ARGOCD_APP_NAME` 5,000 times over a 100 KB name built
    /// half a gigabyte.
    pub fn subst(&self, s: &str) -> Result<String, String> {
        let mut needs = None;
        let mut size = s.len();
        let out = expand(s, |name| {
            if name == "$" {
                return "$".to_string();
            }
            if REVISION_VARS.contains(&name) {
                needs.get_or_insert_with(|| name.to_string());
            }
            let v = (self.vars.iter())
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            size = size.saturating_add(v.len());
            if size > MAX_EXPANDED {
                String::new()
            } else {
                v
            }
        });
        if size > MAX_EXPANDED {
            return Err(format!(
                "`{}` expands past {MAX_EXPANDED} bytes",
                crate::confine::excerpt(s, 80)
            ));
        }
        match needs {
            Some(v) => Err(format!(
                "`{s}` uses ${v}, the commit Argo CD resolves, which chartgate cannot know"
            )),
            None => Ok(out),
        }
    }
}

/// Go's `os.Expand`.
fn expand(s: &str, mut mapping: impl FnMut(&str) -> String) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut j = 0;
    while j < b.len() {
        if b[j] == b'$' && j + 1 < b.len() {
            out.push_str(&s[i..j]);
            let (name, w) = shell_name(&s[j + 1..]);
            match name {
                // Bad syntax (`${}`, `${` unclosed): the characters are eaten.
                None if w > 0 => {}
                // `$` not followed by a name stays.
                None => out.push('$'),
                Some(n) => out.push_str(&mapping(n)),
            }
            j += w;
            i = j + 1;
        }
        j += 1;
    }
    out.push_str(&s[i.min(s.len())..]);
    out
}

fn is_special(c: u8) -> bool {
    matches!(
        c,
        b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-' | b'0'..=b'9'
    )
}

fn is_alnum(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// Go's `getShellName`: the name after a `$` and how many bytes it took.
fn shell_name(s: &str) -> (Option<&str>, usize) {
    let b = s.as_bytes();
    if b[0] == b'{' {
        if b.len() > 2 && is_special(b[1]) && b[2] == b'}' {
            return (Some(&s[1..2]), 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return (None, 2);
                }
                return (Some(&s[1..i]), i + 1);
            }
        }
        return (None, 1);
    }
    if is_special(b[0]) {
        return (Some(&s[0..1]), 1);
    }
    let n = b.iter().take_while(|c| is_alnum(**c)).count();
    if n == 0 {
        (None, 0)
    } else {
        (Some(&s[..n]), n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        let app = Application {
            name: "web".into(),
            app_namespace: "argocd".into(),
            dest_namespace: Some("team-a".into()),
            project: "team".into(),
            ..Application::default()
        };
        let source = Source {
            repo_url: "https://git.example.com/org/apps.git".into(),
            path: Some("charts/web".into()),
            target_revision: Some("main".into()),
            ..Source::default()
        };
        Env::new(&app, &source)
    }

    #[test]
    fn expands_as_go_os_expand_with_argo_cd_variables() {
        let e = env();
        let ok = |s: &str| e.subst(s).unwrap();
        assert_eq!(ok("values-$ARGOCD_APP_NAME.yaml"), "values-web.yaml");
        assert_eq!(ok("ns-${ARGOCD_APP_NAMESPACE}"), "ns-team-a");
        assert_eq!(ok("pa$$word$UNKNOWN"), "pa$word");
        assert_eq!(
            ok(
                "$ARGOCD_APP_PROJECT_NAME/$ARGOCD_APP_SOURCE_PATH@$ARGOCD_APP_SOURCE_TARGET_REVISION"
            ),
            "team/charts/web@main"
        );
        // `$` at the end or before a non-name stays; `${}` and an unclosed `${` are eaten.
        assert_eq!(ok("a$"), "a$");
        assert_eq!(ok("a$.b"), "a$.b");
        assert_eq!(ok("a${}b"), "ab");
        assert_eq!(ok("a${b"), "ab");
        // Special one-character names: `$1`, `${*}`.
        assert_eq!(ok("x$1y${*}z"), "xyz");
        assert_eq!(
            e.subst("v-$ARGOCD_APP_REVISION_SHORT.yaml").unwrap_err(),
            "`v-$ARGOCD_APP_REVISION_SHORT.yaml` uses $ARGOCD_APP_REVISION_SHORT, the commit Argo CD resolves, which chartgate cannot know"
        );
    }

    #[test]
    fn expansion_is_bounded() {
        let app = Application {
            name: "n".repeat(100_000),
            ..Application::default()
        };
        let e = Env::new(&app, &Source::default());
        let s = "$ARGOCD_APP_NAME".repeat(20);
        assert_eq!(
            e.subst(&s).unwrap_err(),
            format!("`{}…` expands past 1048576 bytes", &s[..80])
        );
        assert_eq!(e.subst("$ARGOCD_APP_NAME").unwrap().len(), 100_000);
    }

    #[test]
    fn the_app_name_outside_argo_cds_namespace_carries_it() {
        let app = Application {
            name: "web".into(),
            app_namespace: "team-apps".into(),
            ..Application::default()
        };
        let e = Env::new(&app, &Source::default());
        assert_eq!(e.subst("$ARGOCD_APP_NAME").unwrap(), "team-apps_web");
    }
}
