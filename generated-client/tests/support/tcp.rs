//! The fake served over loopback TCP (axum), for the tests where the socket matters.

use super::FakeWechatPay;

impl FakeWechatPay {
    /// Serves this fake on an ephemeral loopback port (for as long as the test's runtime
    /// lives); returns `http://127.0.0.1:PORT`.
    pub async fn serve_tcp(&self) -> String {
        let fake = self.clone();
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let fake = fake.clone();
            async move { fake.serve_axum(request).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        format!("http://{addr}")
    }

    async fn serve_axum(&self, request: axum::extract::Request) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let target = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
        let host = parts
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        let answer = self
            .answer(
                parts.method.as_str(),
                host,
                target,
                parts.headers,
                body.to_vec(),
            )
            .await;
        if let Some(delay) = answer.delay {
            tokio::time::sleep(delay).await;
        }
        let mut response = axum::response::Response::new(axum::body::Body::from(answer.body));
        *response.status_mut() = axum::http::StatusCode::from_u16(answer.status).expect("status");
        *response.headers_mut() = answer.headers;
        response
    }
}
