//! The tests where the socket matters, over real TCP on 127.0.0.1: the built-in reqwest
//! transport against the fake WeChat Pay served by axum, connect failures and failover, bodies
//! broken off or too large, the connection pool, and proxies (a user's `reqwest::Client`, the
//! builder's `proxy`, and `HTTP_PROXY` / `NO_PROXY` from the environment).
//!
//! Long on purpose: the small raw servers (relay, proxy, endless body) are shared by the tests
//! below; they are what this file is about.

mod support;

use std::error::Error as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wechatpay_apiv3::api::SendCouponBody;
use wechatpay_apiv3::{Client, ClientBuilder, Error, Method, RetryPolicy};

use support::{FakeWechatPay, MCHID, MERCHANT_SERIAL, Reply, keys};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const SEND_TARGET: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";

/// A builder with the built-in HTTP client, to `base_url`.
fn builder(base_url: &str) -> ClientBuilder {
    support::tcp_builder(base_url).retry(RetryPolicy::none())
}

async fn send_coupon(client: &Client) -> Result<String, Error> {
    let body = SendCouponBody::new(
        "9856000",
        "89560002019101000121",
        "wx233544546545989",
        "8956000",
    );
    client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body)
        .await
        .map(|sent| sent.coupon_id)
}

/// A loopback address nothing listens on.
async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}

/// Accepts connections and hands each socket to `serve` (one task per connection).
async fn raw_server<F, Fut>(serve: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket));
        }
    });
    addr
}

/// Reads a request head (up to the blank line) off `socket`.
async fn read_head(socket: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

#[tokio::test]
async fn the_built_in_transport_signs_sends_and_verifies_over_tcp() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::ok(200, r#"{"coupon_id":"9867041"}"#)]);
    let client = builder(&fake.serve_tcp().await)
        .build()
        .expect("client builds");
    assert_eq!(
        send_coupon(&client).await.expect("call succeeds"),
        "9867041"
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, SEND_TARGET);
    fake.assert_all_signed();
}

#[tokio::test]
async fn a_raw_request_is_signed_and_its_answer_verified_over_tcp() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::ok(200, r#"{"stock_id":"9856000"}"#)]);
    let client = builder(&fake.serve_tcp().await)
        .build()
        .expect("client builds");
    let target = "/v3/marketing/favor/stocks/9856000?stock_creator_mchid=8956000";
    let response = client
        .request(Method::Get, target, None)
        .await
        .expect("verified");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"{"stock_id":"9856000"}"#);
    assert!(response.request_id.is_some());
    assert_eq!(fake.requests()[0].target, target);
    fake.assert_all_signed();
}

#[tokio::test]
async fn a_refused_connection_chains_to_the_reqwest_and_io_errors() {
    let client = builder(&format!("http://{}", closed_port().await))
        .build()
        .expect("client builds");
    let err = send_coupon(&client).await.expect_err("refused");
    assert!(
        matches!(err, Error::Transport { connect: true, .. }),
        "{err:?}"
    );
    let reqwest = err
        .source()
        .and_then(|cause| cause.downcast_ref::<reqwest::Error>())
        .expect("the reqwest error is the source");
    assert!(reqwest.is_connect());
    let mut cause: Option<&(dyn std::error::Error + 'static)> = err.source();
    let mut io = None;
    while let Some(error) = cause {
        io = io.or_else(|| error.downcast_ref::<std::io::Error>());
        cause = error.source();
    }
    assert_eq!(
        io.map(std::io::Error::kind),
        Some(std::io::ErrorKind::ConnectionRefused),
        "{err:#}"
    );
    // The one-line form names the host and the OS error, and no secret.
    let line = format!("{err:#}");
    assert!(line.contains("cannot connect to 127.0.0.1:"), "{line}");
    assert!(!line.contains("WECHATPAY2-SHA256-RSA2048"), "{line}");
}

#[tokio::test]
async fn a_refused_connection_fails_over_to_a_backup_over_tcp() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::ok(200, r#"{"coupon_id":"from-backup"}"#)]);
    let client = builder(&format!("http://{}", closed_port().await))
        .failover(true)
        .backup_base_url(&fake.serve_tcp().await)
        .build()
        .expect("client builds");
    assert_eq!(
        send_coupon(&client).await.expect("backup answers"),
        "from-backup"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_body_cut_off_midway_is_a_transport_error() {
    // Promises 100 bytes, sends 12 and closes the connection.
    let addr = raw_server(|mut socket| async move {
        read_head(&mut socket).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"coupon_id\"")
            .await;
        let _ = socket.shutdown().await;
    })
    .await;
    let client = builder(&format!("http://{addr}"))
        .build()
        .expect("client builds");
    let err = send_coupon(&client).await.expect_err("cut off");
    assert!(
        matches!(err, Error::Transport { connect: false, .. }),
        "{err:?}"
    );
    assert!(
        err.source().is_some_and(|s| s.is::<reqwest::Error>()),
        "{err:#}"
    );
}

/// A server that answers with `head` and then streams zeros until the client goes away;
/// counts the body bytes it managed to write.
async fn endless_server(head: &'static [u8], written: Arc<AtomicU64>) -> SocketAddr {
    raw_server(move |mut socket| {
        let written = Arc::clone(&written);
        async move {
            read_head(&mut socket).await;
            if socket.write_all(head).await.is_err() {
                return;
            }
            let chunk = vec![b'0'; 64 * 1024];
            while socket.write_all(&chunk).await.is_ok() {
                written.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
        }
    })
    .await
}

/// What a client that read the whole body would have had to hold.
const HUGE: u64 = 1 << 30;
/// Loopback socket buffers hold a few MiB; anything above the limit plus this was never read.
const SOCKET_SLACK: u64 = 32 << 20;

#[tokio::test]
async fn a_huge_announced_body_is_refused_before_reading() {
    let written = Arc::new(AtomicU64::new(0));
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRequest-ID: big-1\r\nContent-Length: 1073741824\r\n\r\n";
    let addr = endless_server(head, Arc::clone(&written)).await;
    // A timeout far beyond the test: the error must come from the limit, not the clock.
    let client = builder(&format!("http://{addr}"))
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client builds");
    let err = send_coupon(&client).await.expect_err("too large");
    let Error::ResponseTooLarge {
        status,
        limit,
        content_length,
        request_id,
    } = &err
    else {
        panic!("expected ResponseTooLarge, got {err:?}");
    };
    assert_eq!(
        (*status, *limit),
        (200, wechatpay_apiv3::DEFAULT_MAX_RESPONSE_BYTES)
    );
    assert_eq!(*content_length, Some(HUGE));
    assert_eq!(request_id.as_deref(), Some("big-1"));
    assert!(err.to_string().contains("not read"), "{err}");
    assert!(!err.is_retryable() && err.is_outcome_unknown());
    // The connection was dropped, not drained: the server could not write more than the
    // socket buffers took.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        written.load(Ordering::Relaxed) < SOCKET_SLACK,
        "{written:?}"
    );
}

#[tokio::test]
async fn a_body_streaming_past_the_limit_is_cut_off() {
    let written = Arc::new(AtomicU64::new(0));
    // No Content-Length: the body just keeps coming until the connection closes.
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
    let addr = endless_server(head, Arc::clone(&written)).await;
    let limit = 1 << 20;
    let client = builder(&format!("http://{addr}"))
        .timeout(Duration::from_secs(300))
        .max_response_bytes(limit)
        .build()
        .expect("client builds");
    let err = send_coupon(&client).await.expect_err("too large");
    assert!(
        matches!(err, Error::ResponseTooLarge { content_length: None, limit: l, .. } if l == limit),
        "{err:?}"
    );
    assert!(err.to_string().contains("cut off"), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = written.load(Ordering::Relaxed);
    assert!(
        written >= limit,
        "the server streamed past the limit: {written}"
    );
    assert!(
        written < limit + SOCKET_SLACK,
        "the client stopped reading: {written}"
    );
}

/// Forwards loopback connections to `target`, counting them.
async fn counting_relay(target: SocketAddr, connections: Arc<AtomicUsize>) -> SocketAddr {
    raw_server(move |mut inbound| {
        let connections = Arc::clone(&connections);
        async move {
            connections.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        }
    })
    .await
}

fn socket_addr(base_url: &str) -> SocketAddr {
    base_url
        .trim_start_matches("http://")
        .parse()
        .expect("loopback address")
}

/// A fake that answers every call with a coupon.
fn coupon_fake() -> FakeWechatPay {
    let fake = FakeWechatPay::new();
    fake.otherwise(Reply::ok(200, r#"{"coupon_id":"9867041"}"#));
    fake
}

#[tokio::test]
async fn idle_connections_are_reused_then_dropped_after_the_pool_idle_timeout() {
    let fake = coupon_fake();
    let connections = Arc::new(AtomicUsize::new(0));
    let target = socket_addr(&fake.serve_tcp().await);
    let relay = counting_relay(target, Arc::clone(&connections)).await;

    // The default pool (5 s) reuses a connection between calls a moment apart.
    let client = builder(&format!("http://{relay}"))
        .build()
        .expect("client builds");
    send_coupon(&client).await.expect("first");
    send_coupon(&client).await.expect("second");
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    // Past the idle timeout, the pooled connection is not used again.
    connections.store(0, Ordering::SeqCst);
    let client = builder(&format!("http://{relay}"))
        .pool_idle_timeout(Duration::from_millis(100))
        .build()
        .expect("client builds");
    send_coupon(&client).await.expect("first");
    tokio::time::sleep(Duration::from_millis(400)).await;
    send_coupon(&client).await.expect("after idling");
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

/// A loopback HTTP forward proxy: records each connection's first request line, then relays
/// the connection to the host of its absolute-form target.
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn proxy() -> Proxy {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let addr = raw_server(move |mut inbound| {
        let record = Arc::clone(&record);
        async move {
            let head = read_head(&mut inbound).await;
            let text = String::from_utf8_lossy(&head).into_owned();
            let line = text.lines().next().unwrap_or_default().to_owned();
            record.lock().expect("lock").push(line.clone());
            // `POST http://127.0.0.1:PORT/v3/... HTTP/1.1`
            let Some(host) = line
                .split(' ')
                .nth(1)
                .and_then(|target| target.strip_prefix("http://"))
                .and_then(|rest| rest.split('/').next())
            else {
                return;
            };
            let Ok(mut outbound) = TcpStream::connect(host).await else {
                return;
            };
            if outbound.write_all(&head).await.is_ok() {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        }
    })
    .await;
    Proxy {
        url: format!("http://{addr}"),
        seen,
    }
}

impl Proxy {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

#[tokio::test]
async fn a_user_supplied_reqwest_client_and_its_proxy_are_used() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::ok(200, r#"{"coupon_id":"via-proxy"}"#)]);
    let base_url = fake.serve_tcp().await;
    let proxy = proxy().await;
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(&proxy.url).expect("proxy URL"))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    let client = builder(&base_url)
        .http_client(http)
        .build()
        .expect("client builds");
    assert_eq!(
        send_coupon(&client).await.expect("through the proxy"),
        "via-proxy"
    );
    assert_eq!(
        proxy.seen(),
        [format!("POST {base_url}{SEND_TARGET} HTTP/1.1")]
    );
    fake.assert_all_signed();
}

#[tokio::test]
async fn the_builder_proxy_is_used_by_the_built_in_client() {
    let fake = coupon_fake();
    let base_url = fake.serve_tcp().await;
    let proxy = proxy().await;
    let client = builder(&base_url)
        .proxy(&proxy.url)
        .build()
        .expect("client builds");
    send_coupon(&client).await.expect("through the proxy");
    assert_eq!(
        proxy.seen(),
        [format!("POST {base_url}{SEND_TARGET} HTTP/1.1")]
    );
}

/// Run by [`proxies_from_the_environment_are_honoured`] in a child process, whose environment
/// it sets (setting variables in a multi-threaded test process is unsafe): one call with a
/// client made by `Client::from_env`, the built-in HTTP client included.
#[test]
#[ignore = "run by proxies_from_the_environment_are_honoured, in a child process"]
fn environment_proxy_child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::from_env().expect("the parent set the environment");
    runtime
        .block_on(send_coupon(&client))
        .expect("the call succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_from_the_environment_are_honoured() {
    let fake = coupon_fake();
    let base_url = fake.serve_tcp().await;
    let proxy = proxy().await;
    let dir = std::env::temp_dir().join(format!("wechatpay-env-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key_path = dir.join("apiclient_key.pem");
    let cert_path = dir.join("platform_cert.pem");
    std::fs::write(&key_path, &keys().merchant_pem).expect("write key");
    std::fs::write(&cert_path, &keys().platform_cert_pem).expect("write cert");
    let settings = vec![
        ("WECHATPAY_MCHID", MCHID.to_owned()),
        ("WECHATPAY_MCH_SERIAL", MERCHANT_SERIAL.to_owned()),
        ("WECHATPAY_PRIVATE_KEY", key_path.display().to_string()),
        ("WECHATPAY_PLATFORM_CERTS", cert_path.display().to_string()),
        ("WECHATPAY_BASE_URL", base_url.clone()),
    ];
    let run_child = |proxies: Vec<(&'static str, String)>| {
        let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
        command.args([
            "--exact",
            "environment_proxy_child",
            "--ignored",
            "--test-threads=1",
        ]);
        for name in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "REQUEST_METHOD",
        ] {
            command.env_remove(name);
        }
        command.envs(settings.clone()).envs(proxies);
        tokio::task::spawn_blocking(move || command.output().expect("run the child"))
    };

    let output = run_child(vec![("HTTP_PROXY", proxy.url.clone())])
        .await
        .expect("child");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        proxy.seen(),
        [format!("POST {base_url}{SEND_TARGET} HTTP/1.1")]
    );

    // NO_PROXY exempts the host.
    let output = run_child(vec![
        ("HTTP_PROXY", proxy.url.clone()),
        ("NO_PROXY", "127.0.0.1".to_owned()),
    ])
    .await
    .expect("child");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(proxy.seen().len(), 1, "bypassed the proxy");
    assert_eq!(fake.requests().len(), 2);
    fake.assert_all_signed();
    let _ = std::fs::remove_dir_all(&dir);
}
