//! The access log: every view or disclosure of a referral, with who, when,
//! what and why (DPA 2018 s.62). Rows are only ever appended, and each row's
//! hash covers the previous row's, so [`verify`] finds any edited, removed or
//! reordered row. The rows are kept by `store::audit`.

pub use eip_types::audit::{AccessEntry, Verification};
use sha2::{Digest, Sha256};

/// One access to record.
#[derive(Debug, Clone)]
pub struct Access<'a> {
    pub actor: &'a str,
    /// `view`, `view_timeline`, `list`, `disclose`, `access_report`.
    pub action: &'a str,
    pub referral_id: &'a str,
    /// What was disclosed to whom (the receiving agency), if anything.
    pub detail: Option<&'a str>,
    pub reason: &'a str,
}

/// A row's hash: SHA-256 over its number, time, access and the previous
/// row's hash, each followed by a separator, in hex.
pub fn hash(seq: i64, at: &str, a: &Access<'_>, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        seq.to_string().as_str(),
        at,
        a.actor,
        a.action,
        a.referral_id,
        a.detail.unwrap_or(""),
        a.reason,
        prev_hash,
    ] {
        h.update(part.as_bytes());
        // A separator that cannot occur in the fields' text.
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One row of the log as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub referral_id: String,
    pub detail: Option<String>,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Walks the whole chain, `rows` in sequence order, recomputing every
/// hash; `head_seq` is the last number handed out.
pub fn verify(rows: &[Logged], head_seq: i64) -> Verification {
    let mut expected_seq = 1;
    let mut prev = "";
    let mut checked = 0;
    for row in rows {
        let access = Access {
            actor: &row.actor,
            action: &row.action,
            referral_id: &row.referral_id,
            detail: row.detail.as_deref(),
            reason: &row.reason,
        };
        let recomputed = hash(row.seq, &row.at, &access, &row.prev_hash);
        if row.seq != expected_seq || row.prev_hash != prev || recomputed != row.hash {
            return Verification {
                intact: false,
                checked,
                broken_at: Some(expected_seq.min(row.seq)),
            };
        }
        checked += 1;
        expected_seq += 1;
        prev = &row.hash;
    }
    // Rows removed from the end leave the head ahead of the log.
    if head_seq != expected_seq - 1 {
        return Verification {
            intact: false,
            checked,
            broken_at: Some(expected_seq),
        };
    }
    Verification {
        intact: true,
        checked,
        broken_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_in_order_with_a_separator() {
        let a = Access {
            actor: "u1",
            action: "disclose",
            referral_id: "r1",
            detail: Some("schools"),
            reason: "Shared for early help",
        };
        // SHA-256 of each field followed by 0x1f: seq, at, actor, action,
        // referral, detail, reason, previous hash. Rows already logged
        // verify only while this stays the same.
        assert_eq!(
            hash(7, "2026-01-02T03:04:05.000006Z", &a, "prev"),
            "bd65984e9d455837f5c692246e4109854703f204b37dd85337fb934769082d06"
        );
        let first = Access {
            action: "list",
            referral_id: "",
            detail: None,
            reason: "Worklist",
            ..a
        };
        assert_eq!(
            hash(1, "2026-01-02T03:04:05.000006Z", &first, ""),
            "54d907e127fd1ae09c9026f7420ca0a03f23681b5ada7abb55de484859cfa4cc"
        );
    }

    /// A log of `n` rows chained as the store appends them.
    fn chain(n: i64) -> Vec<Logged> {
        let mut rows: Vec<Logged> = Vec::new();
        for seq in 1..=n {
            let prev_hash = rows.last().map(|r| r.hash.clone()).unwrap_or_default();
            let at = format!("2026-01-02T03:04:{seq:02}.000000Z");
            let a = Access {
                actor: "u1",
                action: "view",
                referral_id: "r1",
                detail: None,
                reason: "Own referral",
            };
            rows.push(Logged {
                seq,
                hash: hash(seq, &at, &a, &prev_hash),
                at,
                actor: a.actor.into(),
                action: a.action.into(),
                referral_id: a.referral_id.into(),
                detail: None,
                reason: a.reason.into(),
                prev_hash,
            });
        }
        rows
    }

    fn broken(checked: i64, at: i64) -> Verification {
        Verification {
            intact: false,
            checked,
            broken_at: Some(at),
        }
    }

    #[test]
    fn an_untouched_log_verifies() {
        assert_eq!(
            verify(&chain(3), 3),
            Verification {
                intact: true,
                checked: 3,
                broken_at: None
            }
        );
        assert!(verify(&[], 0).intact);
    }

    #[test]
    fn an_edited_removed_or_reordered_row_breaks_the_chain_where_it_was() {
        let mut edited = chain(4);
        edited[2].reason = "Curiosity".into();
        assert_eq!(verify(&edited, 4), broken(2, 3));

        let mut removed = chain(4);
        removed.remove(1);
        assert_eq!(verify(&removed, 4), broken(1, 2));

        let mut reordered = chain(4);
        reordered.swap(1, 2);
        assert_eq!(verify(&reordered, 4), broken(1, 2));

        let mut truncated = chain(4);
        truncated.pop();
        assert_eq!(verify(&truncated, 4), broken(3, 4));
    }
}
