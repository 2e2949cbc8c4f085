use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::identity::IdentityKeys;
use eip_test_support::{Backend, RunningService, TestDb, keys};
use eip_types::Principal;
use eip_types::referral::SharingAgreement;
use serde::Serialize;

pub struct TestApp {
    pub url: String,
    pub keys: IdentityKeys,
    pub http: reqwest::Client,
    _service: RunningService,
    pub db: TestDb,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let db = TestDb::new(backend).await;
    let mut config = eip_referrals::default_config();
    config.database_url = db.url.clone();
    let keys = keys();
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let service = RunningService::start(|listener, shutdown| {
        eip_referrals::launch(config, shared, listener, shutdown)
    })
    .await;
    let app = TestApp {
        url: service.base.clone(),
        keys,
        http: reqwest::Client::new(),
        _service: service,
        db,
    };
    app.renew_agreements().await;
    app
}

/// A share with consent under public task, relying on the agency's standing
/// agreement, disclosing everything.
pub fn share(agency: &str) -> serde_json::Value {
    serde_json::json!({
        "action": "share", "agency_id": agency, "lawful_basis": "public_task",
        "consent": "given", "agreement_id": format!("isa-{agency}"),
        "fields": ["date_of_birth", "reason", "screening"]
    })
}

pub fn admin() -> Principal {
    eip_test_support::principal(eip_types::Role::Admin, &[])
}

impl TestApp {
    /// Keeps the standing agreements in force for a year from today, so the
    /// tests do not depend on the calendar.
    async fn renew_agreements(&self) {
        let agreements: Vec<SharingAgreement> = self
            .get("/agreements", &admin())
            .await
            .json()
            .await
            .expect("agreements");
        let today = chrono::Utc::now().date_naive();
        for a in agreements {
            let res = self
                .put(
                    &format!("/agreements/{}", a.id),
                    &admin(),
                    &serde_json::json!({
                        "name": a.name, "agency_id": a.agency_id,
                        "starts_on": (today - chrono::Days::new(365)).to_string(),
                        "ends_on": (today + chrono::Days::new(365)).to_string(),
                    }),
                )
                .await;
            assert_eq!(res.status(), 200, "renewing {}", a.id);
        }
    }

    /// Runs one statement on the service's database, as a test's way to
    /// move dates into the past.
    pub async fn exec(&self, sql: &str, binds: &[&str]) {
        let db = eip_platform::db::Db::connect(&self.db.url, &eip_referrals::migrations())
            .await
            .expect("db");
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(db.pool()).await.expect("statement");
        db.close().await;
    }

    pub async fn put<B: Serialize>(
        &self,
        path: &str,
        p: &Principal,
        body: &B,
    ) -> reqwest::Response {
        self.http
            .put(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// The service's whole event feed, read as the governance service would.
    pub async fn events(&self) -> eip_types::events::EventPage {
        let token = self.keys.sign_service("governance").expect("sign");
        self.http
            .get(format!("{}/events?after=0", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("feed")
            .json()
            .await
            .expect("page")
    }

    pub fn token(&self, p: &Principal) -> String {
        self.keys.sign(p).expect("sign")
    }

    pub async fn post<B: Serialize>(
        &self,
        path: &str,
        p: &Principal,
        body: &B,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        p: &Principal,
        body: &'static str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, p: &Principal) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(self.token(p))
            .send()
            .await
            .expect("request")
    }
}

/// The service with a stand-in training service beside it on the same bus,
/// for the actions gated on a current competency.
pub async fn spawn_gated_app(backend: Backend) -> (TestApp, eip_skills::testing::FakeTraining) {
    let db = TestDb::new(backend).await;
    let bus = Bus::InProcess(InProcessBus::default());
    let training = eip_skills::testing::FakeTraining::start(bus.clone())
        .await
        .expect("stand-in training service");
    let mut config = eip_referrals::default_config();
    config.database_url = db.url.clone();
    config.training_url = training.url.clone();
    let keys = keys();
    let shared = Shared {
        bus,
        keys: keys.clone(),
    };
    let service = RunningService::start(|listener, shutdown| {
        eip_referrals::launch(config, shared, listener, shutdown)
    })
    .await;
    let app = TestApp {
        url: service.base.clone(),
        keys,
        http: reqwest::Client::new(),
        _service: service,
        db,
    };
    (app, training)
}

/// Runs each scenario once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(eip_test_support::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(eip_test_support::Backend::Postgres).await })*
        }
    };
}
