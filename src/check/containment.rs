//! The algebra of IAM wildcard patterns, decided exactly: is L(p) ⊆ L(q1) ∪ … ∪ L(qn),
//! and more generally, is there a string for which a boolean formula over "pattern i
//! matches" holds (so `NotResource`, a Deny's resources and the listed resources of a
//! check combine in one question)?
//!
//! # Algorithm
//!
//! A pattern is a sequence of symbols: a literal character, `*` (any string), `?` (any
//! one character) or an opaque policy variable `${key}`. Each pattern is a
//! nondeterministic automaton whose states are the positions 0..=n in the pattern
//! (`*` at position i loops on every letter and has an ε-move to i+1). The alphabet is
//! finite: every literal character that appears in any pattern of the question, one
//! letter per distinct variable, and one letter *other* standing for every character
//! that appears in none of them (all such characters behave the same in every pattern,
//! so one represents them all). The search explores the product of the subset
//! constructions of all the automata breadth first from the start; a product state is
//! one set of positions per pattern, and a pattern matches the string read so far when
//! its set holds its last position. The formula is evaluated on every reached state; the
//! first state where it holds gives the shortest witness string (the letters on the
//! path), and when no reachable state satisfies it, no string does. The number of
//! product states is finite (each subset construction is), so the search ends; a cap
//! on explored states turns pathological inputs into [`TooLarge`], which callers read
//! as "cannot prove", never as a pass.
//!
//! # Variables
//!
//! A policy variable (`${aws:username}`) is one opaque letter, the same letter wherever
//! the same variable appears. It is matched by `*` and by the same variable, not by `?`
//! (its value may have any length) nor by any literal. Containment over these letters
//! implies containment for every value the variable can take: map each variable letter
//! of a match back to the value. The converse does not hold (`ab` is not contained in
//! `a${x}` as letters, though it is when `x` is `b`), which errs on the side of "not
//! contained": a check then fails rather than passes.

use std::collections::{BTreeSet, HashMap, VecDeque};

/// One symbol of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sym {
    /// A literal character (escapes `${*}`, `${?}`, `${$}` resolved).
    Lit(char),
    /// `*`: any string, empty included.
    Star,
    /// `?`: exactly one character.
    One,
    /// A policy variable, by the text between `${` and `}`.
    Var(String),
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern(pub Vec<Sym>);

impl Pattern {
    /// An IAM resource pattern: `*`, `?`, the escapes `${*}`, `${?}`, `${$}` and policy
    /// variables `${key}` / `${key, 'default'}` (an opaque letter named by the key).
    /// `vars: false` reads `${…}` literally (policy version 2008-10-17).
    pub fn parse(text: &str, vars: bool) -> Pattern {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if vars
                && let Some(after) = rest.strip_prefix("${")
                && let Some(end) = after.find('}')
            {
                let inner = &after[..end];
                out.push(match inner {
                    "*" => Sym::Lit('*'),
                    "?" => Sym::Lit('?'),
                    "$" => Sym::Lit('$'),
                    v => Sym::Var(v.split(',').next().unwrap_or(v).trim().to_string()),
                });
                rest = &after[end + 1..];
                continue;
            }
            out.push(match c {
                '*' => Sym::Star,
                '?' => Sym::One,
                c => Sym::Lit(c),
            });
            rest = &rest[c.len_utf8()..];
        }
        Pattern(out)
    }

    /// A string taken literally (a `StringEquals` value): every character is itself.
    pub fn literal(text: &str) -> Pattern {
        Pattern(text.chars().map(Sym::Lit).collect())
    }

    /// The same symbols with `*` and `?` read as the characters themselves (a
    /// `StringEquals` value, whose variables are still replaced).
    pub fn literal_wildcards(self) -> Pattern {
        Pattern(
            self.0
                .into_iter()
                .map(|s| match s {
                    Sym::Star => Sym::Lit('*'),
                    Sym::One => Sym::Lit('?'),
                    s => s,
                })
                .collect(),
        )
    }

    /// `*`: every string.
    pub fn any() -> Pattern {
        Pattern(vec![Sym::Star])
    }
}

/// A letter of the search alphabet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Letter {
    /// A character that appears literally in some pattern.
    Char(char),
    /// A policy variable's value.
    Var(String),
    /// Any character that appears in no pattern.
    Other,
}

/// A witness string, letter by letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The letters.
    pub letters: Vec<Letter>,
    /// A concrete character for [`Letter::Other`], one that no pattern names.
    pub other: char,
    /// Which patterns of the search match the word.
    pub matched: Vec<bool>,
}

impl Word {
    /// The concrete string, each variable replaced by `value(key)`.
    pub fn render(&self, value: impl Fn(&str) -> String) -> String {
        let mut s = String::new();
        for l in &self.letters {
            match l {
                Letter::Char(c) => s.push(*c),
                Letter::Other => s.push(self.other),
                Letter::Var(k) => s.push_str(&value(k)),
            }
        }
        s
    }

    /// The variables the word uses, sorted.
    pub fn vars(&self) -> BTreeSet<&str> {
        self.letters
            .iter()
            .filter_map(|l| match l {
                Letter::Var(k) => Some(k.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// The search gave up: more product states than [`MAX_STATES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the patterns are too complex to compare exactly (more than {MAX_STATES} states)")]
pub struct TooLarge;

/// The most product states one search explores.
pub const MAX_STATES: usize = 200_000;

/// A set of positions in one pattern, as bits.
type Set = Vec<u64>;

/// How a search state was reached: the parent state and the letter read.
type Edge = (usize, usize);

fn set_has(s: &Set, i: usize) -> bool {
    s.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn set_add(s: &mut Set, i: usize) {
    if s.len() <= i / 64 {
        s.resize(i / 64 + 1, 0);
    }
    s[i / 64] |= 1 << (i % 64);
}

/// The ε-closure: a `*` at position i may match nothing, so i+1 is reached too.
fn close(p: &Pattern, mut s: Set) -> Set {
    let mut from = 0;
    while let Some(i) = next_member(&s, from) {
        if p.0.get(i) == Some(&Sym::Star) {
            set_add(&mut s, i + 1);
        }
        from = i + 1;
    }
    s
}

/// The first position at or after `from` in `s`.
fn next_member(s: &Set, from: usize) -> Option<usize> {
    let mut w = from / 64;
    let mut bits = s.get(w)? & (u64::MAX << (from % 64));
    loop {
        if bits != 0 {
            return Some(w * 64 + bits.trailing_zeros() as usize);
        }
        w += 1;
        bits = *s.get(w)?;
    }
}

fn step(p: &Pattern, s: &Set, l: &Letter) -> Set {
    let mut out = Set::new();
    for i in members(s) {
        let Some(sym) = p.0.get(i) else { continue };
        let next = match (sym, l) {
            (Sym::Star, _) => {
                set_add(&mut out, i);
                continue;
            }
            (Sym::One, Letter::Char(_) | Letter::Other) => true,
            (Sym::Lit(a), Letter::Char(b)) => a == b,
            (Sym::Var(a), Letter::Var(b)) => a == b,
            _ => false,
        };
        if next {
            set_add(&mut out, i + 1);
        }
    }
    // Normalize (no trailing zero words) so equal sets hash equal.
    while out.last() == Some(&0) {
        out.pop();
    }
    close(p, out)
}

fn alphabet(patterns: &[Pattern]) -> (Vec<Letter>, char) {
    let mut letters: BTreeSet<Letter> = BTreeSet::new();
    for p in patterns {
        for s in &p.0 {
            match s {
                Sym::Lit(c) => {
                    letters.insert(Letter::Char(*c));
                }
                Sym::Var(v) => {
                    letters.insert(Letter::Var(v.clone()));
                }
                _ => {}
            }
        }
    }
    let used: BTreeSet<char> = letters
        .iter()
        .filter_map(|l| match l {
            Letter::Char(c) => Some(*c),
            _ => None,
        })
        .collect();
    let other = "xyzqwkjv0123456789abcdefghilmnoprstu"
        .chars()
        .chain('\u{100}'..)
        .find(|c| !used.contains(c))
        .unwrap_or('\u{fffd}');
    // *other* first: among the shortest witnesses, one that fills wildcards with a
    // plain character (`b/x`) rather than a punctuation mark the patterns use (`b//`).
    let mut out = vec![Letter::Other];
    out.extend(letters);
    (out, other)
}

/// The shortest string for which `formula(matched)` holds, `matched[i]` saying whether
/// `patterns[i]` matches it; `Ok(None)` when no string satisfies it.
pub fn find(
    patterns: &[Pattern],
    formula: impl Fn(&[bool]) -> bool,
) -> Result<Option<Word>, TooLarge> {
    search(patterns, formula, |_| false)
}

/// The positions set in `s`, ascending.
fn members(s: &Set) -> impl Iterator<Item = usize> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let i = next_member(s, from)?;
        from = i + 1;
        Some(i)
    })
}

/// [`find`], skipping the states `dead` says no extension can satisfy the formula from
/// (its argument: which patterns can still match some extension, i.e. have a non-empty
/// position set).
///
/// From each state only the letters that some active position names are tried one by
/// one, plus *other* and the variables: every other letter moves every automaton as
/// *other* does (a `*` keeps it, a `?` consumes it, no literal matches it), so trying
/// it would reach the same state. This keeps the search proportional to the patterns'
/// total length rather than to length × alphabet.
fn search(
    patterns: &[Pattern],
    formula: impl Fn(&[bool]) -> bool,
    dead: impl Fn(&[bool]) -> bool,
) -> Result<Option<Word>, TooLarge> {
    let (letters, other) = alphabet(patterns);
    let char_letter: HashMap<char, usize> = letters
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match l {
            Letter::Char(c) => Some((*c, i)),
            _ => None,
        })
        .collect();
    // Variables and *other* are tried from every state.
    let always: Vec<usize> = letters
        .iter()
        .enumerate()
        .filter(|(_, l)| !matches!(l, Letter::Char(_)))
        .map(|(i, _)| i)
        .collect();
    let start: Vec<Set> = patterns
        .iter()
        .map(|p| {
            let mut s = Set::new();
            set_add(&mut s, 0);
            close(p, s)
        })
        .collect();
    let accepts = |st: &[Set]| -> Vec<bool> {
        patterns
            .iter()
            .zip(st)
            .map(|(p, s)| set_has(s, p.0.len()))
            .collect()
    };
    let mut index: HashMap<Vec<Set>, usize> = HashMap::new();
    let mut states: Vec<(Vec<Set>, Option<Edge>)> = Vec::new();
    let mut queue = VecDeque::new();
    index.insert(start.clone(), 0);
    states.push((start, None));
    queue.push_back(0usize);
    while let Some(at) = queue.pop_front() {
        let matched = accepts(&states[at].0);
        if formula(&matched) {
            let mut word = Vec::new();
            let mut cur = at;
            while let Some((parent, l)) = states[cur].1 {
                word.push(letters[l].clone());
                cur = parent;
            }
            word.reverse();
            return Ok(Some(Word {
                letters: word,
                other,
                matched,
            }));
        }
        let live: Vec<bool> = states[at].0.iter().map(|s| !s.is_empty()).collect();
        if dead(&live) {
            continue;
        }
        let mut tried: BTreeSet<usize> = always.iter().copied().collect();
        for (p, s) in patterns.iter().zip(&states[at].0) {
            for i in members(s) {
                if let Some(Sym::Lit(c)) = p.0.get(i) {
                    tried.insert(char_letter[c]);
                }
            }
        }
        for li in tried {
            let l = &letters[li];
            let next: Vec<Set> = patterns
                .iter()
                .zip(&states[at].0)
                .map(|(p, s)| step(p, s, l))
                .collect();
            if index.contains_key(&next) {
                continue;
            }
            if states.len() >= MAX_STATES {
                return Err(TooLarge);
            }
            index.insert(next.clone(), states.len());
            states.push((next, Some((at, li))));
            queue.push_back(states.len() - 1);
        }
    }
    Ok(None)
}

/// Whether every string `p` matches, some pattern of `qs` matches too; `Err` when the
/// patterns are too complex to decide (read it as "cannot prove").
pub fn subset(p: &Pattern, qs: &[Pattern]) -> Result<bool, TooLarge> {
    let mut all = vec![p.clone()];
    all.extend(qs.iter().cloned());
    Ok(find(&all, |m| m[0] && !m[1..].iter().any(|x| *x))?.is_none())
}

/// A set of strings: the union of some patterns, or its complement (`NotResource`).
#[derive(Debug, Clone)]
pub struct PatternSet {
    /// The patterns.
    pub patterns: Vec<Pattern>,
    /// Whether the set is everything the patterns do not match.
    pub negated: bool,
}

impl PatternSet {
    /// A subset that reads better in a witness: each `*` matches at least one character
    /// (`b/*/logs/*` gives `b/x/logs/x`, not `b//logs/`); a lone `*` stays. `None` for a
    /// complement.
    pub fn padded(&self) -> Option<PatternSet> {
        if self.negated {
            return None;
        }
        let patterns = self
            .patterns
            .iter()
            .map(|p| {
                if p.0 == [Sym::Star] {
                    return p.clone();
                }
                Pattern(
                    p.0.iter()
                        .flat_map(|s| match s {
                            Sym::Star => vec![Sym::One, Sym::Star],
                            s => vec![s.clone()],
                        })
                        .collect(),
                )
            })
            .collect();
        Some(PatternSet {
            patterns,
            negated: false,
        })
    }

    /// Every string.
    pub fn all() -> PatternSet {
        PatternSet {
            patterns: vec![Pattern::any()],
            negated: false,
        }
    }
}

/// Builds the flat pattern list for [`find`] from several sets, remembering where each
/// set's patterns are, so a formula can ask "is the string in set k?".
#[derive(Debug, Default)]
pub struct Question {
    patterns: Vec<Pattern>,
    sets: Vec<(std::ops::Range<usize>, bool)>,
    required: Vec<usize>,
}

impl Question {
    /// An empty question.
    pub fn new() -> Question {
        Question::default()
    }

    /// Declares that the formula only holds for strings in set `k` (a plain union, not
    /// a complement), so the search stops extending a string once no pattern of the set
    /// can match any extension of it.
    pub fn require(&mut self, k: usize) {
        if !self.sets[k].1 {
            self.required.push(k);
        }
    }

    /// Adds a set; returns its number for [`Membership::has`].
    pub fn add(&mut self, set: &PatternSet) -> usize {
        let from = self.patterns.len();
        self.patterns.extend(set.patterns.iter().cloned());
        self.sets.push((from..self.patterns.len(), set.negated));
        self.sets.len() - 1
    }

    /// Which sets hold `word` (found by [`Question::find`] on this question).
    pub fn membership<'a>(&'a self, word: &'a Word) -> Membership<'a> {
        Membership {
            matched: &word.matched,
            sets: &self.sets,
        }
    }

    /// [`Question::find`], preferring a string also in `prefer` (see
    /// [`PatternSet::padded`]) when there is one.
    pub fn find_preferring(
        &mut self,
        prefer: Option<PatternSet>,
        formula: impl Fn(&Membership) -> bool,
    ) -> Result<Option<Word>, TooLarge> {
        if let Some(p) = prefer {
            let k = self.add(&p);
            if let Ok(Some(w)) = self.find(|m| m.has(k) && formula(m)) {
                return Ok(Some(w));
            }
        }
        self.find(formula)
    }

    /// The shortest string for which `formula` holds.
    pub fn find(&self, formula: impl Fn(&Membership) -> bool) -> Result<Option<Word>, TooLarge> {
        search(
            &self.patterns,
            |m| {
                formula(&Membership {
                    matched: m,
                    sets: &self.sets,
                })
            },
            |live| {
                self.required
                    .iter()
                    .any(|k| !live[self.sets[*k].0.clone()].iter().any(|x| *x))
            },
        )
    }
}

/// Which sets of a [`Question`] hold the string at a search state.
pub struct Membership<'a> {
    matched: &'a [bool],
    sets: &'a [(std::ops::Range<usize>, bool)],
}

impl Membership<'_> {
    /// Whether the string is in set `k`.
    pub fn has(&self, k: usize) -> bool {
        let (range, negated) = &self.sets[k];
        self.matched[range.clone()].iter().any(|x| *x) != *negated
    }

    /// Whether the string is in any of the sets `ks`.
    pub fn any(&self, ks: &[usize]) -> bool {
        ks.iter().any(|k| self.has(*k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(p: &str, qs: &[&str]) -> bool {
        let qs: Vec<Pattern> = qs.iter().map(|q| Pattern::parse(q, true)).collect();
        subset(&Pattern::parse(p, true), &qs).unwrap()
    }

    #[test]
    fn containment_cases() {
        assert!(sub("arn:aws:s3:::b/a/*", &["arn:aws:s3:::b/*"]));
        assert!(!sub("arn:aws:s3:::b/*", &["arn:aws:s3:::b/a/*"]));
        assert!(sub("a?c", &["a*"]));
        assert!(!sub("a*", &["a?*?"]));
        // `a*` = `a` ∪ `a?*`: needs both.
        assert!(sub("a*", &["a", "a?*"]));
        assert!(!sub("a*", &["a?*"]));
        assert!(sub("${aws:username}/x", &["*/x"]));
        assert!(sub("b/${aws:username}/*", &["b/${aws:username}/*"]));
        assert!(!sub("b/${aws:username}", &["b/?"]));
        assert!(!sub("b/k", &["b/${aws:username}"]));
        assert!(sub("b/${*}", &["b/?"]));
        assert!(!sub("b/?", &["b/${*}"]));
    }

    #[test]
    fn witness_is_shortest_and_outside() {
        let w = find(
            &[Pattern::parse("b/*", true), Pattern::parse("b/a*", true)],
            |m| m[0] && !m[1],
        )
        .unwrap()
        .unwrap();
        assert_eq!(w.render(|_| String::new()), "b/");
    }
}
