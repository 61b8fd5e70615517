//! Glob patterns as `gobwas/glob` compiles them with `/` as separator (what Helm's
//! `.Files.Glob` uses): `*` within a path segment, `**` across segments, `?`, `[a-z]`,
//! `[!x]`, `{a,b}` alternatives and `\` escapes.
//!
//! Patterns made only of literal characters, `*`, `**` and `?` (what charts use) are matched
//! directly, one pass per pattern piece over the path's positions; the others are translated
//! to an anchored regular expression, whose compilation costs far more than a chart's whole
//! `.Files.Glob` work. Both ways are linear in the path for a given pattern.

use regex::Regex;

/// A compiled glob pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Simple(std::sync::Arc<[Piece]>),
    Regex(Regex),
}

/// One piece of a simple pattern.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(Vec<char>),
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**`: any run of characters.
    StarStar,
    /// `?`: one character other than `/`.
    One,
}

/// The pieces of `pattern` when it has no classes, alternatives or escapes.
fn simple_pieces(pattern: &str) -> Option<Vec<Piece>> {
    if pattern.contains(['[', ']', '{', '}', '\\']) {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut pieces = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let piece = match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                Piece::StarStar
            }
            '*' => Piece::Star,
            '?' => Piece::One,
            _ => {
                if let Some(Piece::Literal(l)) = pieces.last_mut() {
                    l.push(c);
                    i += 1;
                    continue;
                }
                Piece::Literal(vec![c])
            }
        };
        pieces.push(piece);
        i += 1;
    }
    Some(pieces)
}

/// Matches `path` against simple pieces: the set of positions reachable after each piece,
/// advanced one piece at a time (no backtracking, so no blow-up on many stars).
fn simple_match(pieces: &[Piece], path: &str) -> bool {
    let s: Vec<char> = path.chars().collect();
    let n = s.len();
    let mut cur = vec![false; n + 1];
    let mut next = vec![false; n + 1];
    cur[0] = true;
    for piece in pieces {
        next.iter_mut().for_each(|x| *x = false);
        match piece {
            Piece::Literal(l) => {
                for p in 0..=n {
                    if cur[p] && s.get(p..p + l.len()) == Some(l.as_slice()) {
                        next[p + l.len()] = true;
                    }
                }
            }
            Piece::One => {
                for p in 0..n {
                    if cur[p] && s[p] != '/' {
                        next[p + 1] = true;
                    }
                }
            }
            Piece::Star | Piece::StarStar => {
                let crosses = *piece == Piece::StarStar;
                let mut active = false;
                for p in 0..=n {
                    active |= cur[p];
                    next[p] = active;
                    if !crosses && s.get(p) == Some(&'/') {
                        active = false;
                    }
                }
            }
        }
        std::mem::swap(&mut cur, &mut next);
        if !cur.contains(&true) {
            return false;
        }
    }
    cur[n]
}

/// A pattern that gobwas/glob would reject (unclosed `[` or `{`, trailing `\`...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob pattern {pattern:?}: {reason}")]
pub struct GlobError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Compiled patterns kept by [`Glob::cached`] before the cache is emptied.
const GLOB_CACHE_SIZE: usize = 256;

impl Glob {
    /// [`Glob::new`] through a process-wide cache: charts call `.Files.Glob` with the same few
    /// literal patterns on every render, and building the regular expression costs far more
    /// than matching. Cloning a `Glob` shares the compiled expression.
    pub fn cached(pattern: &str) -> Result<Glob, GlobError> {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        static CACHE: OnceLock<Mutex<HashMap<String, Glob>>> = OnceLock::new();
        if !crate::content_cache::process_caches() {
            return Glob::new(pattern);
        }
        let cache = CACHE.get_or_init(Mutex::default);
        if let Some(g) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(pattern) {
            return Ok(g.clone());
        }
        let g = Glob::new(pattern)?;
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        if c.len() >= GLOB_CACHE_SIZE {
            c.clear();
        }
        c.insert(pattern.to_string(), g.clone());
        Ok(g)
    }

    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if let Some(pieces) = simple_pieces(pattern) {
            return Ok(Glob {
                matcher: Matcher::Simple(pieces.into()),
            });
        }
        Glob::new_regex(pattern)
    }

    /// Compiles `pattern` to a regular expression (any pattern).
    fn new_regex(pattern: &str) -> Result<Glob, GlobError> {
        let err = |reason| GlobError {
            pattern: pattern.to_string(),
            reason,
        };
        let chars: Vec<char> = pattern.chars().collect();
        let mut re = String::from("^(?s:");
        let mut i = 0;
        let mut alt_depth = 0usize;
        while let Some(&c) = chars.get(i) {
            match c {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    re.push_str(".*");
                    i += 2;
                    continue;
                }
                '*' => re.push_str("[^/]*"),
                '?' => re.push_str("[^/]"),
                '\\' => {
                    i += 1;
                    let escaped = chars.get(i).ok_or_else(|| err("trailing escape"))?;
                    re.push_str(&regex::escape(&escaped.to_string()));
                }
                '[' => {
                    let mut j = i + 1;
                    let mut class = String::from("[");
                    if chars.get(j) == Some(&'!') {
                        class.push('^');
                        j += 1;
                    }
                    let start = j;
                    loop {
                        match chars.get(j) {
                            None => return Err(err("unclosed character class")),
                            Some(']') if j > start => break,
                            Some(']') => return Err(err("empty character class")),
                            Some(&ch) => {
                                if ch == '-' && j > start && chars.get(j + 1) != Some(&']') {
                                    class.push('-');
                                } else {
                                    class.push_str(&regex::escape(&ch.to_string()));
                                }
                            }
                        }
                        j += 1;
                    }
                    class.push(']');
                    re.push_str(&class);
                    i = j;
                }
                '{' => {
                    alt_depth += 1;
                    re.push_str("(?:");
                }
                '}' if alt_depth > 0 => {
                    alt_depth -= 1;
                    re.push(')');
                }
                ',' if alt_depth > 0 => re.push('|'),
                other => re.push_str(&regex::escape(&other.to_string())),
            }
            i += 1;
        }
        if alt_depth > 0 {
            return Err(err("unclosed alternatives"));
        }
        re.push_str(")$");
        let re = Regex::new(&re).map_err(|_| err("unsupported pattern"))?;
        Ok(Glob {
            matcher: Matcher::Regex(re),
        })
    }

    /// The pattern `**`, matching everything.
    pub fn match_all() -> Glob {
        Glob {
            matcher: Matcher::Simple(vec![Piece::StarStar].into()),
        }
    }

    /// True when `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Simple(pieces) => simple_match(pieces, path),
            Matcher::Regex(re) => re.is_match(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p).map(|g| g.matches(s)).unwrap_or(false)
    }

    #[test]
    fn direct_matching_agrees_with_the_regex_translation() {
        let patterns = [
            "",
            "*",
            "**",
            "?",
            "a",
            "conf/*",
            "conf/*.txt",
            "conf/**",
            "**.yaml",
            "*/*",
            "files/*.y?ml",
            "a*b*c",
            "**/x",
            "*x*",
            "?/?",
            "a**b",
            "***",
            "dir/",
            "é*",
        ];
        let paths = [
            "",
            "a",
            "ab",
            "abc",
            "a/b",
            "axbxc",
            "conf/a.txt",
            "conf/sub/a.txt",
            "conf/",
            "x",
            "y/x",
            "files/a.yaml",
            "files/a.yml",
            "files/b/c.yaml",
            "a/x/b",
            "dir/",
            "éa",
            "é/a",
            "q/r",
        ];
        for p in patterns {
            let direct = Glob::new(p).expect("simple pattern");
            assert!(matches!(direct.matcher, Matcher::Simple(_)), "{p}");
            let regex = Glob::new_regex(p).expect("regex pattern");
            for s in paths {
                assert_eq!(
                    direct.matches(s),
                    regex.matches(s),
                    "pattern {p:?} path {s:?}"
                );
            }
        }
        assert!(matches!(
            Glob::new("a[bc]").expect("class").matcher,
            Matcher::Regex(_)
        ));
    }

    #[test]
    fn star_stays_in_segment() {
        assert!(m("conf/*.txt", "conf/a.txt"));
        assert!(!m("conf/*.txt", "conf/sub/a.txt"));
        assert!(m("conf/**.txt", "conf/sub/a.txt"));
        assert!(m("**", "a/b/c"));
    }

    #[test]
    fn classes_alternatives_escapes() {
        assert!(m("f[0-9].yaml", "f1.yaml"));
        assert!(!m("f[!0-9].yaml", "f1.yaml"));
        assert!(m("{a,b}/*", "b/x"));
        assert!(!m("{a,b}/*", "c/x"));
        assert!(m("a\\*", "a*"));
        assert!(m("?.txt", "x.txt"));
    }

    #[test]
    fn invalid_patterns_error() {
        assert!(Glob::new("[abc").is_err());
        assert!(Glob::cached("[abc").is_err());
        let g = Glob::cached("files/*.conf").unwrap();
        assert!(g.matches("files/a.conf") && !g.matches("files/x/a.conf"));
        assert!(Glob::cached("files/*.conf")
            .unwrap()
            .matches("files/b.conf"));
        assert!(Glob::new("{a,b").is_err());
        assert!(Glob::new("a\\").is_err());
    }
}
