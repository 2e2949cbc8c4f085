//! Reminders by email: sent once per day and stage through the configured
//! SMTP server, and still shown in the portal without one.

use crate::helpers::{TestApp, user, user_with_id};
use eip_test_support::Backend;
use eip_training::Training;
use eip_training::jobs::mail::SmtpConfig;
use eip_types::Role;
use eip_types::training::{ImportReport, JobReport, Matrix, Reminder};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Each message's recipients and data.
type Kept = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A tiny SMTP server on a loopback port that keeps every message it is
/// given (recipients and data) and delivers nothing.
struct SmtpSink {
    port: u16,
    messages: Kept,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let port = listener.local_addr().expect("address").port();
        let messages: Kept = Arc::default();
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ready\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "RCPT" => {
                                to.push(line[8..].trim().to_owned());
                                b"250 ok\r\n"
                            }
                            "DATA" => {
                                let _ = write.write_all(b"354 go on\r\n").await;
                                let mut data = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    data.push_str(&l);
                                    data.push('\n');
                                }
                                if let Ok(mut m) = kept.lock() {
                                    m.push((std::mem::take(&mut to), data));
                                }
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink {
            port,
            messages,
            task,
        }
    }

    fn messages(&self) -> Vec<(Vec<String>, String)> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const CSV: &str = "staff_number,user_id,name,team,area,role,manager,agency,email\n\
    S1,u-sgt,Sergeant Mail,hull-north,hull,police-constable,,,sgt@force.example\n\
    P1,u-pc1,Constable Mail,hull-north,hull,police-constable,S1,,pc1@force.example\n\
    P2,u-pc2,Constable Nomail,hull-north,hull,police-constable,S1,,\n";

async fn scenario(backend: Backend, smtp: Option<&SmtpSink>) -> Vec<JobReport> {
    let relay = smtp.map(|s| SmtpConfig {
        host: "127.0.0.1".into(),
        port: s.port,
        from: "Training <training@force.example>".into(),
        username: None,
        password: None,
    });
    let app = TestApp::service::<Training>(backend, move |config| {
        config.own.smtp = relay.clone();
    })
    .await;
    let admin = user(Role::Admin);
    let report: ImportReport = app
        .post_raw("/staff/import", &admin, "text/csv", CSV)
        .await
        .json()
        .await
        .expect("report");
    assert_eq!((report.imported, report.errors.len()), (3, 0));
    let m: Matrix = app
        .get("/matrix", &admin)
        .await
        .json()
        .await
        .expect("matrix");
    for name in ["Constable Mail", "Constable Nomail"] {
        let id = &m
            .rows
            .iter()
            .find(|r| r.name == name)
            .expect("row")
            .staff_id;
        let res = app
            .post(
                &format!("/staff/{id}/evidence"),
                &user(Role::Trainer),
                &json!({"competency_id": "restorative-practice", "kind": "completed",
                        "activity": "training", "level": "foundation", "occurred_on": "2025-03-15"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let mut reports = Vec::new();
    // 30 days before the lapse on 2026-03-15, twice; then the next day.
    for day in ["2026-02-13", "2026-02-13", "2026-02-14"] {
        let res = app
            .client
            .post(app.url(&format!("/jobs/daily?as_of={day}")))
            .bearer_auth(app.token(&admin))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), StatusCode::OK);
        reports.push(res.json().await.expect("report"));
    }
    // The portal shows reminders whether or not they were emailed.
    let mine: Vec<Reminder> = app
        .get("/reminders", &user_with_id(Role::Frontline, "u-pc2"))
        .await
        .json()
        .await
        .expect("reminders");
    assert_eq!(mine.len(), 1);
    let managers: Vec<Reminder> = app
        .get("/reminders", &user_with_id(Role::Frontline, "u-sgt"))
        .await
        .json()
        .await
        .expect("reminders");
    assert_eq!(managers.len(), 2);
    app.stop().await;
    reports
}

// Each scenario spawns its own service: one with a mail relay, one without.
eip_test_support::on_both_backends!(
    reminders_are_emailed_once_per_day_and_stage,
    without_smtp_reminders_show_in_the_portal_only,
);

async fn reminders_are_emailed_once_per_day_and_stage(backend: Backend) {
    let sink = SmtpSink::start().await;
    let reports = scenario(backend, Some(&sink)).await;
    // Four reminders (two people, and their sergeant about each); three go
    // to someone with an address.
    assert_eq!(reports[0].reminders, 4, "{:?}", reports[0]);
    let emailed: Vec<u32> = reports.iter().map(|r| r.emailed).collect();
    assert_eq!(emailed, [3, 0, 0]);
    let mut to: Vec<String> = sink
        .messages()
        .iter()
        .flat_map(|(to, _)| to.clone())
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "<pc1@force.example>",
            "<sgt@force.example>",
            "<sgt@force.example>"
        ]
    );
    let bodies: Vec<String> = sink.messages().into_iter().map(|(_, d)| d).collect();
    assert!(
        bodies
            .iter()
            .any(|d| d.contains("Your Restorative practice lapses on 2026-03-15")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .any(|d| d.contains("Constable Nomail's Restorative practice")),
        "{bodies:?}"
    );
}

async fn without_smtp_reminders_show_in_the_portal_only(backend: Backend) {
    let reports = scenario(backend, None).await;
    assert_eq!(reports[0].reminders, 4);
    assert!(reports.iter().all(|r| r.emailed == 0));
}
