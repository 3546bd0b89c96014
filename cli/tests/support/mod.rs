//! Setup shared by the CLI's end-to-end tests: one in-process sandbox per test binary, with its
//! keys written to files the way a user's would be, and the environment that points `wxpay` at it.

use std::path::{Path, PathBuf};

use wechatpay_sandbox::{Sandbox, SandboxConfig, SandboxKeys};

/// A running sandbox and the folder holding its key files.
pub struct World {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// Its key files, and room for the test's own files.
    pub dir: PathBuf,
    // Keeps the sandbox's tasks running; declared last so it is dropped last.
    _runtime: tokio::runtime::Runtime,
}

/// Starts a sandbox whose keys live in a fresh folder named after `name` and this process.
#[allow(dead_code, reason = "not every test binary needs the default sandbox")]
pub fn start(name: &str) -> World {
    start_with(name, |config| config)
}

/// [`start`], with the configuration adjusted by `configure`.
pub fn start_with(name: &str, configure: impl FnOnce(SandboxConfig) -> SandboxConfig) -> World {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let keys = SandboxKeys::load_or_create(&dir).expect("sandbox keys");
    let sandbox = runtime
        .block_on(Sandbox::start(configure(SandboxConfig::with_keys(keys))))
        .expect("sandbox starts");
    World {
        sandbox,
        dir,
        _runtime: runtime,
    }
}

impl World {
    /// The environment that points the CLI at the sandbox (what `wxpay sandbox` prints).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        self.sandbox.client_env()
    }

    /// Runs the built binary against the sandbox, with no inherited setting (its home is the
    /// test's folder, which holds no config file): exit code, stdout, stderr.
    #[allow(dead_code, reason = "not every test binary runs the binary this way")]
    pub fn wxpay(&self, args: &[&str]) -> (i32, String, String) {
        let ran = run_wxpay(args, &self.env(), &self.dir);
        (ran.code, ran.stdout_text(), ran.stderr)
    }
}

/// What one run of the binary did.
#[allow(dead_code, reason = "not every test binary reads every part")]
pub struct Ran {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, as bytes (a downloaded file may be binary).
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: String,
}

impl Ran {
    /// Standard output as text.
    #[allow(dead_code, reason = "not every test binary reads stdout as text")]
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs the built `wxpay` with `args` and exactly `env`: no inherited `WECHATPAY_*` variable,
/// and `home` as its home (a folder with no config file).
#[allow(dead_code, reason = "not every test binary runs the binary this way")]
pub fn run_wxpay(args: &[&str], env: &[(&str, String)], home: &Path) -> Ran {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wxpay"));
    command.args(args).env_clear().env("HOME", home);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run wxpay");
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The home of a run that must read no config file.
#[allow(dead_code, reason = "not every test binary runs the binary this way")]
pub const NO_HOME: &str = "/nonexistent-wxpay-test-home";
