//! Glob patterns as `gobwas/glob` compiles them with `/` as separator (what Helm's
//! `.Files.Glob` uses): `*` within a path segment, `**` across segments, `?`, `[a-z]`,
//! `[!x]`, `{a,b}` alternatives and `\` escapes.
//!
//! Patterns are translated to an anchored regular expression, so matching is linear-time
//! whatever the pattern.

use regex::Regex;

/// A compiled glob pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    re: Regex,
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
        Ok(Glob { re })
    }

    /// The pattern `**`, matching everything.
    pub fn match_all() -> Glob {
        Glob {
            // A constant, valid expression: compiling it cannot fail.
            re: Regex::new("(?s:.*)").unwrap_or_else(|_| unreachable!()),
        }
    }

    /// True when `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        self.re.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p).map(|g| g.matches(s)).unwrap_or(false)
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
