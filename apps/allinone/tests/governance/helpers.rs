//! The governance service with its three sources beside it.

use eip_engagement::Engagement;
use eip_governance::Governance;
use eip_platform::Shared;
use eip_platform::bus::{Bus, RedisBus};
use eip_platform::db::Db;
use eip_platform::identity::Keyring;
use eip_platform::service::{Service, launch};
use eip_referrals::Referrals;
pub use eip_test_support::BusChoice;
use eip_test_support::{
    Backend, RunningService, TestApp, TestBus, TestDb, assertion, eventually, keys,
};
use eip_training::Training;
use eip_types::Principal;
use eip_types::governance::SubmittedPerArea;
use std::time::Duration;

/// Runs a `(backend, bus)` scenario on the in-process bus.
pub async fn in_process(backend: Backend, scenario: impl AsyncFnOnce(Backend, BusChoice)) {
    scenario(backend, BusChoice::InProcess).await;
}

pub struct Platform {
    pub keys: Keyring,
    pub bus: TestBus,
    pub http: reqwest::Client,
    pub referrals: TestApp,
    pub training: TestApp,
    pub engagement: TestApp,
    pub governance: Vec<RunningService>,
    /// The governance database, read directly to see raw counts.
    pub read_model: Db,
    _governance_db: TestDb,
}

/// Source service `S`, sharing the test's bus and keys.
async fn start_source<S: Service>(backend: Backend, shared: &Shared) -> TestApp {
    TestApp::service_on::<S>(
        TestDb::new(backend).await,
        shared.bus.clone(),
        shared.keys.clone(),
        |_| {},
    )
    .await
}

/// Where the sources' event feeds are.
pub struct Feeds<'a> {
    pub referrals: &'a str,
    pub training: &'a str,
    pub engagement: &'a str,
}

/// The governance configuration the tests run with.
pub fn governance_config(db: &TestDb, feeds: &Feeds<'_>) -> eip_governance::Config {
    let mut config = Governance::default_config();
    config.service.database_url = db.url.clone();
    config.own.referrals_url = feeds.referrals.to_owned();
    config.own.training_url = feeds.training.to_owned();
    config.own.engagement_url = feeds.engagement.to_owned();
    config
}

pub async fn start_governance(db: &TestDb, shared: &Shared, feeds: &Feeds<'_>) -> RunningService {
    let config = governance_config(db, feeds);
    let shared = shared.clone();
    RunningService::start(|listener, shutdown| {
        launch::<Governance>(config, shared, listener, shutdown)
    })
    .await
}

/// The settings a governance process of `platform` runs with.
pub fn governance_settings_for(platform: &Platform) -> eip_governance::Settings {
    eip_governance::Settings {
        referrals_url: platform.referrals.base.clone(),
        training_url: platform.training.base.clone(),
        engagement_url: platform.engagement.base.clone(),
        ..Default::default()
    }
}

/// Referrals plus `replicas` governance processes sharing one database.
pub async fn start(backend: Backend, bus: BusChoice, replicas: usize) -> Platform {
    let keys = keys();
    let bus = TestBus::new(bus, &keys).await;
    let shared = Shared {
        bus: bus.bus.clone(),
        keys: keys.clone(),
    };
    let governance_db = TestDb::new(backend).await;
    let http = reqwest::Client::new();
    let referrals = start_source::<Referrals>(backend, &shared).await;
    let training = start_source::<Training>(backend, &shared).await;
    let engagement = start_source::<Engagement>(backend, &shared).await;
    let feeds = Feeds {
        referrals: &referrals.base,
        training: &training.base,
        engagement: &engagement.base,
    };
    let mut governance = Vec::new();
    for _ in 0..replicas {
        // Each replica gets its own handle on the bus, as separate processes would.
        let own = Shared {
            bus: match &bus.bus {
                Bus::Redis(_) => Bus::Redis(
                    RedisBus::connect(
                        &bus.redis
                            .as_ref()
                            .map(|r| r.url.clone())
                            .unwrap_or_default(),
                        "eip-test:",
                        keys.clone(),
                    )
                    .await
                    .expect("redis"),
                ),
                other => other.clone(),
            },
            keys: keys.clone(),
        };
        let g = start_governance(&governance_db, &own, &feeds).await;
        governance.push(g);
    }
    let read_model = Db::connect(
        &governance_db.url,
        &eip_platform::service::schema::<Governance>(),
    )
    .await
    .expect("governance database");
    Platform {
        keys,
        bus,
        http,
        referrals,
        training,
        engagement,
        governance,
        read_model,
        _governance_db: governance_db,
    }
}

impl Platform {
    pub async fn report(&self, p: &Principal) -> reqwest::Response {
        self.http
            .get(format!(
                "{}/reports/referrals-submitted-per-area",
                self.governance[0].base
            ))
            .bearer_auth(assertion(&self.keys, "governance", p))
            .send()
            .await
            .expect("request")
    }

    /// Sends `body` to a governance path as `p`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        p: &Principal,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.governance[0].base))
            .bearer_auth(assertion(&self.keys, "governance", p));
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    /// Takes one lifecycle step on a referral; returns the new version.
    pub async fn transition(
        &self,
        p: &Principal,
        id: &str,
        version: i64,
        transition: serde_json::Value,
    ) -> i64 {
        let res = self
            .http
            .post(format!(
                "{}/referrals/{id}/transitions",
                self.referrals.base
            ))
            .bearer_auth(assertion(&self.keys, "referrals", p))
            .json(&serde_json::json!({ "version": version, "transition": transition }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "{transition}");
        let body: serde_json::Value = res.json().await.expect("json");
        body["version"]
            .as_i64()
            .or_else(|| body["referral"]["version"].as_i64())
            .expect("a version")
    }

    /// Records one training completion through the training API.
    pub async fn record_completion(&self, p: &Principal, competency: &str, on: &str) {
        let res = self
            .http
            .post(format!("{}/completions", self.training.base))
            .bearer_auth(assertion(&self.keys, "training", p))
            .json(&serde_json::json!({
                "staff_ref": "PC-1234",
                "competency_id": competency,
                "completed_on": on
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201);
    }

    /// Logs one engagement with a community in the Hull ward of Myton.
    pub async fn log_engagement(&self, p: &Principal, held_on: &str, seldom_heard: bool) {
        let res = self
            .http
            .post(format!("{}/engagements", self.engagement.base))
            .bearer_auth(assertion(&self.keys, "engagement", p))
            .json(&serde_json::json!({
                "kind": "public_meeting",
                "place_id": "myton",
                "held_on": held_on,
                "attendance": 12,
                "seldom_heard": seldom_heard
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201);
    }

    /// Imports calls for service into the engagement service as an analyst
    /// and waits for the job to finish.
    pub async fn import_incidents(&self, csv: String) {
        let analyst = eip_test_support::principal(eip_types::Role::Analyst, &[]);
        // A fresh assertion for each call: a service accepts each once.
        let token = || assertion(&self.keys, "engagement", &analyst);
        let res = self
            .http
            .post(format!("{}/imports", self.engagement.base))
            .bearer_auth(token())
            .json(&serde_json::json!({ "kind": "incidents" }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201);
        let job: serde_json::Value = res.json().await.expect("job");
        let id = job["id"].as_str().expect("an id");
        let res = self
            .http
            .put(format!("{}/imports/{id}/data", self.engagement.base))
            .bearer_auth(token())
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(csv)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
        let job: serde_json::Value = res.json().await.expect("job");
        assert_eq!(job["status"], "completed", "{job}");
    }

    /// Raises and submits one referral in `area` through the referrals API.
    pub async fn submit_referral(&self, p: &Principal, area: &str) {
        self.raise_referral(p, area).await;
    }

    /// Raises and submits one referral; returns its id and version.
    pub async fn raise_referral(&self, p: &Principal, area: &str) -> (String, i64) {
        let res = self
            .http
            .post(format!("{}/referrals", self.referrals.base))
            .bearer_auth(assertion(&self.keys, "referrals", p))
            .json(&serde_json::json!({
                "child_name": "Test Child",
                "date_of_birth": "2016-05-01",
                "area_id": area,
                "reason": "Test referral",
                "submit": true
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.expect("json");
        (
            body["id"].as_str().expect("an id").to_owned(),
            body["version"].as_i64().expect("a version"),
        )
    }

    /// Raw counts straight from the read model (no suppression).
    pub async fn raw_counts(&self) -> Vec<(String, u64)> {
        eip_governance::store::facts::submitted_per_area(self.read_model.pool())
            .await
            .expect("counts")
    }

    /// Waits until the read model holds `expected` for `area`, and fails if it
    /// goes past it.
    pub async fn wait_for_count(&self, area: &str, expected: u64) {
        eventually(
            &format!("{area} counting {expected}"),
            Duration::from_secs(30),
            async || {
                let n = self.count(area).await;
                assert!(n <= expected, "{area} counted {n}, more than {expected}");
                (n == expected).then_some(())
            },
        )
        .await;
    }

    /// The raw count for `area`.
    pub async fn count(&self, area: &str) -> u64 {
        self.raw_counts()
            .await
            .into_iter()
            .find(|(a, _)| a == area)
            .map_or(0, |(_, n)| n)
    }

    pub async fn report_json(&self, p: &Principal) -> SubmittedPerArea {
        self.report(p).await.json().await.expect("json")
    }

    pub async fn stop(self) {
        for g in self.governance {
            let _ = g.stop().await;
        }
        self.referrals.stop().await;
        self.training.stop().await;
        self.engagement.stop().await;
        self.read_model.close().await;
    }
}
