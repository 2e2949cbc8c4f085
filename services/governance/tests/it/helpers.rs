use eip_platform::bus::{Bus, InProcessBus, RedisBus};
use eip_platform::identity::IdentityKeys;
use eip_platform::{CancellationToken, Shared};
use eip_test_support::{Backend, RedisServer, TestDb, keys};
use eip_types::Principal;
use eip_types::governance::SubmittedPerArea;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusChoice {
    InProcess,
    Redis,
}

/// A bus for one test: in process, or a private Redis that may be flushed.
pub struct TestBus {
    pub bus: Bus,
    pub redis: Option<RedisServer>,
}

impl TestBus {
    pub async fn new(choice: BusChoice) -> Self {
        match choice {
            BusChoice::InProcess => Self {
                bus: Bus::InProcess(InProcessBus::default()),
                redis: None,
            },
            BusChoice::Redis => {
                let server = RedisServer::start().await;
                let bus = RedisBus::connect(&server.url, "eip-test:")
                    .await
                    .expect("redis");
                Self {
                    bus: Bus::Redis(bus),
                    redis: Some(server),
                }
            }
        }
    }

    /// Loses everything the bus holds, as a restart without persistence does.
    pub async fn lose_everything(&self) {
        match (&self.bus, &self.redis) {
            (Bus::InProcess(b), _) => b.clear(),
            (Bus::Redis(_), Some(server)) => server.flush().await,
            (Bus::Redis(_), None) => unreachable!("a Redis bus has a server"),
        }
    }
}

pub struct Running {
    pub url: String,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

async fn wait_ready(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{url}/health/ready")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub struct Platform {
    pub keys: IdentityKeys,
    pub bus: TestBus,
    pub http: reqwest::Client,
    pub referrals: Running,
    pub governance: Vec<Running>,
    pub _referrals_db: TestDb,
    pub governance_db: TestDb,
}

pub async fn start_referrals(db: &TestDb, shared: &Shared) -> Running {
    let mut config = eip_referrals::default_config();
    config.database_url = db.url.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(eip_referrals::launch(
        config,
        shared.clone(),
        listener,
        shutdown.clone(),
    ));
    Running {
        url,
        shutdown,
        task,
    }
}

pub async fn start_governance(db: &TestDb, shared: &Shared, referrals_url: &str) -> Running {
    let mut config = eip_governance::Config::default();
    config.service.database_url = db.url.clone();
    config.referrals_url = referrals_url.to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(eip_governance::launch(
        config,
        shared.clone(),
        listener,
        shutdown.clone(),
    ));
    Running {
        url,
        shutdown,
        task,
    }
}

/// Referrals plus `replicas` governance processes sharing one database.
pub async fn start(backend: Backend, bus: BusChoice, replicas: usize) -> Platform {
    let keys = keys();
    let bus = TestBus::new(bus).await;
    let shared = Shared {
        bus: bus.bus.clone(),
        keys: keys.clone(),
    };
    let referrals_db = TestDb::new(backend).await;
    let governance_db = TestDb::new(backend).await;
    let http = reqwest::Client::new();
    let referrals = start_referrals(&referrals_db, &shared).await;
    wait_ready(&http, &referrals.url).await;
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
                    )
                    .await
                    .expect("redis"),
                ),
                other => other.clone(),
            },
            keys: keys.clone(),
        };
        let g = start_governance(&governance_db, &own, &referrals.url).await;
        wait_ready(&http, &g.url).await;
        governance.push(g);
    }
    Platform {
        keys,
        bus,
        http,
        referrals,
        governance,
        _referrals_db: referrals_db,
        governance_db,
    }
}

impl Platform {
    pub async fn report(&self, p: &Principal) -> reqwest::Response {
        self.http
            .get(format!(
                "{}/reports/referrals-submitted-per-area",
                self.governance[0].url
            ))
            .bearer_auth(self.keys.sign(p).expect("sign"))
            .send()
            .await
            .expect("request")
    }

    /// Raises and submits one referral in `area` through the referrals API.
    pub async fn submit_referral(&self, p: &Principal, area: &str) {
        let res = self
            .http
            .post(format!("{}/referrals", self.referrals.url))
            .bearer_auth(self.keys.sign(p).expect("sign"))
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
    }

    /// Raw counts straight from the read model (no suppression).
    pub async fn raw_counts(&self) -> Vec<(String, u64)> {
        sqlx::any::install_default_drivers();
        let db =
            eip_platform::db::Db::connect(&self.governance_db.url, &eip_governance::migrations())
                .await
                .expect("db");
        let counts = eip_governance::read_model::submitted_per_area(db.pool())
            .await
            .expect("counts");
        db.close().await;
        counts
    }

    /// Waits until the read model holds `expected` for `area`, and fails if it
    /// goes past it.
    pub async fn wait_for_count(&self, area: &str, expected: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let n = self
                .raw_counts()
                .await
                .into_iter()
                .find(|(a, _)| a == area)
                .map_or(0, |(_, n)| n);
            assert!(n <= expected, "{area} counted {n}, more than {expected}");
            if n == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{area} stuck at {n}, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn report_json(&self, p: &Principal) -> SubmittedPerArea {
        self.report(p).await.json().await.expect("json")
    }

    pub async fn stop(self) {
        for g in self.governance {
            g.stop().await;
        }
        self.referrals.stop().await;
    }
}
