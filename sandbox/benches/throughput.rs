//! Client + sandbox throughput on loopback: requests per second and CPU time per request when the
//! real client sends coupons to the in-process sandbox at concurrency 1, 16 and 64.
//!
//! ```text
//! cargo bench -p wechatpay-sandbox --bench throughput
//! ```
//!
//! Each request is a full send coupon: the client signs it (RSA-2048), the sandbox verifies the
//! signature, issues a coupon from a stock with a huge budget under a unique `out_request_no`,
//! signs the answer (RSA-2048), and the client verifies and decodes it. Both run in this process
//! on one tokio runtime (one worker per core), so the CPU time — `utime + stime` of the process
//! from `/proc/self/stat` — is client and sandbox together.
//!
//! For each concurrency: a warm-up, then [`ROUNDS`] rounds of [`REQUESTS`] requests; the table
//! shows the median round (by throughput) and the spread of all rounds. Set
//! `THROUGHPUT_REQUESTS` to change the number of requests per round.
//!
//! Throughput needs the machine to itself. The last column says how much CPU *other* processes
//! used during the median round (all busy CPU time in `/proc/stat` minus this process's; kernel
//! interrupt work for the loopback traffic lands there too, so it is rarely exactly 0), so a
//! number taken while something else ran can be recognised; CPU per request hardly depends on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wechatpay_apiv3::api::SendCouponBody;
use wechatpay_apiv3::{Client, RetryPolicy};
use wechatpay_sandbox::{Sandbox, SandboxConfig, SandboxKeys, Stock};

/// Requests per measured round (override with `THROUGHPUT_REQUESTS`).
const REQUESTS: usize = 2_000;
/// Measured rounds per concurrency.
const ROUNDS: usize = 5;
/// Unmeasured requests before the rounds of each concurrency.
const WARM_UP: usize = 300;
/// The concurrencies measured.
const CONCURRENCY: [usize; 3] = [1, 16, 64];

const OPENID: &str = "oBenchThroughput_0001";
const APPID: &str = "wx233544546545989";
const STOCK: &str = "9858000";

/// One measured round.
#[derive(Debug, Clone)]
struct Round {
    requests: usize,
    wall: Duration,
    cpu: Duration,
    /// CPU time of every other process on the machine during the round.
    others: Duration,
    latencies: Vec<Duration>,
}

impl Round {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    fn cpu_per_request(&self) -> Duration {
        self.cpu / u32::try_from(self.requests).unwrap_or(u32::MAX)
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
}

fn main() {
    let requests = std::env::var("THROUGHPUT_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(REQUESTS);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start a tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(requests)) {
        eprintln!("throughput bench failed: {e}");
        std::process::exit(1);
    }
}

async fn run(requests: usize) -> Result<(), Box<dyn std::error::Error>> {
    let ticks_per_second = clock_ticks_per_second();
    let keys = tokio::task::spawn_blocking(SandboxKeys::generate).await??;
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys).stock(Stock::normal(
        STOCK,
        "",
        100,
        100,
        u64::MAX / 2,
    )))
    .await?;
    let client = sandbox
        .client_builder()
        .retry(RetryPolicy::none())
        .build()?;
    let mchid: Arc<str> = Arc::from(sandbox.mchid());
    let sequence = Arc::new(AtomicUsize::new(0));

    println!(
        "client + sandbox throughput: send coupon over loopback, {requests} requests × {ROUNDS} \
         rounds per concurrency, {} tokio workers, CPU from /proc/self/stat ({ticks_per_second} \
         ticks/s)\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| concurrency | requests/s (median) | range of rounds | CPU per request | CPU busy (cores) | p50 latency | p99 latency | other processes (cores) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for concurrency in CONCURRENCY {
        round(
            &client,
            &mchid,
            &sequence,
            concurrency,
            WARM_UP,
            ticks_per_second,
        )
        .await?;
        let mut rounds = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            rounds.push(
                round(
                    &client,
                    &mchid,
                    &sequence,
                    concurrency,
                    requests,
                    ticks_per_second,
                )
                .await?,
            );
        }
        rounds.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
        let median = &rounds[rounds.len() / 2];
        let (low, high) = (
            rounds[0].per_second(),
            rounds[rounds.len() - 1].per_second(),
        );
        println!(
            "| {concurrency} | {:.0} | {low:.0}–{high:.0} | {:.2} ms | {:.2} | {:.2} ms | {:.2} ms | {:.2} |",
            median.per_second(),
            median.cpu_per_request().as_secs_f64() * 1e3,
            median.cpu.as_secs_f64() / median.wall.as_secs_f64(),
            median.percentile(0.50).as_secs_f64() * 1e3,
            median.percentile(0.99).as_secs_f64() * 1e3,
            median.others.as_secs_f64() / median.wall.as_secs_f64(),
        );
    }
    let issued = sandbox.state().issued_count(STOCK).unwrap_or(0);
    let expected = sequence.load(Ordering::Relaxed) as u64;
    if issued != expected {
        return Err(format!("the sandbox issued {issued} coupons for {expected} requests").into());
    }
    println!("\n{issued} coupons issued in all, one per request.");
    sandbox.shutdown().await;
    Ok(())
}

/// Sends `requests` coupons with `concurrency` in flight and measures the round.
async fn round(
    client: &Client,
    mchid: &Arc<str>,
    sequence: &Arc<AtomicUsize>,
    concurrency: usize,
    requests: usize,
    ticks_per_second: u64,
) -> Result<Round, Box<dyn std::error::Error>> {
    let remaining = Arc::new(AtomicUsize::new(requests));
    let cpu_before = process_cpu(ticks_per_second)?;
    let machine_before = machine_cpu(ticks_per_second)?;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            let mchid = Arc::clone(mchid);
            let sequence = Arc::clone(sequence);
            let remaining = Arc::clone(&remaining);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let n = sequence.fetch_add(1, Ordering::Relaxed);
                    let body = SendCouponBody::new(STOCK, format!("bench-{n:09}"), APPID, &*mchid);
                    let sent_at = Instant::now();
                    client
                        .v3()
                        .marketing()
                        .favor()
                        .users(OPENID)
                        .coupons()
                        .post(body)
                        .await?;
                    latencies.push(sent_at.elapsed());
                }
                Ok::<_, wechatpay_apiv3::Error>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    for worker in workers {
        latencies.extend(worker.await??);
    }
    let wall = started.elapsed();
    let cpu = process_cpu(ticks_per_second)?.saturating_sub(cpu_before);
    let machine = machine_cpu(ticks_per_second)?.saturating_sub(machine_before);
    Ok(Round {
        requests,
        wall,
        cpu,
        others: machine.saturating_sub(cpu),
        latencies,
    })
}

/// Busy CPU time of the whole machine so far: the first line of `/proc/stat` less idle and
/// iowait (guest time is already counted in user time).
fn machine_cpu(ticks_per_second: u64) -> Result<Duration, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat
        .lines()
        .find(|line| line.starts_with("cpu "))
        .ok_or("no cpu line in /proc/stat")?;
    let fields = line
        .split_whitespace()
        .skip(1)
        .map(str::parse::<u64>)
        .collect::<Result<Vec<_>, _>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    let busy: u64 = fields
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, ticks)| ticks)
        .sum();
    Ok(ticks_to_duration(busy, ticks_per_second))
}

fn ticks_to_duration(ticks: u64, ticks_per_second: u64) -> Duration {
    Duration::from_secs(ticks / ticks_per_second)
        + Duration::from_nanos((ticks % ticks_per_second) * 1_000_000_000 / ticks_per_second)
}

/// User plus system CPU time of this process so far (`/proc/self/stat` fields 14 and 15).
fn process_cpu(ticks_per_second: u64) -> Result<Duration, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The command name (field 2) may contain spaces; the fields after it never do.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("unexpected /proc/self/stat format")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `after_name` starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: u64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok(ticks_to_duration(utime + stime, ticks_per_second))
}

/// `getconf CLK_TCK` (the unit of `/proc/self/stat` times), 100 when it cannot be asked.
fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}
