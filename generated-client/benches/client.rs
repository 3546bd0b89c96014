//! Client cost per call: one typed send-coupon call (build, sign, send, verify, decode) against a
//! loopback server, next to one bare RSA-2048 signature and one bare verification with the same
//! keys, in the same run.
//!
//! The server is as cheap as it can be so that the numbers are the client's: a raw tokio TCP
//! loop on its own thread that reads one HTTP/1.1 request (headers, then `Content-Length` body
//! bytes) and writes a canned, pre-signed answer over the kept-alive connection. It does not
//! check request signatures. The answer is reference vector B.9.5 #3 (signed with the
//! wechatpay-go test key, `Wechatpay-Serial: PUB_KEY_ID_TEST`), and the client's clock is pinned
//! to its timestamp so that verification passes.
//!
//! Besides criterion's wall-clock statistics, a fixed-count loop at the end prints CPU time from
//! `/proc/thread-self/stat` (the bench thread, which runs the client on a current-thread
//! runtime; the server runs on another thread) and `/proc/self/stat` (the whole process, server
//! included), and the ratio client call / bare signature. Skipped with `--test`, `--list` and
//! `--profile-time`.
//!
//! Run: `cargo bench -p wechatpay-apiv3 --bench client`.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay_apiv3::api::{SendCoupon, SendCouponBody};
use wechatpay_apiv3::auth::{
    FixedClock, MerchantPrivateKey, Signer, WechatPayPublicKey, request_message, response_message,
};
use wechatpay_apiv3::{Client, Operation, RetryPolicy};

const KEY_PEM: &str = include_str!("../tests/fixtures/wechatpay-go-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("../tests/fixtures/wechatpay-go-test-pubkey.pem");
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

// Reference B.9.5 #3: WeChat Pay's (simulated) answer to send coupon, pre-signed.
const RESPONSE_TIMESTAMP: i64 = 1_554_209_980;
const RESPONSE_NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";
const RESPONSE_BODY: &str = r#"{"coupon_id":"9867041"}"#;
const RESPONSE_SIGNATURE: &str = "r2Gcf72xMsWpibeGKFaIqoRTgErX36yWk9GYwADjfgrdWW4AZ9mq2yTNVclwQiL0VpKUO8SlvKfKotHREn6jNFJ0BDMv+6tIuDUcqKZAzSxjMit1cDd5IkbtiBWBUjNPVxsUe0Sc7n4U1dscEp6PHlMwDNoeP58BcImLEtDNi+NTmLKLsrpVFzzxzJcEYsaBI72ErhnMN8wzL61jBM2NTBryuhWFOfXZMNOVw3VSMD6fid/N1703hbZYJKHMl0X6cfTXFKlkfz0501wUI3CztYXTV8UsMYmOkIvrfuSKZYC8hTJREPPtWpsx/T0TPOcXOJ323kcAePY0KJNUxuM3bA==";
const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_TEST";

/// Calls in the fixed-count CPU loop (about 1 s each for the call and the bare signature at ~0.35 ms apiece).
const CPU_LOOP_CALLS: u32 = 3000;

fn canned_response() -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\n\
         Content-Type: application/json\r\n\
         Content-Length: {}\r\n\
         Request-ID: 08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0\r\n\
         Wechatpay-Timestamp: {RESPONSE_TIMESTAMP}\r\n\
         Wechatpay-Nonce: {RESPONSE_NONCE}\r\n\
         Wechatpay-Signature: {RESPONSE_SIGNATURE}\r\n\
         Wechatpay-Serial: {PUBLIC_KEY_ID}\r\n\
         Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048\r\n\
         \r\n\
         {RESPONSE_BODY}",
        RESPONSE_BODY.len()
    )
    .into_bytes()
}

/// Starts the canned server on its own thread and runtime; returns its address.
fn start_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::Builder::new()
        .name("canned-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let response: Arc<[u8]> = canned_response().into();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(stream, Arc::clone(&response)));
                }
            });
        })
        .expect("spawn server thread");
    addr
}

/// Answers every request on one connection with `response` until the peer closes it.
async fn serve_connection(mut stream: tokio::net::TcpStream, response: Arc<[u8]>) {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        // Read until the end of the headers, then the body by Content-Length.
        let request_len = loop {
            if let Some(end) = find(&buffer, b"\r\n\r\n") {
                let body_len = content_length(&buffer[..end]).unwrap_or(0);
                let total = end + 4 + body_len;
                if buffer.len() >= total {
                    break total;
                }
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        buffer.drain(..request_len);
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(headers: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(headers).ok()?;
    text.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

fn client(addr: SocketAddr) -> Client {
    Client::builder()
        .mchid("1900009191")
        .merchant_serial("F5765756002FDD77")
        .private_key_pem(KEY_PEM)
        .public_key_pem(PUBLIC_KEY_ID, PUBLIC_KEY_PEM)
        .clock(Arc::new(FixedClock(RESPONSE_TIMESTAMP)))
        .base_url(&format!("http://{addr}"))
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

fn body() -> SendCouponBody {
    SendCouponBody::new(
        "9856000",
        "89560002019101000121",
        "wx233544546545989",
        "8956000",
    )
}

async fn send_coupon(client: &Client) {
    let sent = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body())
        .await
        .expect("the canned answer verifies");
    assert_eq!(sent.coupon_id, "9867041");
}

/// What the bare RSA operations work on: the same messages the call signs and verifies.
struct Bare {
    key: MerchantPrivateKey,
    public_key: WechatPayPublicKey,
    request_message: Vec<u8>,
    response_message: Vec<u8>,
}

fn bare() -> Bare {
    let request = SendCoupon::new(OPENID, body()).build().expect("builds");
    Bare {
        key: MerchantPrivateKey::from_pem(KEY_PEM).expect("key"),
        public_key: WechatPayPublicKey::from_pem(PUBLIC_KEY_PEM).expect("public key"),
        request_message: request_message(
            "POST",
            &request.path_and_query,
            RESPONSE_TIMESTAMP,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            request.body.as_deref().unwrap_or_default(),
        ),
        response_message: response_message(
            &RESPONSE_TIMESTAMP.to_string(),
            RESPONSE_NONCE,
            RESPONSE_BODY.as_bytes(),
        ),
    }
}

fn benches(c: &mut Criterion, runtime: &tokio::runtime::Runtime, client: &Client) {
    let bare = bare();
    assert!(
        bare.public_key
            .verify_base64(&bare.response_message, RESPONSE_SIGNATURE)
    );

    let mut group = c.benchmark_group("send_coupon");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("client_call", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    send_coupon(client).await;
                }
                start.elapsed()
            })
        });
    });
    group.bench_function("build", |b| {
        b.iter(|| black_box(SendCoupon::new(OPENID, body()).build()));
    });
    let signer = Signer::new(
        "1900009191",
        "F5765756002FDD77",
        MerchantPrivateKey::from_pem(KEY_PEM).expect("key"),
    );
    let request = SendCoupon::new(OPENID, body()).build().expect("builds");
    group.bench_function("authorization_header", |b| {
        b.iter(|| {
            black_box(signer.authorization(
                "POST",
                &request.path_and_query,
                request.body.as_deref().unwrap_or_default(),
            ))
        });
    });
    group.finish();

    let mut group = c.benchmark_group("rsa");
    group.bench_function("sign_base64", |b| {
        b.iter(|| black_box(bare.key.sign_base64(black_box(&bare.request_message))));
    });
    group.bench_function("verify_base64", |b| {
        b.iter(|| {
            black_box(
                bare.public_key
                    .verify_base64(black_box(&bare.response_message), RESPONSE_SIGNATURE),
            )
        });
    });
    group.finish();
}

/// `utime + stime` in clock ticks from a `/proc/.../stat` file.
fn cpu_ticks(path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the `(comm)`: state is field 3, utime 14 and stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second; 100 on every Linux configuration this runs on (`getconf CLK_TCK`).
const TICKS_PER_SECOND: f64 = 100.0;

struct Measured {
    wall: Duration,
    thread_cpu: Option<Duration>,
    process_cpu: Option<Duration>,
}

fn measure(run: impl FnOnce()) -> Measured {
    let ticks = |path| cpu_ticks(path);
    let (thread0, process0) = (ticks("/proc/thread-self/stat"), ticks("/proc/self/stat"));
    let start = Instant::now();
    run();
    let wall = start.elapsed();
    let (thread1, process1) = (ticks("/proc/thread-self/stat"), ticks("/proc/self/stat"));
    let delta = |a: Option<u64>, b: Option<u64>| {
        Some(Duration::from_secs_f64(
            b?.saturating_sub(a?) as f64 / TICKS_PER_SECOND,
        ))
    };
    Measured {
        wall,
        thread_cpu: delta(thread0, thread1),
        process_cpu: delta(process0, process1),
    }
}

fn per_call(total: Option<Duration>, calls: u32) -> String {
    total.map_or_else(
        || "n/a".to_owned(),
        |t| format!("{:.1} µs", t.as_secs_f64() * 1e6 / f64::from(calls)),
    )
}

fn ratio(a: Option<Duration>, b: Option<Duration>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64()),
        _ => "n/a".to_owned(),
    }
}

fn cpu_report(runtime: &tokio::runtime::Runtime, client: &Client) {
    let bare = bare();
    let calls = CPU_LOOP_CALLS;
    let call = measure(|| {
        runtime.block_on(async {
            for _ in 0..calls {
                send_coupon(client).await;
            }
        });
    });
    let sign = measure(|| {
        for _ in 0..calls {
            black_box(bare.key.sign_base64(black_box(&bare.request_message)));
        }
    });
    let verify = measure(|| {
        for _ in 0..calls {
            black_box(
                bare.public_key
                    .verify_base64(black_box(&bare.response_message), RESPONSE_SIGNATURE),
            );
        }
    });
    println!();
    println!("Fixed-count loop, {calls} sequential calls each (CPU from /proc, 10 ms ticks):");
    println!(
        "{:<28} {:>12} {:>16} {:>18}",
        "", "wall/call", "thread CPU/call", "process CPU/call"
    );
    for (name, m) in [
        ("send_coupon client call", &call),
        ("bare RSA sign", &sign),
        ("bare RSA verify", &verify),
    ] {
        println!(
            "{:<28} {:>12} {:>16} {:>18}",
            name,
            per_call(Some(m.wall), calls),
            per_call(m.thread_cpu, calls),
            per_call(m.process_cpu, calls)
        );
    }
    println!(
        "load average: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "client call / bare sign: wall {}, client-thread CPU {}, process CPU (incl. server) {}",
        ratio(Some(call.wall), Some(sign.wall)),
        ratio(call.thread_cpu, sign.thread_cpu),
        ratio(call.process_cpu, sign.process_cpu),
    );
}

fn main() {
    let addr = start_server();
    // The client runs on the bench thread, so the bench thread's CPU time is the client's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let client = client(addr);
    // One call up front: connect, and fail early if the canned answer does not verify.
    runtime.block_on(send_coupon(&client));

    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion, &runtime, &client);
    criterion.final_summary();

    let args: Vec<String> = std::env::args().collect();
    let skip_report = ["--test", "--list", "--profile-time"];
    if !args.iter().any(|a| skip_report.contains(&a.as_str())) {
        cpu_report(&runtime, &client);
    }
}
