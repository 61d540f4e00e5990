//! Rego throughput: 5 policies (the 4 bundled platform policies + the conftest v0 example)
//! × 10,000 manifests. Prints manifests/s on one thread, two threads and all threads, and the
//! fixed cost of a new `data.chartgate.context` (one per chart × environment).
//! Run: `cargo bench --bench rego`.

use chartgate::analyze::rego::{PolicySet, PolicySource, RegoInput, RegoOptions};
use rayon::prelude::*;
use serde_json::json;
use std::time::Instant;

fn manifest(i: usize) -> RegoInput {
    let doc = match i % 4 {
        0 => json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("web-{i}"), "namespace": "web", "labels": {"app.kubernetes.io/name": "web", "team": "core", "environment": "prod"}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"securityContext": {"runAsNonRoot": true}, "containers": [
                {"name": "web", "image": "354918371398.dkr.ecr.eu-west-1.amazonaws.com/web:1.2.3", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}},
                {"name": "side", "image": "nginx:latest"}]}}}}),
        1 => {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("svc-{i}"), "labels": {"team": "core"}},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})
        }
        2 => {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("s-{i}"), "namespace": "kube-system"},
            "data": {"password": "cGFzcw=="}})
        }
        _ => {
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": format!("app-{i}")},
            "spec": {"project": "default", "destination": {"namespace": "other"}}})
        }
    };
    RegoInput {
        path: format!("m{i}.yaml"),
        doc,
    }
}

fn main() {
    let mut sources = PolicySet::bundled();
    sources.push(PolicySource {
        path: "fixtures/policies/v0/deployment.rego".into(),
        text: include_str!("../fixtures/policies/v0/deployment.rego").into(),
    });
    assert_eq!(sources.len(), 5);
    let set = PolicySet::load(sources, vec![], RegoOptions::default()).expect("load");
    let ctx = json!({"environment": "prod", "cluster": "eks-1", "namespace": "web", "chart": "web", "release": "web"});
    let inputs: Vec<RegoInput> = (0..10_000).map(manifest).collect();
    let policies = 5.0;

    // Single thread, 50 manifests per eval call (one render's worth).
    let mut w = set.worker();
    set.eval(&mut w, &inputs[..10], &ctx).expect("warm");
    let t = Instant::now();
    let mut findings = 0usize;
    for chunk in inputs.chunks(50) {
        findings += set.eval(&mut w, chunk, &ctx).expect("eval").len();
    }
    let secs = t.elapsed().as_secs_f64();
    let one = inputs.len() as f64 / secs;
    println!(
        "1 thread : {} manifests × 5 policies in {:.3}s = {:.0} manifests/s = {:.0} manifest×policy evaluations/s ({} findings)",
        inputs.len(),
        secs,
        one,
        one * policies,
        findings
    );

    for threads in [2, rayon::current_num_threads()] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let t = Instant::now();
        let n: usize = pool.install(|| {
            inputs
                .par_chunks(50)
                .map_init(
                    || set.worker(),
                    |w, chunk| set.eval(w, chunk, &ctx).expect("eval").len(),
                )
                .sum()
        });
        let secs = t.elapsed().as_secs_f64();
        let rate = inputs.len() as f64 / secs;
        println!(
            "{threads} threads: {} manifests × 5 policies in {:.3}s = {:.0} manifests/s = {:.0} manifest×policy evaluations/s ({} findings)",
            inputs.len(),
            secs,
            rate,
            rate * policies,
            n
        );
        assert_eq!(n, findings);
    }

    // A new data.chartgate.context (a new chart × environment) makes regorus re-prepare the
    // engine: the fixed cost per render and worker.
    let mut w = set.worker();
    let t = Instant::now();
    let renders = 200;
    for i in 0..renders {
        let ctx = json!({"environment": "prod", "namespace": "web", "release": format!("r{i}")});
        set.eval(&mut w, &inputs[..1], &ctx).expect("eval");
    }
    println!(
        "context switch + 1 manifest: {:.3} ms per render",
        t.elapsed().as_secs_f64() * 1000.0 / renders as f64
    );
}
