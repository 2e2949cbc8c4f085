//! Duplicate detection for person records: is the child an officer is
//! entering someone the service already knows?
//!
//! Names are compared by sound (Double Metaphone keys, so `Smith` meets
//! `Smyth`) and by spelling (Jaro-Winkler, so `Jordon` meets `Jordan`), with
//! a short list of the common short forms of given names (`Alex` for
//! `Alexander`); dates of birth match exactly, with day and month swapped,
//! or one digit mistyped; the area adds a little. Plain functions over plain
//! values: the store narrows the candidates, this decides.

use chrono::{Datelike, NaiveDate};
use rphonetic::DoubleMetaphone;
use std::sync::OnceLock;

/// Scores at or above this are shown to the officer as possible matches.
pub const CANDIDATE_AT: u8 = 80;

/// A name reduced to what comparison needs: folded words and their sound
/// keys, computed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    pub given: String,
    pub family: String,
    given_sound: Sound,
    family_sound: Sound,
}

/// A word's primary and alternate Double Metaphone keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Sound {
    primary: String,
    alternate: String,
}

impl Sound {
    fn of(folded: &str) -> Sound {
        if folded.is_empty() {
            return Sound::default();
        }
        let r = encoder().double_metaphone(folded);
        Sound {
            primary: r.primary(),
            alternate: r.alternate(),
        }
    }

    fn alike(&self, other: &Sound) -> bool {
        !self.primary.is_empty()
            && (self.primary == other.primary
                || self.primary == other.alternate
                || self.alternate == other.primary
                || (!self.alternate.is_empty() && self.alternate == other.alternate))
    }
}

impl NameKey {
    /// Lower-case ASCII letters of the first and last words of `name`.
    pub fn of(name: &str) -> NameKey {
        let words: Vec<String> = name
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(fold)
            .filter(|w| !w.is_empty())
            .collect();
        let given = words.first().cloned().unwrap_or_default();
        let family = if words.len() > 1 {
            words.last().cloned().unwrap_or_default()
        } else {
            String::new()
        };
        NameKey {
            given_sound: Sound::of(&given),
            family_sound: Sound::of(&family),
            given,
            family,
        }
    }

    /// The family name's primary sound key, as the store indexes it.
    pub fn family_key(&self) -> &str {
        &self.family_sound.primary
    }

    /// The given name's primary sound key, as the store indexes it.
    pub fn given_key(&self) -> &str {
        &self.given_sound.primary
    }
}

/// Lower-case letters only, with common accents folded (`Zoë` → `zoe`) and
/// hyphens and apostrophes dropped (`O'Neil` → `oneil`).
fn fold(word: &str) -> String {
    word.chars()
        .filter_map(|c| {
            let c = match c {
                'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
                'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'o',
                'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
                'ç' | 'Ç' => 'c',
                'ñ' | 'Ñ' => 'n',
                other => other,
            };
            c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

fn encoder() -> &'static DoubleMetaphone {
    static ENCODER: OnceLock<DoubleMetaphone> = OnceLock::new();
    ENCODER.get_or_init(DoubleMetaphone::default)
}

/// Given names that are one person's: short forms and their full forms.
const SHORT_FORMS: &[&[&str]] = &[
    &["alexander", "alexandra", "alex", "alexa", "sandy", "xander"],
    &["samuel", "samantha", "sam", "sammy"],
    &["william", "will", "bill", "billy", "liam"],
    &["robert", "rob", "robbie", "bob", "bobby"],
    &["thomas", "tom", "tommy"],
    &["james", "jim", "jimmy", "jamie"],
    &["joseph", "joe", "joey"],
    &["daniel", "dan", "danny"],
    &["michael", "mike", "mikey", "mick"],
    &["christopher", "chris", "kit"],
    &["matthew", "matt"],
    &["nicholas", "nick", "nicky"],
    &["benjamin", "ben", "benji"],
    &["jonathan", "jon", "jonny"],
    &["edward", "ed", "eddie", "ted", "teddy"],
    &["charles", "charlie", "chas"],
    &["elizabeth", "liz", "lizzie", "beth", "betty", "eliza"],
    &[
        "katherine",
        "catherine",
        "kate",
        "katie",
        "kathy",
        "cathy",
        "kat",
    ],
    &["margaret", "maggie", "meg", "peggy"],
    &["rebecca", "becky", "becca"],
    &["jessica", "jess", "jessie"],
    &["victoria", "vicky", "tori"],
    &["abigail", "abbie", "abby"],
    &["olivia", "liv", "livvy"],
    &["isabella", "isabelle", "izzy", "bella"],
    &["charlotte", "lottie", "charlie"],
];

fn same_given_name(a: &str, b: &str) -> bool {
    SHORT_FORMS
        .iter()
        .any(|group| group.contains(&a) && group.contains(&b))
}

/// How alike two words of a name are, from 0 to 1.
fn word_similarity(a: &str, a_sound: &Sound, b: &str, b_sound: &Sound) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let spelled = strsim::jaro_winkler(a, b);
    let sound = if a_sound.alike(b_sound) { 0.92 } else { 0.0 };
    spelled.max(sound)
}

fn given_similarity(a: &str, a_sound: &Sound, b: &str, b_sound: &Sound) -> f64 {
    if same_given_name(a, b) {
        0.95
    } else {
        word_similarity(a, a_sound, b, b_sound)
    }
}

/// How alike two dates of birth are: 1 when equal, less for the slips
/// people make typing one (day and month swapped, one digit wrong), 0
/// otherwise.
pub fn date_similarity(a: NaiveDate, b: NaiveDate) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.year() == b.year() && a.day() == b.month() && a.month() == b.day() {
        return 0.85;
    }
    let digits = |d: NaiveDate| d.format("%Y%m%d").to_string().into_bytes();
    let differing = digits(a)
        .iter()
        .zip(digits(b).iter())
        .filter(|(x, y)| x != y)
        .count();
    if differing == 1 { 0.75 } else { 0.0 }
}

/// What is known of a person for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traits {
    pub name: NameKey,
    pub date_of_birth: NaiveDate,
    pub area_id: String,
}

/// How alike two names are, given names and family names apart, from 0 to
/// 1 each; names entered the wrong way round count a little less.
pub fn name_similarity(x: &NameKey, y: &NameKey) -> (f64, f64) {
    let straight = (
        given_similarity(&x.given, &x.given_sound, &y.given, &y.given_sound),
        word_similarity(&x.family, &x.family_sound, &y.family, &y.family_sound),
    );
    // Given and family names entered the wrong way round.
    let crossed = (
        given_similarity(&x.given, &x.given_sound, &y.family, &y.family_sound),
        word_similarity(&x.family, &x.family_sound, &y.given, &y.given_sound),
    );
    if straight.0 + straight.1 >= crossed.0 + crossed.1 {
        straight
    } else {
        (crossed.0 * 0.95, crossed.1 * 0.95)
    }
}

/// Whether a stored name answers a search for `wanted`: both words alike
/// when two were given, else the one word alike either stored word.
pub fn answers_search(wanted: &NameKey, stored: &NameKey) -> bool {
    if wanted.family.is_empty() {
        let one = |w: &str, s: &Sound| given_similarity(&wanted.given, &wanted.given_sound, w, s);
        return one(&stored.given, &stored.given_sound) >= SEARCH_ALIKE
            || one(&stored.family, &stored.family_sound) >= SEARCH_ALIKE;
    }
    let (given, family) = name_similarity(wanted, stored);
    given >= SEARCH_ALIKE && family >= SEARCH_ALIKE
}

/// How alike each word of a name must be to answer a search.
const SEARCH_ALIKE: f64 = 0.85;

/// How likely `a` and `b` are one person, from 0 to 100, and why.
pub fn score(a: &Traits, b: &Traits) -> (u8, Vec<&'static str>) {
    let dob = date_similarity(a.date_of_birth, b.date_of_birth);
    if dob == 0.0 {
        // Without the date of birth agreeing at least nearly, a shared name
        // is not evidence: names repeat far more often than birthdays.
        return (0, Vec::new());
    }
    let (given, family) = name_similarity(&a.name, &b.name);
    let area = if a.area_id == b.area_id { 1.0 } else { 0.0 };
    let total = 0.30 * given + 0.35 * family + 0.30 * dob + 0.05 * area;
    let mut why = Vec::new();
    if family >= 0.99 && given >= 0.99 {
        why.push("Same name");
    } else if family >= 0.85 && given >= 0.85 {
        why.push("Similar name");
    }
    if dob >= 1.0 {
        why.push("Same date of birth");
    } else {
        why.push("Date of birth nearly the same");
    }
    if area > 0.0 {
        why.push("Same area");
    }
    // Both names must resemble each other: a sibling shares a family name
    // and an area, and twins share a birthday too.
    if given < 0.8 || family < 0.8 {
        return ((total * 60.0).round() as u8, why);
    }
    ((total * 100.0).round().clamp(0.0, 100.0) as u8, why)
}

/// The date with day and month swapped, when that is a date.
pub fn swapped(d: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year(), d.day(), d.month())
}

#[cfg(test)]
mod quality;

#[cfg(test)]
mod tests {
    use super::*;

    /// The primary Double Metaphone key of a word.
    fn sound_key(word: &str) -> String {
        Sound::of(&fold(word)).primary
    }

    fn t(name: &str, dob: &str, area: &str) -> Traits {
        Traits {
            name: NameKey::of(name),
            date_of_birth: dob.parse().expect("date"),
            area_id: area.into(),
        }
    }

    fn matches(a: &str, b: &str) -> bool {
        score(&t(a, "2014-03-07", "hull"), &t(b, "2014-03-07", "hull")).0 >= CANDIDATE_AT
    }

    #[test]
    fn names_that_sound_or_are_spelt_alike_match() {
        assert!(matches("Jordan Smith", "Jordon Smyth"));
        assert!(matches("Alex Brown", "Alexander Brown"));
        assert!(matches("Zoë O'Neil", "Zoe ONeil"));
        assert!(matches("Katie Thompson", "Katherine Thomson"));
        assert!(matches("Smith Jordan", "Jordan Smith"), "names swapped");
    }

    #[test]
    fn a_search_finds_the_name_as_it_may_have_been_typed() {
        let found =
            |wanted: &str, stored: &str| answers_search(&NameKey::of(wanted), &NameKey::of(stored));
        assert!(found("Jordan Smith", "Jordon Smyth"));
        assert!(found("Alex Brown", "Alexander Brown"));
        assert!(found("Smith Jordan", "Jordan Smith"), "names swapped");
        assert!(found("Smyth", "Jordan Smith"), "family name alone");
        assert!(found("Jordan", "Jordan Smith"), "given name alone");
        assert!(!found("Jordan Smith", "Casey Smith"), "a sibling");
        assert!(!found("Jordan Smith", "Jordan Patel"));
        assert!(!found("Patel", "Jordan Smith"));
    }

    #[test]
    fn siblings_and_strangers_do_not() {
        assert!(!matches("Jordan Smith", "Casey Smith"), "a sibling");
        assert!(!matches("Jordan Smith", "Jordan Patel"));
        let twins = score(
            &t("Amy Clarke", "2012-05-05", "hull"),
            &t("Ben Clarke", "2012-05-05", "hull"),
        );
        assert!(twins.0 < CANDIDATE_AT, "{twins:?}");
    }

    #[test]
    fn dates_of_birth_allow_the_usual_slips_only() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(date_similarity(d("2014-03-07"), d("2014-03-07")), 1.0);
        assert!(date_similarity(d("2014-03-07"), d("2014-07-03")) > 0.8);
        assert!(date_similarity(d("2014-03-07"), d("2014-03-08")) > 0.7);
        assert!(date_similarity(d("2014-03-07"), d("2015-03-07")) > 0.7);
        assert_eq!(date_similarity(d("2014-03-07"), d("2016-09-21")), 0.0);
        let far = score(
            &t("Jordan Smith", "2014-03-07", "hull"),
            &t("Jordan Smith", "2009-11-23", "hull"),
        );
        assert_eq!(far.0, 0, "same name, different child");
    }

    #[test]
    fn the_sound_key_groups_spellings() {
        assert_eq!(sound_key("Smith"), sound_key("Smyth"));
        assert_eq!(sound_key("Reid"), sound_key("Reed"));
        assert_eq!(sound_key(""), "");
    }
}
