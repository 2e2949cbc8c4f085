//! The HTTP client the portal and the services call services with. Each call
//! carries a fresh identity assertion and the current trace context.

use crate::identity::IdentityKeys;
use crate::telemetry;
use eip_types::{Principal, Problem};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service refused the request and said why.
    #[error("{}: {}", .0.status, .0.title)]
    Problem(Problem),
    /// The service could not be reached or failed.
    #[error("service unavailable: {0}")]
    Unavailable(String),
}

/// A file a service answered with.
#[derive(Debug, Clone)]
pub struct FileAnswer {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub disposition: Option<String>,
}

/// A client of one part (`audience`), calling as the part whose `keys` it
/// holds: every assertion it sends names that one audience.
#[derive(Clone, Debug)]
pub struct ServiceClient {
    keys: IdentityKeys,
    audience: String,
    base: String,
    http: reqwest::Client,
}

impl ServiceClient {
    pub fn new(keys: IdentityKeys, audience: &str, base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self {
            keys,
            audience: audience.to_owned(),
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        principal: &Principal,
    ) -> Result<T, ClientError> {
        let token = self.token(Some(principal))?;
        self.send(self.http.get(self.url(path)), token).await
    }

    /// A GET whose answer is a file rather than JSON (a PDF, say): its bytes
    /// and the file name the service suggests.
    pub async fn get_file(
        &self,
        path: &str,
        principal: &Principal,
    ) -> Result<FileAnswer, ClientError> {
        let token = self.token(Some(principal))?;
        let res = self.send_raw(self.http.get(self.url(path)), token).await?;
        let header = |name: reqwest::header::HeaderName| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let disposition = header(reqwest::header::CONTENT_DISPOSITION);
        let bytes = res.bytes().await.map_err(|e| {
            ClientError::Unavailable(format!("unreadable answer: {}", e.without_url()))
        })?;
        Ok(FileAnswer {
            bytes: bytes.to_vec(),
            content_type,
            disposition,
        })
    }

    /// A GET carrying request headers beyond the assertion: what must not
    /// go in a URL (a reason for viewing a child's record, say).
    pub async fn get_with_headers<T: DeserializeOwned>(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        principal: &Principal,
    ) -> Result<T, ClientError> {
        let token = self.token(Some(principal))?;
        let mut request = self.http.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request, token).await
    }

    /// A GET with query parameters, encoded by the client.
    pub async fn get_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        principal: &Principal,
    ) -> Result<T, ClientError> {
        let token = self.token(Some(principal))?;
        self.send(self.http.get(self.url(path)).query(query), token)
            .await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        principal: &Principal,
        body: &B,
    ) -> Result<T, ClientError> {
        let token = self.token(Some(principal))?;
        self.send(self.http.post(self.url(path)).json(body), token)
            .await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        principal: &Principal,
        body: &B,
    ) -> Result<T, ClientError> {
        let token = self.token(Some(principal))?;
        self.send(self.http.put(self.url(path)).json(body), token)
            .await
    }

    /// A DELETE, whose success has no body.
    pub async fn delete(&self, path: &str, principal: &Principal) -> Result<(), ClientError> {
        let token = self.token(Some(principal))?;
        self.send_raw(self.http.delete(self.url(path)), token)
            .await
            .map(drop)
    }

    /// A PUT whose body is a file (such as CSV for an import), given up to
    /// `timeout` since the service may work through it before answering.
    pub async fn put_file<T: DeserializeOwned>(
        &self,
        path: &str,
        principal: &Principal,
        content_type: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        let token = self.token(Some(principal))?;
        let req = self
            .http
            .put(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .timeout(timeout)
            .body(body);
        self.send(req, token).await
    }

    /// A GET of a text answer (a CSV file, say) for `principal`.
    pub async fn get_text(
        &self,
        path: &str,
        query: &[(&str, &str)],
        principal: &Principal,
    ) -> Result<String, ClientError> {
        let token = self.token(Some(principal))?;
        let res = self
            .send_raw(self.http.get(self.url(path)).query(query), token)
            .await?;
        res.text().await.map_err(|e| {
            ClientError::Unavailable(format!("unreadable answer: {}", e.without_url()))
        })
    }

    /// A GET made by the calling service for itself.
    pub async fn get_as_service<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let token = self.token(None)?;
        self.send(self.http.get(self.url(path)), token).await
    }

    /// Whether the service says it is ready.
    pub async fn ready(&self) -> bool {
        self.http
            .get(self.url("/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn token(&self, principal: Option<&Principal>) -> Result<String, ClientError> {
        match principal {
            Some(p) => self.keys.sign(&self.audience, p),
            None => self.keys.sign_service(&self.audience),
        }
        .map_err(|e| ClientError::Unavailable(format!("cannot sign an assertion: {e}")))
    }

    async fn send<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        token: String,
    ) -> Result<T, ClientError> {
        self.send_raw(req, token).await?.json().await.map_err(|e| {
            ClientError::Unavailable(format!("unreadable answer: {}", e.without_url()))
        })
    }

    /// Sends the request; a success comes back unread, a refusal as its
    /// problem.
    async fn send_raw(
        &self,
        mut req: reqwest::RequestBuilder,
        token: String,
    ) -> Result<reqwest::Response, ClientError> {
        for (k, v) in telemetry::current_context_map() {
            req = req.header(k, v);
        }
        let res = req
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| ClientError::Unavailable(e.without_url().to_string()))?;
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        if status.is_server_error() {
            return Err(ClientError::Unavailable(format!("answered {status}")));
        }
        let problem = res
            .json::<Problem>()
            .await
            .unwrap_or_else(|_| Problem::new(status.as_u16(), "The request was refused"));
        Err(ClientError::Problem(problem))
    }
}
