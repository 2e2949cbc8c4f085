//! Duplicate detection measured on a generated population with known
//! duplicates: precision (of the candidates shown, how many were the same
//! child) and recall (of the true duplicates, how many were shown).
//!
//! The population has what makes the task hard in practice: siblings who
//! share a family name, area and sometimes a birthday; distinct families
//! whose names sound alike (Smith and Smyth); and duplicates entered with
//! typing slips, short forms of given names, swapped names, swapped day and
//! month, and a move to another area. Run with `--nocapture` to see the
//! figures.

use super::*;

/// Whether the store would offer `stored` as a candidate for `probe`: the
/// family names sound alike, the dates of birth match (or are day-month
/// swapped), or the given names sound alike within the same birth year.
/// The same test [`crate::people::candidates`] runs in SQL.
pub fn shares_a_block(probe: &Traits, stored: &Traits) -> bool {
    let (p, s) = (&probe.name, &stored.name);
    (!p.family_key().is_empty() && p.family_key() == s.family_key())
        || probe.date_of_birth == stored.date_of_birth
        || swapped(probe.date_of_birth) == Some(stored.date_of_birth)
        || (!p.given_key().is_empty()
            && p.given_key() == s.given_key()
            && probe.date_of_birth.year() == stored.date_of_birth.year())
}

/// A small deterministic generator (xorshift64*), so the figures are the
/// same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const GIVEN: &[&str] = &[
    "Alexander",
    "Samuel",
    "William",
    "Robert",
    "Thomas",
    "James",
    "Joseph",
    "Daniel",
    "Michael",
    "Christopher",
    "Matthew",
    "Nicholas",
    "Benjamin",
    "Jonathan",
    "Edward",
    "Charles",
    "Elizabeth",
    "Katherine",
    "Margaret",
    "Rebecca",
    "Jessica",
    "Victoria",
    "Abigail",
    "Olivia",
    "Isabella",
    "Charlotte",
    "Amelia",
    "Ava",
    "Mia",
    "Grace",
    "Lily",
    "Ella",
    "Evie",
    "Freya",
    "Harper",
    "Ivy",
    "Noah",
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Leo",
    "Oscar",
    "Arthur",
    "Muhammad",
    "Finley",
    "Reuben",
    "Kai",
    "Tyler",
    "Kayden",
    "Aisha",
    "Zara",
    "Priya",
    "Hannah",
    "Chloe",
    "Sophie",
    "Ellie",
    "Megan",
    "Lucy",
    "Ruby",
];

const FAMILY: &[&str] = &[
    "Smith", "Smyth", "Jones", "Taylor", "Brown", "Browne", "Williams", "Wilson", "Johnson",
    "Davies", "Davis", "Robinson", "Wright", "Thompson", "Thomson", "Evans", "Walker", "White",
    "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Clark", "Patel", "Khan", "Hussain",
    "Ali", "Lewis", "Harris", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clayton",
    "Turner", "Parker", "Cook", "Cooke", "Baker", "Bailey", "Bell", "Murphy", "Kelly", "Reid",
    "Reed", "Read", "Stewart", "Stuart", "Fisher", "Foster", "Marshall", "Mason", "Hughes",
    "Price", "Rahman", "Begum",
];

const SHORT: &[(&str, &str)] = &[
    ("Alexander", "Alex"),
    ("Samuel", "Sam"),
    ("William", "Will"),
    ("Robert", "Rob"),
    ("Thomas", "Tom"),
    ("James", "Jamie"),
    ("Joseph", "Joe"),
    ("Daniel", "Danny"),
    ("Michael", "Mike"),
    ("Christopher", "Chris"),
    ("Matthew", "Matt"),
    ("Nicholas", "Nick"),
    ("Benjamin", "Ben"),
    ("Jonathan", "Jon"),
    ("Edward", "Ed"),
    ("Charles", "Charlie"),
    ("Elizabeth", "Beth"),
    ("Katherine", "Katie"),
    ("Margaret", "Maggie"),
    ("Rebecca", "Becky"),
    ("Jessica", "Jess"),
    ("Victoria", "Vicky"),
    ("Abigail", "Abbie"),
    ("Olivia", "Liv"),
    ("Isabella", "Izzy"),
    ("Charlotte", "Lottie"),
];

const AREAS: &[&str] = &[
    "hull",
    "east-riding",
    "north-lincolnshire",
    "north-east-lincolnshire",
];

#[derive(Clone)]
struct Record {
    given: String,
    family: String,
    dob: NaiveDate,
    area: String,
    /// Which real child this record is.
    child: usize,
}

impl Record {
    fn traits(&self) -> Traits {
        Traits {
            name: NameKey::of(&format!("{} {}", self.given, self.family)),
            date_of_birth: self.dob,
            area_id: self.area.clone(),
        }
    }
}

fn birthday(rng: &mut Rng) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default();
    start + chrono::Days::new(rng.below(17 * 365) as u64)
}

/// One slip in typing a word: a letter dropped, doubled, or two swapped.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 {
        return word.to_owned();
    }
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

/// The same child entered again, with one or two of the usual differences.
fn duplicate(rng: &mut Rng, r: &Record) -> Record {
    let mut d = r.clone();
    let changes = 1 + rng.below(2);
    for _ in 0..changes {
        match rng.below(8) {
            0 => d.family = typo(rng, &d.family),
            1 => d.given = typo(rng, &d.given),
            2 => {
                if let Some((_, short)) = SHORT.iter().find(|(full, _)| *full == d.given) {
                    d.given = (*short).to_owned();
                }
            }
            3 => std::mem::swap(&mut d.given, &mut d.family),
            4 => {
                if let Some(s) = swapped(d.dob) {
                    d.dob = s;
                }
            }
            5 => d.dob = d.dob + chrono::Days::new(1),
            6 => d.area = rng.pick(AREAS).to_owned(),
            _ => d.family = d.family.to_uppercase(),
        }
    }
    d
}

#[test]
fn precision_and_recall_on_a_generated_population() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut known: Vec<Record> = Vec::new();
    let mut child = 0;
    while known.len() < 4000 {
        let r = Record {
            given: rng.pick(GIVEN).to_owned(),
            family: rng.pick(FAMILY).to_owned(),
            dob: birthday(&mut rng),
            area: rng.pick(AREAS).to_owned(),
            child,
        };
        child += 1;
        // Siblings: same family and area; now and then a twin.
        if rng.chance(15) {
            let dob = if rng.chance(15) {
                r.dob
            } else {
                birthday(&mut rng)
            };
            let mut given = rng.pick(GIVEN).to_owned();
            while given == r.given {
                given = rng.pick(GIVEN).to_owned();
            }
            known.push(Record {
                given,
                dob,
                child,
                ..r.clone()
            });
            child += 1;
        }
        known.push(r);
    }

    // Probes: 800 duplicates of known children, and 800 new children.
    let mut probes: Vec<Record> = Vec::new();
    for _ in 0..800 {
        let original = known[rng.below(known.len())].clone();
        probes.push(duplicate(&mut rng, &original));
    }
    for _ in 0..800 {
        probes.push(Record {
            given: rng.pick(GIVEN).to_owned(),
            family: rng.pick(FAMILY).to_owned(),
            dob: birthday(&mut rng),
            area: rng.pick(AREAS).to_owned(),
            child: usize::MAX,
        });
    }

    let known_traits: Vec<Traits> = known.iter().map(Record::traits).collect();
    let (mut true_pos, mut false_pos, mut missed) = (0usize, 0usize, 0usize);
    for probe in &probes {
        let p = probe.traits();
        let mut found_self = false;
        for (k, kt) in known.iter().zip(&known_traits) {
            let shown = shares_a_block(&p, kt) && score(&p, kt).0 >= CANDIDATE_AT;
            let same = k.child == probe.child;
            match (shown, same) {
                (true, true) => {
                    true_pos += 1;
                    found_self = true;
                }
                (true, false) => false_pos += 1,
                _ => {}
            }
        }
        if probe.child != usize::MAX && !found_self {
            missed += 1;
        }
    }
    let precision = true_pos as f64 / (true_pos + false_pos).max(1) as f64;
    let recall = true_pos as f64 / (true_pos + missed).max(1) as f64;
    eprintln!(
        "duplicate detection on {} known, {} probes: precision {:.3} ({true_pos} of {} shown), \
         recall {:.3} ({true_pos} of {} duplicates found)",
        known.len(),
        probes.len(),
        precision,
        true_pos + false_pos,
        recall,
        true_pos + missed,
    );
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.90, "recall {recall:.3}");
}
