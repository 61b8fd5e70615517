//! `.helmignore` rules, as Helm's `pkg/ignore` applies them: one pattern per line,
//! `filepath.Match` syntax, `!` negation, a trailing `/` for directories only, patterns
//! without `/` matched against the base name, and `templates/.?*` always ignored.

/// One parsed rule.
#[derive(Debug, Clone)]
struct Rule {
    /// The pattern as characters, validated once at parse time (matching runs per file);
    /// `None` when malformed, which matches nothing.
    pattern: Option<Vec<char>>,
    /// The pattern has no `*`, `?`, `[` or `\\`: a plain string comparison decides.
    literal: Option<String>,
    /// The pattern is `*` and then such a literal (`*.orig`): a suffix test decides.
    suffix: Option<String>,
    negate: bool,
    dir_only: bool,
    anchored: bool,
    structural: bool,
}

/// A set of `.helmignore` rules.
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

impl Default for IgnoreRules {
    fn default() -> Self {
        IgnoreRules::parse("")
    }
}

impl IgnoreRules {
    /// Parses a `.helmignore` text (Helm's defaults included). Invalid lines (`**`, bad
    /// classes) are skipped, as Helm fails the whole load on them only in the CLI's linter.
    pub fn parse(text: &str) -> IgnoreRules {
        let mut rules = Vec::new();
        for line in std::iter::once("templates/.?*").chain(text.lines()) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.contains("**") {
                continue;
            }
            if match_path(line.trim_start_matches('!'), "abc").is_none() {
                continue;
            }
            let mut rule = line;
            let negate = rule.starts_with('!');
            if negate {
                rule = &rule[1..];
            }
            let dir_only = rule.ends_with('/');
            let rule = rule.trim_end_matches('/');
            let anchored = rule.starts_with('/');
            let rule = rule.trim_start_matches('/');
            let is_literal = |t: &str| !t.contains(['*', '?', '[', '\\']);
            let literal = is_literal(rule).then(|| rule.to_string());
            let suffix = rule
                .strip_prefix('*')
                .filter(|rest| is_literal(rest))
                .map(str::to_string);
            rules.push(Rule {
                pattern: {
                    let chars: Vec<char> = rule.chars().collect();
                    validate(&chars).map(|()| chars)
                },
                literal,
                suffix,
                negate,
                dir_only,
                anchored,
                structural: rule.contains('/'),
            });
        }
        IgnoreRules { rules }
    }

    /// True when `path` (relative, `/`-separated) is ignored.
    pub fn ignored(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        // Characters of the path and of its base name, built once for all rules.
        let mut path_chars: Option<Vec<char>> = None;
        let mut base_chars: Option<Vec<char>> = None;
        for r in &self.rules {
            let whole = r.anchored || r.structural;
            let target = if whole { path } else { base };
            let matched = match (&r.literal, &r.suffix) {
                (Some(lit), _) => lit == target,
                // `*` matches any run of characters other than `/`.
                (None, Some(sfx)) => target
                    .strip_suffix(sfx.as_str())
                    .is_some_and(|head| !head.contains('/')),
                (None, None) => r.pattern.as_deref().is_some_and(|pattern| {
                    let chars = if whole {
                        path_chars.get_or_insert_with(|| path.chars().collect())
                    } else {
                        base_chars.get_or_insert_with(|| base.chars().collect())
                    };
                    match_from(pattern, 0, chars, 0)
                }),
            };
            if r.negate {
                // Helm's quirk: a negated rule ignores everything it does not match.
                if r.dir_only && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if r.dir_only && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Match` on `/`-separated paths: `Some(matched)`, or `None` for a malformed
/// pattern.
pub fn match_path(pattern: &str, name: &str) -> Option<bool> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Validate the whole pattern first, as Go reports ErrBadPattern even after a mismatch.
    validate(&p)?;
    Some(match_from(&p, 0, &n, 0))
}

fn validate(p: &[char]) -> Option<()> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                i += 2;
                if i > p.len() {
                    return None;
                }
            }
            '[' => {
                let (_, next) = class_end(p, i)?;
                i = next;
            }
            _ => i += 1,
        }
    }
    Some(())
}

/// Returns (negated, index after `]`) for a class starting at `p[start] == '['`.
fn class_end(p: &[char], start: usize) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut first = true;
    loop {
        match p.get(i)? {
            ']' if !first => return Some((negated, i + 1)),
            '\\' => i += 2,
            '-' if first => return None,
            _ => i += 1,
        }
        first = false;
    }
}

fn class_matches(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let (negated, end) = class_end(p, start)?;
    let mut i = start + 1 + usize::from(negated);
    let mut hit = false;
    while i < end - 1 {
        let mut lo = p[i];
        if lo == '\\' {
            i += 1;
            lo = *p.get(i)?;
        }
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && i + 1 < end - 1 {
            i += 1;
            hi = p[i];
            if hi == '\\' {
                i += 1;
                hi = *p.get(i)?;
            }
            i += 1;
        }
        if lo <= c && c <= hi {
            hit = true;
        }
    }
    Some((hit != negated, end))
}

fn match_from(p: &[char], mut pi: usize, n: &[char], mut ni: usize) -> bool {
    // Classic wildcard matching with a single backtrack point per `*` run; `*` never
    // crosses `/`, which keeps the backtracking within one segment.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' if ni < n.len() && n[ni] != '/' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' if ni < n.len() && n[ni] != '/' => {
                    if let Some((true, end)) = class_matches(p, pi, n[ni]) {
                        pi = end;
                        ni += 1;
                        continue;
                    }
                }
                '\\' if ni < n.len() && p.get(pi + 1) == Some(&n[ni]) => {
                    pi += 2;
                    ni += 1;
                    continue;
                }
                c if c != '*'
                    && c != '?'
                    && c != '['
                    && c != '\\'
                    && ni < n.len()
                    && n[ni] == c =>
                {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        } else if ni == n.len() {
            return true;
        }
        // Mismatch: let the last `*` eat one more non-separator character.
        match star {
            Some((sp, sn)) if sn < n.len() && n[sn] != '/' => {
                star = Some((sp, sn + 1));
                pi = sp + 1;
                ni = sn + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_match_semantics() {
        assert_eq!(match_path("*.txt", "a.txt"), Some(true));
        assert_eq!(match_path("*.txt", "d/a.txt"), Some(false));
        assert_eq!(match_path("d/*.txt", "d/a.txt"), Some(true));
        assert_eq!(match_path("[a-c]?", "bz"), Some(true));
        assert_eq!(match_path("[^a-c]?", "bz"), Some(false));
        assert_eq!(match_path("[", "a"), None);
        assert_eq!(match_path("a\\*", "a*"), Some(true));
    }

    #[test]
    fn helmignore_rules() {
        let r = IgnoreRules::parse("# comment\n*.bak\nsecret/\n/top.txt\n");
        assert!(r.ignored("x/file.bak", false));
        assert!(r.ignored("secret", true));
        assert!(!r.ignored("secret", false));
        assert!(r.ignored("top.txt", false));
        assert!(r.ignored("templates/.hidden", false));
        assert!(!r.ignored("templates/ok.yaml", false));
    }

    #[test]
    fn literal_and_suffix_fast_paths_agree_with_filepath_match() {
        let paths = [
            "a.bak",
            "d/a.bak",
            ".bak",
            "a.txt",
            "dir/x.yaml",
            "dir/sub/x.yaml",
            "b~",
            "x",
        ];
        for pattern in ["*.bak", "*", "a.txt", "dir/*.yaml", "*~", "x*", "*/x.yaml"] {
            let rules = IgnoreRules::parse(pattern);
            for path in paths {
                let target = if pattern.contains('/') {
                    path
                } else {
                    path.rsplit('/').next().unwrap_or(path)
                };
                assert_eq!(
                    rules.ignored(path, false),
                    match_path(pattern, target) == Some(true),
                    "{pattern} on {path}"
                );
            }
        }
    }
}
