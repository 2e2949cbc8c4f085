//! What every migration set must pass, checked by each crate that owns one:
//!
//! - **Released migrations are never edited.** Each crate commits a manifest
//!   (`migrations/released.txt`) with the checksum sqlx keeps for every
//!   migration it has released; sqlx refuses a database whose applied
//!   migration has changed, so a changed checksum fails the test. A new
//!   migration is added to the manifest by running the tests with
//!   `EIP_BLESS=1`, which never rewrites an entry already there.
//! - **The two backends agree.** Each SQLite migration has its PostgreSQL
//!   twin with the same version and name, and after the known differences
//!   of type and dialect are normalised away the two say the same thing. A
//!   migration that must differ (SQLite rebuilding a table where PostgreSQL
//!   alters it, triggers) says so in both files with a line
//!   `-- differs by backend: <why>`.

use eip_platform::db::{Backend, Migrations};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The marker a migration pair carries when its two texts must differ.
pub const DIFFERS: &str = "-- differs by backend:";

/// Checks `migrations` against the committed manifest at `manifest` and
/// checks that the backends agree; see the module documentation.
pub fn check(migrations: &Migrations, manifest: &Path) {
    assert_pairs_agree(migrations);
    assert_released_unchanged(migrations, manifest);
}

/// One line per migration and backend: `<backend> <version> <name> <sha384>`.
fn entries(migrations: &Migrations) -> BTreeMap<(String, i64), String> {
    let mut out = BTreeMap::new();
    for (backend, label) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
        for m in migrations.of(backend) {
            let checksum = m.checksum.iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
            out.insert(
                (label.to_owned(), m.version),
                format!("{} {checksum}", m.description.replace(' ', "_")),
            );
        }
    }
    out
}

fn read_manifest(manifest: &Path) -> BTreeMap<(String, i64), String> {
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let (Some(backend), Some(version), Some(rest)) =
                (parts.next(), parts.next(), parts.next())
            else {
                panic!("{}: cannot read `{line}`", manifest.display());
            };
            let version: i64 = version
                .parse()
                .unwrap_or_else(|_| panic!("{}: bad version in `{line}`", manifest.display()));
            ((backend.to_owned(), version), rest.to_owned())
        })
        .collect()
}

fn assert_released_unchanged(migrations: &Migrations, manifest: &Path) {
    let now = entries(migrations);
    let released = read_manifest(manifest);
    let edited: Vec<String> = released
        .iter()
        .filter_map(
            |((backend, version), was)| match now.get(&(backend.clone(), *version)) {
                Some(is) if is == was => None,
                Some(_) => Some(format!("{backend} {version} was edited after its release")),
                None => Some(format!("{backend} {version} was released and is gone")),
            },
        )
        .collect();
    assert!(
        edited.is_empty(),
        "released migrations must never change (add a new migration instead): {}",
        edited.join("; ")
    );
    let new: Vec<_> = now.keys().filter(|k| !released.contains_key(*k)).collect();
    if new.is_empty() {
        return;
    }
    if std::env::var_os("EIP_BLESS").is_some() {
        let mut text = String::from(
            "# Migrations released: backend, version, name and the checksum sqlx keeps.\n\
             # Never edit a line; a new migration is added by running the tests with EIP_BLESS=1.\n",
        );
        for ((backend, version), rest) in &now {
            let _ = writeln!(text, "{backend} {version} {rest}");
        }
        std::fs::write(manifest, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", manifest.display()));
        return;
    }
    panic!(
        "{} does not list {new:?}: run the tests with EIP_BLESS=1 and commit the result",
        manifest.display()
    );
}

fn assert_pairs_agree(migrations: &Migrations) {
    let by_version = |backend| {
        migrations
            .of(backend)
            .iter()
            .map(|m| (m.version, m))
            .collect::<BTreeMap<_, _>>()
    };
    let sqlite = by_version(Backend::Sqlite);
    let postgres = by_version(Backend::Postgres);
    let mut problems = Vec::new();
    let versions: std::collections::BTreeSet<i64> =
        sqlite.keys().chain(postgres.keys()).copied().collect();
    for version in &versions {
        let (Some(lite), Some(pg)) = (sqlite.get(version), postgres.get(version)) else {
            problems.push(format!("{version} exists for one backend only"));
            continue;
        };
        if lite.description != pg.description {
            problems.push(format!(
                "{version} is `{}` on SQLite but `{}` on PostgreSQL",
                lite.description, pg.description
            ));
            continue;
        }
        let (lite_sql, pg_sql) = (lite.sql.as_ref(), pg.sql.as_ref());
        let marked = [lite_sql, pg_sql].map(|s| s.contains(DIFFERS));
        match marked {
            [true, true] => {}
            [false, false] => {
                let (a, b) = (normalise(lite_sql), normalise(pg_sql));
                if a != b {
                    let first = a
                        .iter()
                        .zip(&b)
                        .find(|(x, y)| x != y)
                        .map(|(x, y)| format!("SQLite `{x}` against PostgreSQL `{y}`"))
                        .unwrap_or_else(|| "one has more statements".into());
                    problems.push(format!("{version}_{}: {first}", lite.description));
                }
            }
            _ => problems.push(format!(
                "{version}_{}: only one backend says `{DIFFERS}`",
                lite.description
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "the SQLite and PostgreSQL migrations disagree: {}",
        problems.join("; ")
    );
}

/// A migration's statements with comments and case dropped, spaces folded,
/// and the known differences between the backends' types written one way.
pub fn normalise(sql: &str) -> Vec<String> {
    let text: String = sql
        .lines()
        .map(|l| l.split_once("--").map_or(l, |(code, _)| code))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        ("bigserial primary key", "integer primary key autoincrement"),
        ("bigint", "integer"),
        ("double precision", "real"),
        ("primary key not null", "primary key"),
        ("boolean", "integer"),
    ] {
        folded = folded.replace(from, to);
    }
    folded
        .split(';')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::migrate::{Migration, MigrationType};

    fn migration(version: i64, name: &'static str, sql: &'static str) -> Migration {
        Migration::new(
            version,
            name.into(),
            MigrationType::Simple,
            sql.into(),
            false,
        )
    }

    fn set(lite: &'static str, pg: &'static str) -> Migrations {
        Migrations::from_lists(
            vec![migration(1001, "things", lite)],
            vec![migration(1001, "things", pg)],
        )
    }

    fn manifest_of(migrations: &Migrations) -> tempfile_path::Path {
        let path = tempfile_path::new();
        let text: String = entries(migrations)
            .iter()
            .map(|((b, v), rest)| format!("{b} {v} {rest}\n"))
            .collect();
        std::fs::write(&path.0, text).expect("manifest written");
        path
    }

    /// A file in the temporary folder, removed when dropped.
    mod tempfile_path {
        pub struct Path(pub std::path::PathBuf);
        pub fn new() -> Path {
            Path(std::env::temp_dir().join(format!(
                "eip-manifest-{}.txt",
                uuid::Uuid::new_v4().simple()
            )))
        }
        impl Drop for Path {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn a_released_set_passes() {
        let released = set(
            "CREATE TABLE t (n INTEGER NOT NULL);",
            "CREATE TABLE t (n BIGINT NOT NULL);",
        );
        let manifest = manifest_of(&released);
        check(&released, &manifest.0);
    }

    #[test]
    #[should_panic(expected = "was edited after its release")]
    fn an_edited_release_fails() {
        let released = set(
            "CREATE TABLE t (n INTEGER NOT NULL);",
            "CREATE TABLE t (n BIGINT NOT NULL);",
        );
        let manifest = manifest_of(&released);
        let edited = set(
            "CREATE TABLE t (n INTEGER NOT NULL, m INTEGER);",
            "CREATE TABLE t (n BIGINT NOT NULL, m BIGINT);",
        );
        check(&edited, &manifest.0);
    }

    #[test]
    #[should_panic(expected = "migrations disagree")]
    fn backends_that_disagree_fail() {
        let drifted = set(
            "CREATE TABLE t (n INTEGER NOT NULL);",
            "CREATE TABLE t (n BIGINT);",
        );
        let manifest = manifest_of(&drifted);
        check(&drifted, &manifest.0);
    }

    #[test]
    #[should_panic(expected = "only one backend says")]
    fn a_difference_must_be_declared_on_both_sides() {
        let half = set(
            "-- differs by backend: a rebuild\nCREATE TABLE t2 (n INTEGER);",
            "ALTER TABLE t ADD COLUMN n BIGINT;",
        );
        let manifest = manifest_of(&half);
        check(&half, &manifest.0);
    }

    #[test]
    fn known_type_differences_normalise_alike() {
        let pg = "CREATE TABLE t (\n  seq BIGSERIAL PRIMARY KEY, -- the order\n  n BIGINT NOT NULL,\n  id TEXT PRIMARY KEY\n);";
        let lite = "create table t (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, id TEXT PRIMARY KEY NOT NULL);";
        assert_eq!(normalise(pg), normalise(lite));
        assert_ne!(
            normalise("CREATE TABLE t (n BIGINT NOT NULL);"),
            normalise("CREATE TABLE t (n INTEGER);")
        );
    }
}
