//! Git chart sources against real repositories made with `git init` in temporary
//! directories: branch/tag/commit resolution, the commit reported, missing refs and paths,
//! vendored and `file://` dependencies, new commits after a push, the fetch TTL, concurrent
//! fetches, timeouts, hostile inputs, served over `file://` and by `git daemon` (`git://`),
//! and an end-to-end HelmRelease from a Git repository going Ready in the sandbox.

#[path = "common/operator.rs"]
mod operator;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use helmrelease_operator::fetch::OperatorFetcher;
use helmrelease_operator::source::git::{GitAuth, GitConfig, GitError, GitRequest, GitSource};

fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIP: the git program is not installed");
    }
    ok
}

/// Runs git in `dir` with no user or system config; returns trimmed stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn chart_yaml(name: &str, version: &str, deps: &str) -> String {
    format!("apiVersion: v2\nname: {name}\nversion: {version}\n{deps}")
}

fn commit_all(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository on `branch` with `charts/app` at 0.1.0 (tagged `v0.1.0`), then 0.2.0.
struct Repo {
    dir: PathBuf,
    c1: String,
    c2: String,
}

fn make_repo(tag: &str, branch: &str) -> Repo {
    let dir = operator::temp_dir(tag).join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", branch]);
    write(
        &dir,
        "charts/app/Chart.yaml",
        &chart_yaml("app", "0.1.0", ""),
    );
    write(&dir, "charts/app/values.yaml", "message: hello\n");
    write(
        &dir,
        "charts/app/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  m: {{ .Values.message }}\n",
    );
    write(&dir, "charts/app/.helmignore", "*.md\n");
    write(&dir, "charts/app/NOTES.md", "ignored\n");
    write(&dir, "docs/README.txt", "not a chart\n");
    let c1 = commit_all(&dir, "one");
    git(&dir, &["tag", "-a", "v0.1.0", "-m", "release"]);
    write(
        &dir,
        "charts/app/Chart.yaml",
        &chart_yaml("app", "0.2.0", ""),
    );
    let c2 = commit_all(&dir, "two");
    Repo { dir, c1, c2 }
}

fn source(tag: &str) -> GitSource {
    let cache = operator::temp_dir(tag).join("cache");
    GitSource::new(
        GitConfig {
            fetch_ttl: Duration::ZERO,
            ..GitConfig::new(cache)
        },
        None,
    )
}

fn req<'a>(url: &'a str, git_ref: &'a str, path: &'a str) -> GitRequest<'a> {
    GitRequest {
        url,
        git_ref,
        path,
        skip_dep_update: false,
    }
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[tokio::test]
async fn resolves_branch_tag_and_commit_over_file_url() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-resolve", "main");
    let src = source("git-resolve");
    let url = file_url(&r.dir);
    let anon = GitAuth::anonymous();

    let got = src
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(got.commit, r.c2);
    assert_eq!(got.chart.metadata.version, "0.2.0");
    assert_eq!(got.chart.templates.len(), 1);
    assert!(
        !got.chart.files.iter().any(|f| f.name == "NOTES.md"),
        ".helmignore applies"
    );
    assert_eq!(
        got.chart
            .values
            .get("message")
            .map(|v| gotemplate::fmt::format_value(&v)),
        Some("hello".to_string())
    );

    let tag = src
        .fetch(&req(&url, "v0.1.0", "./charts/app/"), &anon)
        .await
        .unwrap();
    assert_eq!(tag.commit, r.c1, "annotated tag peeled to its commit");
    assert_eq!(tag.chart.metadata.version, "0.1.0");

    let full = src
        .fetch(&req(&url, &r.c1, "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(full.commit, r.c1);
    assert_eq!(full.chart.metadata.version, "0.1.0");

    let short = src
        .fetch(&req(&url, &r.c1[..10], "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(short.commit, r.c1);

    let qualified = src
        .fetch(&req(&url, "refs/heads/main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(qualified.commit, r.c2);
}

#[tokio::test]
async fn missing_ref_and_paths_are_clear_errors() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-missing", "main");
    let src = source("git-missing");
    let url = file_url(&r.dir);
    let anon = GitAuth::anonymous();

    let e = src
        .fetch(&req(&url, "no-such-branch", "charts/app"), &anon)
        .await
        .unwrap_err();
    assert!(matches!(e, GitError::RefNotFound { .. }), "{e}");
    assert_eq!(e.reason(), "GitRefNotFound");
    assert!(
        e.to_string().contains("\"no-such-branch\" not found"),
        "{e}"
    );

    // The default ref `master` does not exist in a `main`-only repository.
    let e = src
        .fetch(&req(&url, "master", "charts/app"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "GitRefNotFound", "{e}");

    let e = src
        .fetch(&req(&url, "main", "charts/nope"), &anon)
        .await
        .unwrap_err();
    assert!(matches!(e, GitError::PathNotFound { .. }), "{e}");
    assert!(e.to_string().contains(&r.c2), "names the commit: {e}");

    let e = src
        .fetch(&req(&url, "main", "docs"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "InvalidChart", "{e}");
    assert!(e.to_string().contains("Chart.yaml file is missing"), "{e}");

    let e = src.fetch(&req(&url, "main", ""), &anon).await.unwrap_err();
    assert!(
        e.to_string().contains("Chart.yaml file is missing"),
        "root: {e}"
    );

    let e = src
        .fetch(&req(&url, "main", "docs/README.txt"), &anon)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a directory"), "{e}");
}

#[tokio::test]
async fn hostile_inputs_are_refused_before_git_runs() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-hostile", "main");
    let src = source("git-hostile");
    let url = file_url(&r.dir);
    let anon = GitAuth::anonymous();
    let marker = r.dir.join("pwned");
    let cmd = format!("--upload-pack=touch {}", marker.display());
    let e = src
        .fetch(&req(&url, &cmd, "charts/app"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "InvalidGitRef");
    let e = src
        .fetch(&req(&url, "main", "../../etc"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "InvalidChartPath");
    let ext = format!("ext::sh -c touch% {}", marker.display());
    let e = src
        .fetch(&req(&ext, "main", "charts/app"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "InvalidGitURL");
    let e = src
        .fetch(&req(&cmd, "main", "charts/app"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "InvalidGitURL");
    assert!(!marker.exists(), "no command ran");

    // Credentials in a URL never reach an error message.
    let e = src
        .fetch(
            &req("https://bob:hunter2@127.0.0.1:1/repo.git", "main", "x"),
            &anon,
        )
        .await
        .unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
}

#[tokio::test]
async fn vendored_and_file_dependencies() {
    if !have_git() {
        return;
    }
    let dir = operator::temp_dir("git-deps").join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "master"]);
    let deps = "dependencies:\n- name: vend\n  version: 1.0.0\n  repository: https://charts.invalid\n- name: lib\n  version: 0.3.0\n  repository: file://../lib\n";
    write(&dir, "app/Chart.yaml", &chart_yaml("app", "1.0.0", deps));
    write(
        &dir,
        "app/charts/vend/Chart.yaml",
        &chart_yaml("vend", "1.0.0", ""),
    );
    write(&dir, "lib/Chart.yaml", &chart_yaml("lib", "0.3.0", ""));
    write(
        &dir,
        "lib/templates/x.yaml",
        "kind: ConfigMap\nmetadata:\n  name: lib\n",
    );
    let missing =
        "dependencies:\n- name: gone\n  version: 1.0.0\n  repository: https://127.0.0.1:1/charts\n";
    write(
        &dir,
        "other/Chart.yaml",
        &chart_yaml("other", "1.0.0", missing),
    );
    let escape =
        "dependencies:\n- name: esc\n  version: 1.0.0\n  repository: file://../../outside\n";
    write(&dir, "esc/Chart.yaml", &chart_yaml("esc", "1.0.0", escape));
    let commit = commit_all(&dir, "deps");
    let src = source("git-deps");
    let url = file_url(&dir);
    let anon = GitAuth::anonymous();

    // The default ref (`master`) as the API fills it in.
    let got = src.fetch(&req(&url, "master", "app"), &anon).await.unwrap();
    assert_eq!(got.commit, commit);
    let mut names: Vec<&str> = got.chart.dependencies.iter().map(|d| d.name()).collect();
    names.sort();
    assert_eq!(names, ["lib", "vend"], "vendored kept, file:// added");
    let lib = got
        .chart
        .dependencies
        .iter()
        .find(|d| d.name() == "lib")
        .unwrap();
    assert_eq!(lib.templates.len(), 1);
    assert_eq!(lib.parent_path.as_deref(), Some("app"));

    let mut skip = req(&url, "master", "app");
    skip.skip_dep_update = true;
    let e = src.fetch(&skip, &anon).await.unwrap_err();
    assert_eq!(e.reason(), "DependencyError");
    assert!(e.to_string().contains("\"lib\""), "{e}");
    assert!(e.to_string().contains("skipDepUpdate"), "{e}");

    let e = src
        .fetch(&req(&url, "master", "other"), &anon)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("\"gone\""),
        "names the dependency: {e}"
    );

    let e = src
        .fetch(&req(&url, "master", "esc"), &anon)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("outside the Git repository"), "{e}");
}

#[tokio::test]
async fn dependency_from_unreachable_repository_names_it() {
    if !have_git() {
        return;
    }
    let dir = operator::temp_dir("git-deps-http").join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "master"]);
    let deps =
        "dependencies:\n- name: remote\n  version: ~1.0\n  repository: http://127.0.0.1:1/charts\n";
    write(&dir, "app/Chart.yaml", &chart_yaml("app", "1.0.0", deps));
    commit_all(&dir, "one");
    let cache = operator::temp_dir("git-deps-http").join("cache");
    let mut scfg = helmrelease_operator::source::SourceConfig::new(cache.join("charts"));
    scfg.http.retries = 0;
    let sources = Arc::new(helmrelease_operator::source::Sources::new(scfg).unwrap());
    let src = GitSource::new(GitConfig::new(cache), Some(sources));
    let e = src
        .fetch(
            &req(&file_url(&dir), "master", "app"),
            &GitAuth::anonymous(),
        )
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("\"remote\""), "{msg}");
    assert!(msg.contains("http://127.0.0.1:1/charts"), "{msg}");
}

#[tokio::test]
async fn picks_up_new_commits_and_honours_the_ttl() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-push", "main");
    let url = file_url(&r.dir);
    let anon = GitAuth::anonymous();
    let src = source("git-push");
    let first = src
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(first.commit, r.c2);
    write(
        &r.dir,
        "charts/app/Chart.yaml",
        &chart_yaml("app", "0.3.0", ""),
    );
    let c3 = commit_all(&r.dir, "three");
    let next = src
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(next.commit, c3);
    assert_eq!(next.chart.metadata.version, "0.3.0");

    // With a long TTL the mirror is reused: a new commit is not seen, but a ref the mirror
    // does not have yet triggers a fetch.
    let cache = operator::temp_dir("git-ttl").join("cache");
    let slow = GitSource::new(
        GitConfig {
            fetch_ttl: Duration::from_secs(3600),
            ..GitConfig::new(cache)
        },
        None,
    );
    let a = slow
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(a.commit, c3);
    write(
        &r.dir,
        "charts/app/Chart.yaml",
        &chart_yaml("app", "0.4.0", ""),
    );
    let c4 = commit_all(&r.dir, "four");
    let b = slow
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(b.commit, c3, "within the TTL");
    git(&r.dir, &["branch", "feature"]);
    let f = slow
        .fetch(&req(&url, "feature", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(f.commit, c4, "unknown ref fetched at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_fetches_share_the_mirror() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-conc", "main");
    let url = file_url(&r.dir);
    let src = Arc::new(source("git-conc"));
    let mut tasks = Vec::new();
    for i in 0..6 {
        let src = src.clone();
        let url = url.clone();
        let git_ref = if i % 2 == 0 { "main" } else { "v0.1.0" };
        tasks.push(tokio::spawn(async move {
            src.fetch(&req(&url, git_ref, "charts/app"), &GitAuth::anonymous())
                .await
                .map(|g| g.commit)
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let c = t.await.unwrap().unwrap();
        assert_eq!(&c, if i % 2 == 0 { &r.c2 } else { &r.c1 });
    }
}

#[tokio::test]
async fn a_hanging_git_is_killed_after_the_timeout() {
    let dir = operator::temp_dir("git-hang");
    let fake = dir.join("fake-git");
    write(&dir, "fake-git", "#!/bin/sh\nsleep 30\n");
    let st = Command::new("chmod").arg("755").arg(&fake).status();
    if !st.is_ok_and(|s| s.success()) {
        eprintln!("SKIP: cannot make the fake git executable");
        return;
    }
    let src = GitSource::new(
        GitConfig {
            timeout: Duration::from_secs(1),
            git: fake,
            ..GitConfig::new(dir.join("cache"))
        },
        None,
    );
    let t0 = Instant::now();
    let e = src
        .fetch(
            &req("https://example.invalid/r.git", "main", "x"),
            &GitAuth::anonymous(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "Timeout", "{e}");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `git daemon` serving `base` on a free port, or None (with a message) when unavailable.
fn git_daemon(base: &Path) -> Option<(tokio::process::Child, u16)> {
    let port = free_port();
    let child = tokio::process::Command::new("git")
        .args([
            "daemon",
            "--export-all",
            &format!("--base-path={}", base.display()),
            &format!("--port={port}"),
            "--listen=127.0.0.1",
            "--reuseaddr",
        ])
        .arg(base)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(child) = child else {
        eprintln!("SKIP: git daemon is not available");
        return None;
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, port));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("SKIP: git daemon did not start listening");
    None
}

#[tokio::test]
async fn git_daemon_git_protocol() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-daemon", "main");
    let base = r.dir.parent().unwrap().to_path_buf();
    let Some((_daemon, port)) = git_daemon(&base) else {
        return;
    };
    let url = format!("git://127.0.0.1:{port}/repo");
    let src = source("git-daemon");
    let anon = GitAuth::anonymous();
    let got = src
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(got.commit, r.c2);
    let tag = src
        .fetch(&req(&url, "v0.1.0", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(tag.commit, r.c1);
    write(
        &r.dir,
        "charts/app/Chart.yaml",
        &chart_yaml("app", "0.5.0", ""),
    );
    let c3 = commit_all(&r.dir, "pushed");
    let again = src
        .fetch(&req(&url, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(again.commit, c3);
    assert_eq!(again.chart.metadata.version, "0.5.0");
    let e = src
        .fetch(
            &req(&format!("git://127.0.0.1:{port}/nope"), "main", "x"),
            &anon,
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "GitError", "{e}");
}

/// A HelmRelease whose chart is in a Git repository installs and reports the commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helmrelease_from_git_goes_ready_with_the_commit() {
    if !have_git() {
        return;
    }
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    operator::install_crd(&client).await;
    let repo = operator::chart_repo("git-e2e");
    git(&repo, &["init", "-q", "-b", "master"]);
    let commit = commit_all(&repo, "chart");
    let cache = operator::temp_dir("git-e2e-cache");
    let fetcher = OperatorFetcher::new(client.clone(), cache).unwrap();
    let _stop = operator::start_controller_with(&client, Arc::new(fetcher));

    let doc = operator::hr_doc(
        "from-git",
        &repo,
        serde_json::json!({"message": "from git"}),
        serde_json::json!({}),
    );
    operator::apply_hr(&client, &doc).await;
    operator::wait_history(&client, "from-git", &[(1, "deployed")]).await;
    assert_eq!(
        operator::cm_data(&client, "from-git-config", "message")
            .await
            .as_deref(),
        Some("from git")
    );
    operator::until(20, "status Ready", || async {
        let hr = operator::get_hr(&client, "from-git").await;
        hr.status.as_ref().is_some_and(|s| s.is_ready())
    })
    .await;
    let hr = operator::get_hr(&client, "from-git").await;
    let st = hr.status.unwrap();
    assert_eq!(
        st.revision.as_deref(),
        Some(commit.as_str()),
        "status.revision is the Git commit (lastAttemptedRevision {:?})",
        st.last_attempted_revision
    );
}

async fn cgi(
    base: PathBuf,
    want: String,
    counter: Arc<std::sync::atomic::AtomicUsize>,
    req: axum::http::Request<axum::body::Body>,
) -> axum::http::Response<axum::body::Body> {
    use axum::body::Body;
    use axum::http::{Response, StatusCode};
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if auth != want {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("WWW-Authenticate", "Basic realm=\"git\"")
            .body(Body::empty())
            .unwrap();
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (ctype, proto, enc) = {
        let header = |k: &str| {
            req.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        (
            header("content-type"),
            header("git-protocol"),
            header("content-encoding"),
        )
    };
    let body = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new("git")
            .arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_PROJECT_ROOT", &base)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_TYPE", ctype)
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("GIT_PROTOCOL", proto)
            .env("HTTP_CONTENT_ENCODING", enc)
            .env("REMOTE_USER", "bob")
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&body).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap().stdout
    })
    .await
    .unwrap();
    // CGI output: headers, a blank line, the body.
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2)))
        .unwrap();
    let head = String::from_utf8_lossy(&out[..split.0]).to_string();
    let mut resp = Response::builder();
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("status") {
            let code: u16 = v.split(' ').next().unwrap().parse().unwrap();
            resp = resp.status(code);
        } else {
            resp = resp.header(k, v);
        }
    }
    resp.body(Body::from(out[split.0 + split.1..].to_vec()))
        .unwrap()
}

/// `git http-backend` as a CGI behind HTTP basic auth (bob / s3cret), serving `base`.
async fn smart_http(base: PathBuf) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use axum::body::Body;
    use axum::http::Request;
    use base64::Engine as _;
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("bob:s3cret")
    );
    let unauthorized = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = unauthorized.clone();
    let app = axum::Router::new()
        .fallback(move |req: Request<Body>| cgi(base.clone(), want.clone(), counter.clone(), req));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), unauthorized)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_basic_auth_through_the_credential_helper() {
    if !have_git() {
        return;
    }
    let r = make_repo("git-http", "main");
    let base = r.dir.parent().unwrap().to_path_buf();
    let (server, unauthorized) = smart_http(base).await;
    let url = format!("{server}/repo");
    let cache = operator::temp_dir("git-http-cache");
    let src = GitSource::new(
        GitConfig {
            fetch_ttl: Duration::ZERO,
            ..GitConfig::new(cache.clone())
        },
        None,
    );
    let secret = |u: &str, p: &str| {
        let data = [("username", u), ("password", p)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect();
        GitAuth::from_secret_data(&data).unwrap()
    };

    let got = src
        .fetch(&req(&url, "main", "charts/app"), &secret("bob", "s3cret"))
        .await
        .unwrap();
    assert_eq!(got.commit, r.c2);
    assert!(
        unauthorized.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the server challenged first, the helper answered"
    );

    // No credentials: no prompt, a prompt failure instead of a hang.
    let t0 = Instant::now();
    let e = src
        .fetch(&req(&url, "main", "charts/app"), &GitAuth::anonymous())
        .await
        .unwrap_err();
    eprintln!("anonymous: {e}");
    assert_eq!(e.reason(), "GitError", "{e}");
    assert!(t0.elapsed() < Duration::from_secs(30));

    let e = src
        .fetch(
            &req(&url, "main", "charts/app"),
            &secret("bob", "wrong-pass"),
        )
        .await
        .unwrap_err();
    let msg = e.to_string();
    eprintln!("wrong password: {msg}");
    assert!(msg.contains(&url), "names the repository: {msg}");
    assert!(!msg.contains("wrong-pass"), "{msg}");

    // No session directory (credential helper, keys) is left behind, and no mirror
    // config holds the URL or the credentials.
    let tmp: Vec<_> = std::fs::read_dir(cache.join("git/tmp")).unwrap().collect();
    assert!(tmp.is_empty(), "{tmp:?}");
    for e in std::fs::read_dir(cache.join("git")).unwrap() {
        let p = e.unwrap().path().join("config");
        if let Ok(text) = std::fs::read_to_string(&p) {
            assert!(!text.contains("s3cret") && !text.contains("bob"), "{text}");
        }
    }
}

/// SSH: git runs the configured ssh with our key file (0600, the Secret's bytes), no user
/// config, batch mode, and the Secret's `known_hosts` pinned. A fake ssh records what it got.
#[tokio::test]
async fn ssh_identity_and_known_hosts_reach_ssh() {
    if !have_git() {
        return;
    }
    let dir = operator::temp_dir("git-ssh");
    let fake = dir.join("fake-ssh");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > {d}/args\nprev=\nfor a in \"$@\"; do\n  if [ \"$prev\" = -i ]; then cat \"$a\" > {d}/key; stat -c %a \"$a\" > {d}/mode; fi\n  case \"$a\" in UserKnownHostsFile=*) cat \"${{a#UserKnownHostsFile=}}\" > {d}/kh ;; esac\n  prev=$a\ndone\necho 'fake ssh: denied' >&2\nexit 255\n",
        d = dir.display()
    );
    write(&dir, "fake-ssh", &script);
    let st = Command::new("chmod").arg("755").arg(&fake).status();
    if !st.is_ok_and(|s| s.success()) {
        eprintln!("SKIP: cannot make the fake ssh executable");
        return;
    }
    let src = GitSource::new(
        GitConfig {
            ssh: fake,
            ..GitConfig::new(dir.join("cache"))
        },
        None,
    );
    let data = [
        (
            "identity",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
        ),
        (
            "known_hosts",
            "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE\n",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
    .collect();
    let auth = GitAuth::from_secret_data(&data).unwrap();
    let e = src
        .fetch(
            &req("git@git.example.com:org/charts.git", "main", "app"),
            &auth,
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "GitError", "{e}");
    assert!(e.to_string().contains("fake ssh: denied"), "{e}");
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    for want in [
        "BatchMode=yes",
        "IdentitiesOnly=yes",
        "StrictHostKeyChecking=yes",
        "git@git.example.com",
    ] {
        assert!(
            args.lines().any(|l| l == want || l.contains(want)),
            "{want} in {args}"
        );
    }
    assert!(
        args.lines().any(|l| l == "/dev/null"),
        "-F /dev/null: {args}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("key")).unwrap(),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("mode")).unwrap().trim(),
        "600"
    );
    assert!(std::fs::read_to_string(dir.join("kh"))
        .unwrap()
        .contains("git.example.com ssh-ed25519"));
    // The key file went away with the session.
    let left: Vec<_> = std::fs::read_dir(dir.join("cache/git/tmp"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Idle mirrors are deleted when another mirror is created.
#[tokio::test]
async fn idle_mirrors_are_collected() {
    if !have_git() {
        return;
    }
    let a = make_repo("git-gc-a", "main");
    let b = make_repo("git-gc-b", "main");
    let cache = operator::temp_dir("git-gc").join("cache");
    let src = GitSource::new(
        GitConfig {
            mirror_max_idle: Duration::ZERO,
            ..GitConfig::new(cache.clone())
        },
        None,
    );
    let mirrors = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(cache.join("git"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.len() == 64 && !n.contains('.'))
            .collect();
        v.sort();
        v
    };
    let anon = GitAuth::anonymous();
    let url_a = file_url(&a.dir);
    src.fetch(&req(&url_a, "main", "charts/app"), &anon)
        .await
        .unwrap();
    let first = mirrors();
    assert_eq!(first.len(), 1);
    std::thread::sleep(Duration::from_millis(20));
    src.fetch(&req(&file_url(&b.dir), "main", "charts/app"), &anon)
        .await
        .unwrap();
    let second = mirrors();
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(first, second, "the idle mirror of A went away");
    // A is simply mirrored again when needed.
    let again = src
        .fetch(&req(&url_a, "main", "charts/app"), &anon)
        .await
        .unwrap();
    assert_eq!(again.commit, a.c2);
}
